"""PostgreSQL: columns that let kpi_table count stage compliance and follow-up visits without
joining each row to its case (assessment.selectors._counts).

- ``cases_casedeadline.kpi_received_at``: the case's ``received_at`` when the case belongs to
  the complaint population of SPEC §5 (complaint type, not merged into another case), else
  NULL; ``kpi_department_id``: the case's department.
- ``assessment_followupvisit.kpi_department_id``: the case's department; ``kpi_first``: this
  is the case's first completed visit (earliest ``visited_at``, then lowest id).

They are not model fields: the ORM never writes them. Triggers keep them equal to the values
they copy on every write path (ORM, ``queryset.update()``, COPY, raw SQL):

- a BEFORE INSERT / UPDATE OF trigger on both tables fills them from the case, whatever the
  statement supplied (a row whose case does not exist yet is refused rather than left wrong:
  the foreign keys are deferred, so a writer could otherwise insert it before its case);
- an AFTER UPDATE trigger on the case, when its receipt time, department, type or merged
  state changes, rewrites its deadlines' and visits' copies;
- ``kpi_first`` is set on insert (and the case's previous first visit cleared when the new
  one is earlier), and recomputed for the case after any update that changes a visit's case,
  outcome, time or flag, and after the first visit is deleted.

Two partial covering indexes let the KPI read them with index-only range scans. Other
backends get nothing here and compute the same counts with joins.
"""
from django.db import migrations

# Static DDL (nothing interpolated). The stage list is STAGE_ORDER's, as in the KPI query.
FORWARD = """
ALTER TABLE cases_casedeadline ADD COLUMN kpi_received_at timestamptz, ADD COLUMN kpi_department_id bigint;
ALTER TABLE assessment_followupvisit ADD COLUMN kpi_department_id bigint,
  ADD COLUMN kpi_first boolean NOT NULL DEFAULT false;

-- Existing rows (this changes no KPI figure, so the change stamps of 0005 are not needed).
-- Deferred foreign-key checks are run per statement, so no trigger event is pending when the
-- stamp triggers are enabled again.
SET CONSTRAINTS ALL IMMEDIATE;
ALTER TABLE cases_casedeadline DISABLE TRIGGER kpi_cases_casedeadline_upd;
ALTER TABLE assessment_followupvisit DISABLE TRIGGER kpi_assessment_followupvisit_upd;
UPDATE cases_casedeadline d SET kpi_department_id = c.department_id,
  kpi_received_at = CASE WHEN c.complaint_type = 'complaint' AND c.merged_into_id IS NULL THEN c.received_at END
  FROM cases_complaint c WHERE c.id = d.case_id;
UPDATE assessment_followupvisit v SET kpi_department_id = c.department_id FROM cases_complaint c WHERE c.id = v.case_id;
UPDATE assessment_followupvisit v SET kpi_first = true WHERE v.outcome = 'completed' AND NOT EXISTS (
  SELECT 1 FROM assessment_followupvisit e WHERE e.case_id = v.case_id AND e.outcome = 'completed'
    AND (e.visited_at, e.id) < (v.visited_at, v.id));
ALTER TABLE cases_casedeadline ENABLE TRIGGER kpi_cases_casedeadline_upd;
ALTER TABLE assessment_followupvisit ENABLE TRIGGER kpi_assessment_followupvisit_upd;

CREATE FUNCTION assessment_kpi_deadline_fill() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  SELECT CASE WHEN c.complaint_type = 'complaint' AND c.merged_into_id IS NULL THEN c.received_at END, c.department_id
    INTO NEW.kpi_received_at, NEW.kpi_department_id FROM cases_complaint c WHERE c.id = NEW.case_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'case % does not exist: a deadline must be written after its case', NEW.case_id
      USING ERRCODE = 'foreign_key_violation';
  END IF;
  RETURN NEW;
END $$;

CREATE FUNCTION assessment_kpi_visit_fill() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  SELECT c.department_id INTO NEW.kpi_department_id FROM cases_complaint c WHERE c.id = NEW.case_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'case % does not exist: a follow-up visit must be written after its case', NEW.case_id
      USING ERRCODE = 'foreign_key_violation';
  END IF;
  IF TG_OP = 'INSERT' THEN
    -- Rows written earlier by the same statement are visible here (row-level BEFORE trigger).
    NEW.kpi_first := NEW.outcome = 'completed' AND NOT EXISTS (
      SELECT 1 FROM assessment_followupvisit e WHERE e.case_id = NEW.case_id AND e.outcome = 'completed'
        AND (e.visited_at, e.id) < (NEW.visited_at, NEW.id));
    IF NEW.kpi_first THEN
      UPDATE assessment_followupvisit SET kpi_first = false WHERE case_id = NEW.case_id AND kpi_first;
    END IF;
  END IF;
  RETURN NEW;
END $$;

CREATE FUNCTION assessment_kpi_first_visit(case_pk bigint) RETURNS void LANGUAGE sql AS $$
  UPDATE assessment_followupvisit v SET kpi_first = f.first FROM (
    SELECT e.id, coalesce(e.id = (
      SELECT x.id FROM assessment_followupvisit x WHERE x.case_id = case_pk AND x.outcome = 'completed'
      ORDER BY x.visited_at, x.id LIMIT 1), false) AS first
    FROM assessment_followupvisit e WHERE e.case_id = case_pk
  ) f WHERE v.id = f.id AND v.kpi_first IS DISTINCT FROM f.first;
$$;

CREATE FUNCTION assessment_kpi_visit_changed_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM assessment_kpi_first_visit(OLD.case_id);
  IF TG_OP = 'UPDATE' AND NEW.case_id <> OLD.case_id THEN
    PERFORM assessment_kpi_first_visit(NEW.case_id);
  END IF;
  RETURN NULL;
END $$;

CREATE FUNCTION assessment_kpi_case_changed_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- The BEFORE UPDATE OF triggers of both tables recompute the copies from this case.
  UPDATE cases_casedeadline SET kpi_department_id = NEW.department_id WHERE case_id = NEW.id;
  UPDATE assessment_followupvisit SET kpi_department_id = NEW.department_id WHERE case_id = NEW.id;
  RETURN NULL;
END $$;

CREATE TRIGGER kpi_fill BEFORE INSERT OR UPDATE OF case_id, kpi_received_at, kpi_department_id
  ON cases_casedeadline FOR EACH ROW EXECUTE FUNCTION assessment_kpi_deadline_fill();
CREATE TRIGGER kpi_fill BEFORE INSERT OR UPDATE OF case_id, kpi_department_id
  ON assessment_followupvisit FOR EACH ROW EXECUTE FUNCTION assessment_kpi_visit_fill();
-- Not for the triggers' own updates (depth 1): the flag they set is already right, and the
-- BEFORE INSERT trigger clears the previous first visit before the new row exists.
CREATE TRIGGER kpi_first_upd AFTER UPDATE ON assessment_followupvisit FOR EACH ROW
  WHEN (pg_trigger_depth() < 1 AND (OLD.case_id, OLD.outcome, OLD.visited_at, OLD.kpi_first)
        IS DISTINCT FROM (NEW.case_id, NEW.outcome, NEW.visited_at, NEW.kpi_first))
  EXECUTE FUNCTION assessment_kpi_visit_changed_row();
CREATE TRIGGER kpi_first_del AFTER DELETE ON assessment_followupvisit FOR EACH ROW
  WHEN (OLD.kpi_first) EXECUTE FUNCTION assessment_kpi_visit_changed_row();
CREATE TRIGGER kpi_case_changed AFTER UPDATE OF received_at, department_id, complaint_type, merged_into_id
  ON cases_complaint FOR EACH ROW
  WHEN (OLD.received_at IS DISTINCT FROM NEW.received_at OR OLD.department_id IS DISTINCT FROM NEW.department_id
        OR OLD.complaint_type IS DISTINCT FROM NEW.complaint_type
        OR (OLD.merged_into_id IS NULL) <> (NEW.merged_into_id IS NULL))
  EXECUTE FUNCTION assessment_kpi_case_changed_row();

CREATE INDEX deadline_kpi_cohort ON cases_casedeadline (kpi_received_at)
  INCLUDE (kpi_department_id, stage, due_on, met_at, stopped_at)
  WHERE kpi_received_at IS NOT NULL AND stage IN ('acknowledge', 'dispatch', 'form_team', 'report', 'plan', 'approval', 'decision');
CREATE INDEX followup_kpi ON assessment_followupvisit (visited_at)
  INCLUDE (kpi_department_id, outcome, rating, kpi_first)
  WHERE kpi_first OR outcome IN ('unreachable', 'refused');
"""

BACKWARD = """
DROP TRIGGER IF EXISTS kpi_fill ON cases_casedeadline;
DROP TRIGGER IF EXISTS kpi_fill ON assessment_followupvisit;
DROP TRIGGER IF EXISTS kpi_first_upd ON assessment_followupvisit;
DROP TRIGGER IF EXISTS kpi_first_del ON assessment_followupvisit;
DROP TRIGGER IF EXISTS kpi_case_changed ON cases_complaint;
DROP FUNCTION IF EXISTS assessment_kpi_deadline_fill(), assessment_kpi_visit_fill(), assessment_kpi_visit_changed_row(),
  assessment_kpi_case_changed_row(), assessment_kpi_first_visit(bigint);
DROP INDEX IF EXISTS deadline_kpi_cohort;
DROP INDEX IF EXISTS followup_kpi;
ALTER TABLE cases_casedeadline DROP COLUMN IF EXISTS kpi_received_at, DROP COLUMN IF EXISTS kpi_department_id;
ALTER TABLE assessment_followupvisit DROP COLUMN IF EXISTS kpi_department_id, DROP COLUMN IF EXISTS kpi_first;
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("assessment", "0005_kpi_change_versions")]
    operations = [migrations.RunPython(forward, backward)]
