"""A web or worker process starts without the libraries only some requests need: the triage
training's scikit-learn and SciPy, numpy and jieba (loaded with the first suggestion), openpyxl
(the first XLSX export), reportlab (the first PDF). Each would add its memory to every worker."""
import json
import os
import subprocess
import sys

from django.conf import settings

HEAVY = ("sklearn", "scipy", "numpy", "jieba", "openpyxl", "reportlab")

PROBE = """
import json, sys
import django
django.setup()
from django.urls import get_resolver
get_resolver().url_patterns  # the URLconf imports every view module, as a worker's first request does
import complaints_portal.celery  # and the worker's task modules
print(json.dumps(sorted(name for name in sys.modules if name.split(".")[0] in HEAVY)))
""".replace("HEAVY", repr(HEAVY))


def test_starting_the_portal_loads_none_of_the_heavy_libraries():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "complaints_portal.settings.test")}
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, env=env,
                          cwd=settings.BASE_DIR, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    assert {name.split(".")[0] for name in loaded} == set()
