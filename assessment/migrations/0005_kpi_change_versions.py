"""PostgreSQL: per-quarter change versions that let kpi_table serve finished quarters from a
cache (assessment.selectors._cached_counts).

Every statement that inserts, updates or deletes a case, a deadline or a follow-up visit
stamps the quarters whose KPI counts it may change with a fresh number from a sequence (never
reused, even after a rollback). Stamps are appended, never updated, so writers take no lock on
a shared row and cannot deadlock on it; the latest stamp of a quarter is one index probe. A cached figure is keyed by the stamps of its quarters, so any
change, whatever wrote it (ORM, queryset.update(), COPY, raw SQL), makes it unreachable.
Rows of recent quarters (from the quarter containing now − 2 days) are not stamped: those
quarters are never cached (a quarter is cached from 7 days after its end), and intake, which
writes them all day, appends nothing. TRUNCATE stamps "ALL", part of every key.
Other backends get nothing here and never cache.
"""
from django.conf import settings
from django.db import migrations

TZ = settings.TIME_ZONE

# Static DDL: the only interpolated values are settings.TIME_ZONE and the table names below.
FORWARD = f"""
CREATE SEQUENCE assessment_kpichange_seq;
CREATE TABLE assessment_kpichange (quarter varchar(6) NOT NULL, version bigint NOT NULL);
CREATE INDEX assessment_kpichange_latest ON assessment_kpichange (quarter, version DESC);

CREATE FUNCTION assessment_kpi_stamp(stamps timestamptz[]) RETURNS void LANGUAGE sql AS $$
  INSERT INTO assessment_kpichange (quarter, version)
  SELECT q, nextval('assessment_kpichange_seq') FROM (
    SELECT DISTINCT to_char(t AT TIME ZONE '{TZ}', 'YYYY"Q"Q') AS q FROM unnest(stamps) t
    WHERE t < (date_trunc('quarter', (now() - interval '2 days') AT TIME ZONE '{TZ}') AT TIME ZONE '{TZ}')
  ) quarters;
$$;

CREATE FUNCTION assessment_kpi_complaint_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- A case counts in the quarter it was received; its department also attributes its
  -- visits, which count in the quarter they took place.
  IF TG_OP = 'INSERT' THEN
    PERFORM assessment_kpi_stamp(ARRAY(SELECT received_at FROM kpi_new));
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM assessment_kpi_stamp(ARRAY(SELECT received_at FROM kpi_old UNION ALL
      SELECT v.visited_at FROM assessment_followupvisit v WHERE v.case_id IN (SELECT id FROM kpi_old)));
  ELSE
    PERFORM assessment_kpi_stamp(ARRAY(SELECT received_at FROM kpi_old UNION ALL SELECT received_at FROM kpi_new
      UNION ALL SELECT v.visited_at FROM assessment_followupvisit v WHERE v.case_id IN (SELECT id FROM kpi_new)));
  END IF;
  RETURN NULL;
END $$;

CREATE FUNCTION assessment_kpi_deadline_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM assessment_kpi_stamp(ARRAY(SELECT c.received_at FROM cases_complaint c WHERE c.id IN (SELECT case_id FROM kpi_new)));
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM assessment_kpi_stamp(ARRAY(SELECT c.received_at FROM cases_complaint c WHERE c.id IN (SELECT case_id FROM kpi_old)));
  ELSE
    PERFORM assessment_kpi_stamp(ARRAY(SELECT c.received_at FROM cases_complaint c
      WHERE c.id IN (SELECT case_id FROM kpi_old UNION SELECT case_id FROM kpi_new)));
  END IF;
  RETURN NULL;
END $$;

CREATE FUNCTION assessment_kpi_visit_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- A visit counts in its own quarter, and decides whether the case's other visits are its
  -- "first completed visit": the quarters of all visits of the case are stamped.
  IF TG_OP = 'INSERT' THEN
    PERFORM assessment_kpi_stamp(ARRAY(SELECT visited_at FROM kpi_new UNION ALL
      SELECT v.visited_at FROM assessment_followupvisit v WHERE v.case_id IN (SELECT case_id FROM kpi_new)));
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM assessment_kpi_stamp(ARRAY(SELECT visited_at FROM kpi_old UNION ALL
      SELECT v.visited_at FROM assessment_followupvisit v WHERE v.case_id IN (SELECT case_id FROM kpi_old)));
  ELSE
    PERFORM assessment_kpi_stamp(ARRAY(SELECT visited_at FROM kpi_old UNION ALL SELECT visited_at FROM kpi_new
      UNION ALL SELECT v.visited_at FROM assessment_followupvisit v
      WHERE v.case_id IN (SELECT case_id FROM kpi_old UNION SELECT case_id FROM kpi_new)));
  END IF;
  RETURN NULL;
END $$;

CREATE FUNCTION assessment_kpi_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO assessment_kpichange (quarter, version) VALUES ('ALL', nextval('assessment_kpichange_seq'));
  RETURN NULL;
END $$;
""" + "".join(  # noqa: S608
    f"""
CREATE TRIGGER kpi_{table}_ins AFTER INSERT ON {table} REFERENCING NEW TABLE AS kpi_new
  FOR EACH STATEMENT EXECUTE FUNCTION {function}();
CREATE TRIGGER kpi_{table}_upd AFTER UPDATE ON {table} REFERENCING OLD TABLE AS kpi_old NEW TABLE AS kpi_new
  FOR EACH STATEMENT EXECUTE FUNCTION {function}();
CREATE TRIGGER kpi_{table}_del AFTER DELETE ON {table} REFERENCING OLD TABLE AS kpi_old
  FOR EACH STATEMENT EXECUTE FUNCTION {function}();
CREATE TRIGGER kpi_{table}_trunc AFTER TRUNCATE ON {table} FOR EACH STATEMENT EXECUTE FUNCTION assessment_kpi_truncated();
"""
    for table, function in (
        ("cases_complaint", "assessment_kpi_complaint_changed"),
        ("cases_casedeadline", "assessment_kpi_deadline_changed"),
        ("assessment_followupvisit", "assessment_kpi_visit_changed"),
    )
)

BACKWARD = "".join(
    f"DROP TRIGGER IF EXISTS kpi_{t}_ins ON {t}; DROP TRIGGER IF EXISTS kpi_{t}_upd ON {t}; "
    f"DROP TRIGGER IF EXISTS kpi_{t}_del ON {t}; DROP TRIGGER IF EXISTS kpi_{t}_trunc ON {t};\n"
    for t in ("cases_complaint", "cases_casedeadline", "assessment_followupvisit")
) + """
DROP FUNCTION IF EXISTS assessment_kpi_complaint_changed(), assessment_kpi_deadline_changed(),
  assessment_kpi_visit_changed(), assessment_kpi_truncated(), assessment_kpi_stamp(timestamptz[]);
DROP TABLE IF EXISTS assessment_kpichange;
DROP SEQUENCE IF EXISTS assessment_kpichange_seq;
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("assessment", "0004_kpi_followup_index")]
    operations = [migrations.RunPython(forward, backward)]
