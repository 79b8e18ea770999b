"""PostgreSQL: vacuum and analyse the tables behind the index-only scans after a fixed number
of new rows, not after a fifth of the table.

The dashboard, the KPI table, the backlog and the department queues count from covering
indexes (case_kpi_cohort and case_open_queue on cases, deadline_kpi_cohort on deadlines,
followup_kpi on visits). A scan stays index-only only on heap pages the visibility map marks
all-visible, and only VACUUM sets that mark. With PostgreSQL's defaults a table is vacuumed for
inserts after 20% of its size (2 million deadline rows at 10 million) and re-analysed after
10%: the quarter in progress, the one the dashboard shows, is exactly the part never vacuumed,
so every one of its rows was a heap fetch, and its row estimates were stale (1 row estimated
for 232,000). Measured on the 1M benchmark set after 33,000 intakes: the dashboard of today's
quarter 195 ms before a VACUUM, 83 ms after (bench/README.md).

Here the three tables are vacuumed after every 10,000 inserted rows (a vacuum after inserts
reads only the pages not yet all-visible), after 1% of their rows were updated or deleted, and
analysed after 1% changed. Other backends get nothing here.
"""
from django.db import migrations

TABLES = ("cases_complaint", "cases_casedeadline", "assessment_followupvisit")
SETTINGS = {
    "autovacuum_vacuum_insert_threshold": "10000",
    "autovacuum_vacuum_insert_scale_factor": "0",
    "autovacuum_vacuum_scale_factor": "0.01",
    "autovacuum_analyze_scale_factor": "0.01",
}


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        options = ", ".join(f"{name} = {value}" for name, value in SETTINGS.items())
        for table in TABLES:
            schema_editor.execute(f"ALTER TABLE {table} SET ({options})", params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for table in TABLES:
            schema_editor.execute(f"ALTER TABLE {table} RESET ({', '.join(SETTINGS)})", params=None)


class Migration(migrations.Migration):
    dependencies = [("assessment", "0008_kpi_columns_supplied")]
    operations = [migrations.RunPython(forward, backward)]
