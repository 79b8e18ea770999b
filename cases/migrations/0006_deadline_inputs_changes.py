"""PostgreSQL: a change log of the deadline inputs, so that intake can keep the calendar, the
policies and the deadlines of a new case in memory between requests (cases.deadline_inputs).

Every statement that inserts, updates, deletes or truncates calendar days, covered years, deadline
policies or stage rules appends one row, whatever issued it (admin, commands, queryset.update(),
raw SQL). Rows are appended, never updated: writers take no lock on a shared row. The memo is
valid while count(*) and max(id) of the table stay the same. Other backends get nothing here and
never memoise.
"""
from django.db import migrations

TABLES = ("cases_calendarday", "cases_calendaryear", "cases_deadlinepolicy", "cases_stagerule")

# Static DDL: the only interpolated values are the table names above.
FORWARD = """
CREATE TABLE cases_deadlineinputchange (id bigserial PRIMARY KEY, at timestamptz NOT NULL DEFAULT now());

CREATE FUNCTION cases_deadline_inputs_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO cases_deadlineinputchange DEFAULT VALUES;
  RETURN NULL;
END $$;
""" + "".join(
    f"""
CREATE TRIGGER deadline_inputs_{table} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table}
  FOR EACH STATEMENT EXECUTE FUNCTION cases_deadline_inputs_changed();
"""
    for table in TABLES
)

BACKWARD = "".join(f"DROP TRIGGER IF EXISTS deadline_inputs_{table} ON {table};\n" for table in TABLES) + """
DROP FUNCTION IF EXISTS cases_deadline_inputs_changed();
DROP TABLE IF EXISTS cases_deadlineinputchange;
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("cases", "0005_casedeadline_case_index_dropped")]
    operations = [migrations.RunPython(forward, backward)]
