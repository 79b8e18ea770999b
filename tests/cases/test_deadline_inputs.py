"""The per-process memo of intake's deadline inputs (cases.deadline_inputs): used only where it
cannot be stale, dropped by every committed change of the calendar or the deadline rules,
whatever wrote it. Real commits: PostgreSQL, transactional tests."""
import datetime

import pytest
from django.db import connection, transaction

from cases import deadline_inputs
from cases.deadlines import compute_deadlines
from cases.models import CalendarDay, CaseDeadline, Complaint, DeadlinePolicy, StageRule
from cases.services import case_create
from tests.factories.cases import calendar_seed, clerk, local_dt

pytestmark = [
    pytest.mark.postgres,
    # serialized_rollback: the roles and the default deadline policy come from a data migration.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

INTAKE = {"channel": "hotline", "category": "service", "summary": "Late claim", "description": "Six weeks.",
          "customer_name": "李四", "customer_phone": "13812345678"}
# Mon 2026-11-02: acknowledge is due the next working day, Tue 11-03.
D0 = local_dt("2026-11-02", 9)


@pytest.fixture
def calendar():
    calendar_seed()


def register(**overrides):
    return case_create(actor=clerk(), data={**INTAKE, "received_at": D0, **overrides})


def due(case):
    return {row.stage: row.due_on for row in CaseDeadline.objects.filter(case=case)}


def test_no_memo_inside_a_transaction(calendar):
    with transaction.atomic():
        assert deadline_inputs.memo() is None


def test_memo_is_kept_while_nothing_changes_and_gives_what_the_database_gives(calendar):
    # given
    first = deadline_inputs.memo()
    # when
    again = deadline_inputs.memo()
    case = Complaint(clock_start=D0.date(), deadline_policy=first.policy_for(D0.date()), category="service",
                     channel="hotline")
    # then
    assert again is first
    assert first.policy_for(D0.date()) == DeadlinePolicy.objects.filter(effective_from__lte=D0.date()).order_by(
        "-version").first()
    assert first.deadlines_for_new_case(case) == compute_deadlines(case, first.calendar)


def test_a_committed_holiday_written_without_signals_reaches_the_next_intake(calendar):
    # given: an intake memoises Tue 2026-11-03 as the acknowledge date
    assert due(register())["acknowledge"] == datetime.date(2026, 11, 3)
    before = deadline_inputs.memo()
    # when: the day becomes a holiday through bulk_create (no post_save, no history row)
    CalendarDay.objects.bulk_create([CalendarDay(date=datetime.date(2026, 11, 3), kind="holiday", name="Test")])
    # then
    assert deadline_inputs.memo() is not before
    assert due(register())["acknowledge"] == datetime.date(2026, 11, 4)


def test_a_stage_rule_changed_by_raw_sql_reaches_the_next_intake(calendar):
    # given
    policy = DeadlinePolicy.objects.order_by("-version").first()
    rule = StageRule.objects.get(policy=policy, stage="acknowledge", tier="simple", category="", channel="")
    assert due(register())["acknowledge"] == datetime.date(2026, 11, 3)
    # when
    with connection.cursor() as cursor:
        cursor.execute("UPDATE cases_stagerule SET working_days = working_days + 1 WHERE id = %s", [rule.pk])
    # then
    assert due(register())["acknowledge"] == datetime.date(2026, 11, 4)


def test_a_rolled_back_change_is_never_memoised(calendar):
    # given
    assert due(register())["acknowledge"] == datetime.date(2026, 11, 3)
    # when: a holiday is added and an intake made in a transaction that is rolled back
    with transaction.atomic():
        CalendarDay.objects.create(date=datetime.date(2026, 11, 3), kind="holiday", name="Test")
        assert due(register())["acknowledge"] == datetime.date(2026, 11, 4)
        transaction.set_rollback(True)
    # then
    assert due(register())["acknowledge"] == datetime.date(2026, 11, 3)


def test_intake_with_the_memo_reads_no_configuration(calendar, django_assert_max_num_queries):
    actor = clerk()
    case_create(actor=actor, data={**INTAKE, "received_at": D0})  # builds the memo

    # memo check; BEGIN; reference; case, its history record, deadline rows, its KPI read-model
    # row (assessment), event; COMMIT
    with django_assert_max_num_queries(9):
        case = case_create(actor=actor, data={**INTAKE, "received_at": D0, "summary": "Second"})
    assert len(due(case)) == 8
