"""PostgreSQL: whether a deadline's act (``met_at``) or the end of its tracking (``stopped_at``)
fell on a local date after ``due_on``, as stored generated columns in the stage-compliance
index, so that kpi_table does not convert two timestamps to local dates per deadline row.

PostgreSQL computes them on every write, whatever wrote the row. Adding them rewrites the
table, which empties its visibility map: without the VACUUM that follows, the "index-only"
scans would read every heap page (autovacuum does not react to a rewrite). So this migration
is not atomic: the DDL runs as one statement group, then VACUUM (ANALYZE). They use the time zone of
the settings when this migration ran (as the change stamps of 0005 do); changing TIME_ZONE
later means recreating them. Other backends get nothing here and compute the same
classification with joins (assessment.selectors.joined_counts).
"""
from django.conf import settings
from django.db import migrations

TZ = settings.TIME_ZONE

# Static DDL: the only interpolated value is settings.TIME_ZONE.
FORWARD = f"""
ALTER TABLE cases_casedeadline
  ADD COLUMN kpi_met_late boolean GENERATED ALWAYS AS ((met_at AT TIME ZONE '{TZ}')::date > due_on) STORED,
  ADD COLUMN kpi_stopped_late boolean GENERATED ALWAYS AS ((stopped_at AT TIME ZONE '{TZ}')::date > due_on) STORED;
DROP INDEX deadline_kpi_cohort;
CREATE INDEX deadline_kpi_cohort ON cases_casedeadline (kpi_received_at)
  INCLUDE (kpi_department_id, stage, due_on, met_at, stopped_at, kpi_met_late, kpi_stopped_late)
  WHERE kpi_received_at IS NOT NULL AND stage IN ('acknowledge', 'dispatch', 'form_team', 'report', 'plan', 'approval', 'decision');
"""  # noqa: S608

BACKWARD = """
DROP INDEX deadline_kpi_cohort;
ALTER TABLE cases_casedeadline DROP COLUMN kpi_met_late, DROP COLUMN kpi_stopped_late;
CREATE INDEX deadline_kpi_cohort ON cases_casedeadline (kpi_received_at)
  INCLUDE (kpi_department_id, stage, due_on, met_at, stopped_at)
  WHERE kpi_received_at IS NOT NULL AND stage IN ('acknowledge', 'dispatch', 'form_team', 'report', 'plan', 'approval', 'decision');
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)  # several statements, one implicit transaction
        schema_editor.execute("VACUUM (ANALYZE) cases_casedeadline", params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("assessment", "0006_kpi_maintained_columns")]
    operations = [migrations.RunPython(forward, backward)]
