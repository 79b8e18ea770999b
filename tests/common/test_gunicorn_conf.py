"""gunicorn.conf.py's worker start: the view modules are imported and the start-up objects
frozen out of the collector's generations (in a subprocess: freezing is per process)."""
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import gc, json, runpy, sys
import django
django.setup()
hooks = runpy.run_path("gunicorn.conf.py")
before = (gc.get_freeze_count(), "assessment.kpi.views" in sys.modules, "cases.views" in sys.modules)
hooks["post_worker_init"](None)
after = (gc.get_freeze_count(), "assessment.kpi.views" in sys.modules, "cases.views" in sys.modules)
objects = len(gc.get_objects())
print(json.dumps({"before": before, "after": after, "tracked_after": objects}))
"""


def test_worker_start_imports_views_and_freezes_startup_objects(tmp_path):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "complaints_portal.settings.test",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "CELERY_BROKER_URL": "memory://"}
    out = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True,
                         check=True, timeout=120).stdout
    result = json.loads(out.strip().splitlines()[-1])
    frozen_before, assessment_before, cases_before = result["before"]
    frozen_after, assessment_after, cases_after = result["after"]
    assert frozen_before == 0
    assert not (assessment_before or cases_before)  # imported by the hook, not by django.setup()
    assert assessment_after and cases_after
    # Nearly everything alive at start-up is frozen; what the collector still tracks is only
    # what was made after the freeze.
    assert frozen_after > 50_000
    assert result["tracked_after"] < frozen_after / 10
