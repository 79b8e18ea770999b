"""Shared set-up of the benchmarks: a dedicated PostgreSQL database, migrated."""
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def use_database(name, base="postgres://postgres@127.0.0.1:5432"):
    """Point Django at a dedicated database ``name`` (created if missing), migrate, set up."""
    url = os.environ.get("BENCH_DATABASE_URL", f"{base}/{name}")
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "complaints_portal.settings.test")
    os.environ.setdefault("CELERY_BROKER_URL", "memory://")
    sys.path.insert(0, ROOT)
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", name], capture_output=True)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return url
