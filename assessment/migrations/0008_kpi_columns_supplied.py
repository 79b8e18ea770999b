"""PostgreSQL: a bulk writer that knows the KPI copies of assessment 0006 may supply them itself.

The BEFORE INSERT triggers of 0006 look up the case of every deadline and follow-up visit
(and, for a visit, whether it is the case's first completed one). The legacy import knows all
of that for the rows it writes (it has just written the case) and paid ≈ 8 µs of database CPU
per deadline row, 8 rows per case, for the look-up (bench/README.md). Here the INSERT triggers
get a WHEN condition: they are skipped only while the transaction-local setting
``portal.kpi_columns_supplied`` is ``on`` (``set_config(…, 'on', true)``, which the legacy
import sets inside its batch transaction around its COPY of new deadline and visit rows and
sets back to ``off`` after them). Without the setting, or with any other value, the triggers
run as before and overwrite whatever the statement supplied. UPDATE is always checked.
The functions are unchanged; only the triggers are split into INSERT and UPDATE.
"""
from django.db import migrations

FORWARD = """
DROP TRIGGER kpi_fill ON cases_casedeadline;
CREATE TRIGGER kpi_fill BEFORE UPDATE OF case_id, kpi_received_at, kpi_department_id
  ON cases_casedeadline FOR EACH ROW EXECUTE FUNCTION assessment_kpi_deadline_fill();
CREATE TRIGGER kpi_fill_ins BEFORE INSERT ON cases_casedeadline FOR EACH ROW
  WHEN (current_setting('portal.kpi_columns_supplied', true) IS DISTINCT FROM 'on')
  EXECUTE FUNCTION assessment_kpi_deadline_fill();
DROP TRIGGER kpi_fill ON assessment_followupvisit;
CREATE TRIGGER kpi_fill BEFORE UPDATE OF case_id, kpi_department_id
  ON assessment_followupvisit FOR EACH ROW EXECUTE FUNCTION assessment_kpi_visit_fill();
CREATE TRIGGER kpi_fill_ins BEFORE INSERT ON assessment_followupvisit FOR EACH ROW
  WHEN (current_setting('portal.kpi_columns_supplied', true) IS DISTINCT FROM 'on')
  EXECUTE FUNCTION assessment_kpi_visit_fill();
"""

BACKWARD = """
DROP TRIGGER kpi_fill_ins ON cases_casedeadline;
DROP TRIGGER kpi_fill ON cases_casedeadline;
CREATE TRIGGER kpi_fill BEFORE INSERT OR UPDATE OF case_id, kpi_received_at, kpi_department_id
  ON cases_casedeadline FOR EACH ROW EXECUTE FUNCTION assessment_kpi_deadline_fill();
DROP TRIGGER kpi_fill_ins ON assessment_followupvisit;
DROP TRIGGER kpi_fill ON assessment_followupvisit;
CREATE TRIGGER kpi_fill BEFORE INSERT OR UPDATE OF case_id, kpi_department_id
  ON assessment_followupvisit FOR EACH ROW EXECUTE FUNCTION assessment_kpi_visit_fill();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("assessment", "0007_kpi_stage_late_columns")]
    operations = [migrations.RunPython(forward, backward)]
