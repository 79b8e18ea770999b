"""The KPI read model (assessment.KpiCase, written by assessment.kpi.readmodel) and its change
stamps (assessment.KpiChange) replace what 0005-0008 kept with triggers on other tables.

PostgreSQL: first removes every trigger, function, hidden and generated column, index, table
and sequence of 0005-0008 (the KPI copies on cases_casedeadline and assessment_followupvisit,
the per-quarter change stamps); then creates the two tables and fills the read model from the
cases with one INSERT … SELECT (a deadline join per stage, one row per case), local dates in
the TIME_ZONE of the settings when this migration runs. Every cached KPI figure was keyed by
the stamps of the old table, which restart here: the fill adds the stamp ALL, part of every
new key. Other backends fill the same rows with the same statement (SQLite has Django's
date-cast function).
"""
from django.conf import settings
from django.db import migrations, models
import django.db.models.deletion

STAGES = ("acknowledge", "dispatch", "form_team", "report", "plan", "approval", "decision")
TZ = settings.TIME_ZONE

TEARDOWN = """
DROP TRIGGER IF EXISTS kpi_cases_complaint_ins ON cases_complaint;
DROP TRIGGER IF EXISTS kpi_cases_complaint_upd ON cases_complaint;
DROP TRIGGER IF EXISTS kpi_cases_complaint_del ON cases_complaint;
DROP TRIGGER IF EXISTS kpi_cases_complaint_trunc ON cases_complaint;
DROP TRIGGER IF EXISTS kpi_cases_casedeadline_ins ON cases_casedeadline;
DROP TRIGGER IF EXISTS kpi_cases_casedeadline_upd ON cases_casedeadline;
DROP TRIGGER IF EXISTS kpi_cases_casedeadline_del ON cases_casedeadline;
DROP TRIGGER IF EXISTS kpi_cases_casedeadline_trunc ON cases_casedeadline;
DROP TRIGGER IF EXISTS kpi_assessment_followupvisit_ins ON assessment_followupvisit;
DROP TRIGGER IF EXISTS kpi_assessment_followupvisit_upd ON assessment_followupvisit;
DROP TRIGGER IF EXISTS kpi_assessment_followupvisit_del ON assessment_followupvisit;
DROP TRIGGER IF EXISTS kpi_assessment_followupvisit_trunc ON assessment_followupvisit;
DROP TRIGGER IF EXISTS kpi_fill ON cases_casedeadline;
DROP TRIGGER IF EXISTS kpi_fill_ins ON cases_casedeadline;
DROP TRIGGER IF EXISTS kpi_fill ON assessment_followupvisit;
DROP TRIGGER IF EXISTS kpi_fill_ins ON assessment_followupvisit;
DROP TRIGGER IF EXISTS kpi_first_upd ON assessment_followupvisit;
DROP TRIGGER IF EXISTS kpi_first_del ON assessment_followupvisit;
DROP TRIGGER IF EXISTS kpi_case_changed ON cases_complaint;
DROP FUNCTION IF EXISTS assessment_kpi_complaint_changed(), assessment_kpi_deadline_changed(),
  assessment_kpi_visit_changed(), assessment_kpi_truncated(), assessment_kpi_stamp(timestamptz[]),
  assessment_kpi_deadline_fill(), assessment_kpi_visit_fill(), assessment_kpi_visit_changed_row(),
  assessment_kpi_case_changed_row(), assessment_kpi_first_visit(bigint);
DROP INDEX IF EXISTS deadline_kpi_cohort;
DROP INDEX IF EXISTS followup_kpi;
ALTER TABLE cases_casedeadline DROP COLUMN IF EXISTS kpi_met_late, DROP COLUMN IF EXISTS kpi_stopped_late,
  DROP COLUMN IF EXISTS kpi_received_at, DROP COLUMN IF EXISTS kpi_department_id;
ALTER TABLE assessment_followupvisit DROP COLUMN IF EXISTS kpi_department_id, DROP COLUMN IF EXISTS kpi_first;
DROP TABLE IF EXISTS assessment_kpichange;
DROP SEQUENCE IF EXISTS assessment_kpichange_seq;
"""


def teardown(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(TEARDOWN, params=None)


def fill(apps, schema_editor):
    """The read model of every case, derived as assessment.kpi.readmodel derives it."""
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        def day(column):
            return f"({column} AT TIME ZONE '{TZ}')::date"
    else:
        def day(column):
            return f"django_datetime_cast_date({column}, '{TZ}', 'UTC')"
    first_visit = ("(SELECT v.{} FROM assessment_followupvisit v WHERE v.case_id = c.id AND v.outcome = 'completed' "
                   "ORDER BY v.visited_at, v.id LIMIT 1)")
    stage_columns = ", ".join(f"{s}_due, {s}_met, {s}_stopped" for s in STAGES)
    stage_values = ", ".join(f"d_{s}.due_on, {day(f'd_{s}.met_at')}, {day(f'd_{s}.stopped_at')}" for s in STAGES)
    joins = " ".join(f"LEFT JOIN cases_casedeadline d_{s} ON d_{s}.case_id = c.id AND d_{s}.stage = '{s}'" for s in STAGES)
    schema_editor.execute(
        "INSERT INTO assessment_kpicase (case_id, department_id, received_at, complaint_type, merged, channel, "
        "category, dispute_type, root_cause, due_overall, notified_on, withdrawn_on, withdrawn_before_decision, "
        f"first_visit_at, first_visit_rating, {stage_columns}) "
        "SELECT c.id, c.department_id, c.received_at, c.complaint_type, c.merged_into_id IS NOT NULL, c.channel, "
        f"c.category, c.dispute_type, c.root_cause, c.due_overall, {day('c.first_notified_at')}, {day('c.withdrawn_at')}, "
        "c.withdrawn_at IS NOT NULL AND (c.first_notified_at IS NULL OR c.first_notified_at > c.withdrawn_at), "
        f"{first_visit.format('visited_at')}, {first_visit.format('rating')}, {stage_values} "
        f"FROM cases_complaint c {joins}",  # noqa: S608  # nosec B608 - constant identifiers and settings.TIME_ZONE
        params=None,
    )
    schema_editor.execute(
        "UPDATE assessment_followupvisit SET department_id = (SELECT c.department_id FROM cases_complaint c "
        "WHERE c.id = assessment_followupvisit.case_id)", params=None,
    )
    schema_editor.execute("INSERT INTO assessment_kpichange (quarter) VALUES ('ALL')", params=None)
    if connection.vendor == "postgresql":
        # Vacuumed and analysed like the tables of 0009: its counts are index-only scans, which
        # need the visibility map of the quarter in progress.
        schema_editor.execute(
            "ALTER TABLE assessment_kpicase SET (autovacuum_vacuum_insert_threshold = 10000, "
            "autovacuum_vacuum_insert_scale_factor = 0, autovacuum_vacuum_scale_factor = 0.01, "
            "autovacuum_analyze_scale_factor = 0.01)", params=None,
        )
        schema_editor.execute("ANALYZE assessment_kpicase", params=None)


class Migration(migrations.Migration):

    dependencies = [
        ('assessment', '0009_autovacuum_for_index_only_scans'),
        ('cases', '0015_kpi_cohort_index_dropped'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(teardown, migrations.RunPython.noop),
        migrations.CreateModel(
            name='KpiCase',
            fields=[
                ('case', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='kpi', serialize=False, to='cases.complaint')),
                ('received_at', models.DateTimeField()),
                ('complaint_type', models.CharField(max_length=20)),
                ('merged', models.BooleanField()),
                ('channel', models.CharField(max_length=20)),
                ('category', models.CharField(max_length=20)),
                ('dispute_type', models.CharField(blank=True, max_length=20)),
                ('root_cause', models.CharField(blank=True, max_length=30)),
                ('due_overall', models.DateField(null=True)),
                ('notified_on', models.DateField(null=True)),
                ('withdrawn_on', models.DateField(null=True)),
                ('withdrawn_before_decision', models.BooleanField()),
                ('first_visit_at', models.DateTimeField(null=True)),
                ('first_visit_rating', models.PositiveSmallIntegerField(null=True)),
                ('acknowledge_due', models.DateField(null=True)),
                ('acknowledge_met', models.DateField(null=True)),
                ('acknowledge_stopped', models.DateField(null=True)),
                ('dispatch_due', models.DateField(null=True)),
                ('dispatch_met', models.DateField(null=True)),
                ('dispatch_stopped', models.DateField(null=True)),
                ('form_team_due', models.DateField(null=True)),
                ('form_team_met', models.DateField(null=True)),
                ('form_team_stopped', models.DateField(null=True)),
                ('report_due', models.DateField(null=True)),
                ('report_met', models.DateField(null=True)),
                ('report_stopped', models.DateField(null=True)),
                ('plan_due', models.DateField(null=True)),
                ('plan_met', models.DateField(null=True)),
                ('plan_stopped', models.DateField(null=True)),
                ('approval_due', models.DateField(null=True)),
                ('approval_met', models.DateField(null=True)),
                ('approval_stopped', models.DateField(null=True)),
                ('decision_due', models.DateField(null=True)),
                ('decision_met', models.DateField(null=True)),
                ('decision_stopped', models.DateField(null=True)),
            ],
        ),
        migrations.CreateModel(
            name='KpiChange',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('quarter', models.CharField(max_length=6)),
            ],
        ),
        migrations.RemoveIndex(
            model_name='followupvisit',
            name='followup_visited',
        ),
        migrations.AddField(
            model_name='followupvisit',
            name='department',
            field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, editable=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='cases.department'),
        ),
        migrations.AddIndex(
            model_name='followupvisit',
            index=models.Index(fields=['visited_at'], include=('department', 'outcome'), name='followup_visited'),
        ),
        migrations.AddField(
            model_name='kpicase',
            name='department',
            field=models.ForeignKey(db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='cases.department'),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name='kpichange',
            index=models.Index(fields=['quarter', '-id'], name='kpi_change_latest'),
        ),
        migrations.AddIndex(
            model_name='kpicase',
            index=models.Index(fields=['received_at'], include=('department', 'complaint_type', 'merged', 'channel', 'due_overall', 'notified_on', 'withdrawn_on', 'withdrawn_before_decision', 'acknowledge_due', 'acknowledge_met', 'acknowledge_stopped', 'dispatch_due', 'dispatch_met', 'dispatch_stopped', 'form_team_due', 'form_team_met', 'form_team_stopped', 'report_due', 'report_met', 'report_stopped', 'plan_due', 'plan_met', 'plan_stopped', 'approval_due', 'approval_met', 'approval_stopped', 'decision_due', 'decision_met', 'decision_stopped'), name='kpi_cohort'),
        ),
        migrations.AddIndex(
            model_name='kpicase',
            index=models.Index(fields=['received_at'], include=('department', 'complaint_type', 'merged', 'category', 'channel', 'dispute_type', 'root_cause'), name='kpi_volumes'),
        ),
        migrations.AddIndex(
            model_name='kpicase',
            index=models.Index(condition=models.Q(('first_visit_at__isnull', False)), fields=['first_visit_at'], include=('department', 'first_visit_rating'), name='kpi_first_visit'),
        ),
    ]
