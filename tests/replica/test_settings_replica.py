"""DATABASE_REPLICA_URL: the "replica" alias exists only when it is set; a bad value stops
start-up with a message naming the variable."""
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHOW = (
    "import django; django.setup(); from django.conf import settings as s; "
    "r = s.DATABASES.get('replica'); "
    "print(sorted(s.DATABASES), r and (r['ENGINE'], r['HOST'], r['PORT'], r['TEST']['MIRROR']), s.REPLICA_PIN_SECONDS)"
)


def run_settings(**env):
    environ = {k: v for k, v in os.environ.items() if k != "DATABASE_REPLICA_URL"}
    environ.update(DJANGO_SETTINGS_MODULE="complaints_portal.settings.test",
                   DATABASE_URL="postgres://postgres@127.0.0.1:5432/primary", **env)
    return subprocess.run([sys.executable, "-c", SHOW], cwd=ROOT, env=environ, capture_output=True, text=True,
                          timeout=60)


def test_without_replica_url_there_is_no_replica_alias():
    result = run_settings()
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["['default']", "None", "5"]


def test_replica_url_adds_the_replica_alias_as_a_test_mirror():
    result = run_settings(DATABASE_REPLICA_URL="postgres://postgres@10.0.0.2:5433/complaints",
                          REPLICA_PIN_SECONDS="3")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        "['default', 'replica'] ('django.db.backends.postgresql', '10.0.0.2', 5433, 'default') 3"
    )


def test_a_replica_url_of_another_kind_of_database_is_refused():
    result = run_settings(DATABASE_REPLICA_URL="sqlite:///var/replica.sqlite3")
    assert result.returncode != 0
    assert "DATABASE_REPLICA_URL" in result.stderr


def test_a_malformed_replica_url_is_refused():
    result = run_settings(DATABASE_REPLICA_URL="not a url")
    assert result.returncode != 0
    assert "DATABASE_REPLICA_URL" in result.stderr


def test_a_negative_pin_time_is_refused():
    result = run_settings(REPLICA_PIN_SECONDS="-1")
    assert result.returncode != 0
    assert "REPLICA_PIN_SECONDS" in result.stderr
