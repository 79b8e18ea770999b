"""Migrations assessment 0009 and 0010: the tables behind the index-only KPI and queue counts
are vacuumed and analysed after a fixed number of new rows (PostgreSQL storage parameters)."""
import importlib

import pytest
from django.db import connection

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL storage parameters"),
]

migration = importlib.import_module("assessment.migrations.0009_autovacuum_for_index_only_scans")


def _options(table):
    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = %s", [table])
        (options,) = cursor.fetchone()
    return dict(option.split("=", 1) for option in options or [])


@pytest.mark.parametrize("table", ["cases_complaint", "cases_casedeadline", "assessment_followupvisit", "assessment_kpicase"])
def test_tables_are_vacuumed_after_ten_thousand_inserts(table):
    options = _options(table)
    assert options["autovacuum_vacuum_insert_threshold"] == "10000"
    assert float(options["autovacuum_vacuum_insert_scale_factor"]) == 0
    assert float(options["autovacuum_vacuum_scale_factor"]) == pytest.approx(0.01)
    assert float(options["autovacuum_analyze_scale_factor"]) == pytest.approx(0.01)


def test_backward_resets_and_forward_sets_again():
    with connection.schema_editor() as editor:
        migration.backward(None, editor)
    assert all(not set(migration.SETTINGS) & set(_options(table)) for table in migration.TABLES)
    with connection.schema_editor() as editor:
        migration.forward(None, editor)
    assert all(set(migration.SETTINGS) <= set(_options(table)) for table in migration.TABLES)
