"""Backups (issue 10): a pg_dump of the database, restored into a fresh database, gives the
same `kpi_report` output byte for byte. This is the README's backup procedure, run for real:

    pg_dump --format=custom --no-owner --file=complaints.dump "$DATABASE"
    createdb complaints_restored
    pg_restore --no-owner --exit-on-error --dbname=complaints_restored complaints.dump

The reports run through `kpi_report` with the connection pointed at each database in turn.
"""
import os
import subprocess
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from assessment.kpi.periods import local_today, previous_quarter, quarter_of

# serialized_rollback: the flush after this test then leaves the migrated rows (roles, content
# types) as the next transactional tests expect them.
pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

def pg_env(settings_dict):
    env = {**os.environ, "PGUSER": settings_dict["USER"] or "postgres", "PGHOST": settings_dict["HOST"] or "127.0.0.1",
           "PGPORT": str(settings_dict["PORT"] or 5432)}
    if settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = settings_dict["PASSWORD"]
    return env


def kpi_report(database, periods, as_of):
    """`kpi_report` of each period with the default connection pointed at `database`."""
    original = connection.settings_dict["NAME"]
    connection.close()
    connection.settings_dict["NAME"] = database
    try:
        out = StringIO()
        for period in periods:
            call_command("kpi_report", period, "--as-of", as_of, stdout=out)
        return out.getvalue().encode()
    finally:
        connection.close()
        connection.settings_dict["NAME"] = original


def test_dump_restored_into_a_fresh_database_gives_the_same_kpi_report(tmp_path):
    # given: the demo data (every state, several departments), committed
    call_command("load_demo", stdout=StringIO())
    sd = connection.settings_dict
    source, restored = sd["NAME"], f"{sd['NAME']}_restored"
    env = pg_env(sd)
    dump = tmp_path / "complaints.dump"
    # when: dump, restore into a fresh database
    subprocess.run(["pg_dump", "--format=custom", "--no-owner", f"--file={dump}", source], env=env, check=True,
                   timeout=120)
    subprocess.run(["dropdb", "--if-exists", restored], env=env, check=True, timeout=60)
    subprocess.run(["createdb", restored], env=env, check=True, timeout=60)
    try:
        subprocess.run(["pg_restore", "--no-owner", "--exit-on-error", f"--dbname={restored}", str(dump)],
                       env=env, check=True, timeout=120)
        # then: the KPI report of the previous and the current quarter and of the year is identical
        today = local_today()
        periods = (previous_quarter(today).code, quarter_of(today).code, str(today.year))
        original = kpi_report(source, periods, today.isoformat())
        copy = kpi_report(restored, periods, today.isoformat())
        assert original.startswith(b"department,complaints,")
        assert original.count(b"\nALL,") == len(periods)
        totals = [line.split(b",")[1] for line in original.splitlines() if line.startswith(b"ALL,")]
        assert any(total != b"0" for total in totals), "the demo data should count some complaints"
        assert copy == original
    finally:
        subprocess.run(["dropdb", "--if-exists", "--force", restored], env=env, check=False, timeout=60)
