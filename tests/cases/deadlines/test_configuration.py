"""The deadline configuration's one change mechanism (cases.deadlines.configuration): every
change, in the transaction that makes it, gives a new version and schedules one recompute of
the open cases; the per-process memo is used only where it cannot be stale and dropped by
every committed change. Real commits: transactional tests."""
import datetime

import pytest
from django.db import connection, transaction
from django.utils import translation

from cases.calendar import load_calendar
from cases.deadlines import compute_deadlines, configuration
from cases.models import CalendarDay, CaseDeadline, Complaint, DeadlinePolicy, Extension, Pause, StageRule
from cases.services import case_create
from complaints_portal.common.roles import Access
from tests.factories.calendar import make_case, make_user, seed_calendar
from tests.factories.cases import calendar_seed, clerk, local_dt

# serialized_rollback: the roles and the default deadline policy come from a data migration.
committed = pytest.mark.django_db(transaction=True, serialized_rollback=True)

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


@committed
def test_no_memo_inside_a_transaction(calendar):
    with transaction.atomic():
        assert configuration.memo() is None


@committed
def test_memo_is_kept_while_nothing_changes_and_gives_what_the_database_gives(calendar):
    # given
    first = configuration.memo()
    # when
    again = configuration.memo()
    case = Complaint(clock_start=D0.date(), deadline_policy=first.policy_for(D0.date()), category="service",
                     channel="hotline")
    # then
    assert again is first
    assert first.policy_for(D0.date()) == DeadlinePolicy.objects.filter(effective_from__lte=D0.date()).order_by(
        "-version").first()
    assert first.deadlines_for_new_case(case) == compute_deadlines(case, first.calendar)


@committed
def test_a_committed_holiday_reaches_the_next_intake_with_its_history(calendar):
    # given: an intake memoises Tue 2026-11-03 as the acknowledge date
    assert due(register())["acknowledge"] == datetime.date(2026, 11, 3)
    before = configuration.memo()
    # when: the day becomes a holiday
    CalendarDay.objects.create(date=datetime.date(2026, 11, 3), kind="holiday", name="Test")
    # then
    assert configuration.memo() is not before
    assert due(register())["acknowledge"] == datetime.date(2026, 11, 4)
    assert CalendarDay.history.filter(date=datetime.date(2026, 11, 3)).count() == 1


@committed
def test_a_stage_rule_changed_in_a_transaction_reaches_the_next_intake_after_the_commit(calendar):
    # given
    policy = DeadlinePolicy.objects.order_by("-version").first()
    rule = StageRule.objects.get(policy=policy, stage="acknowledge", tier="simple", category="", channel="")
    assert due(register())["acknowledge"] == datetime.date(2026, 11, 3)
    # when
    with transaction.atomic():
        rule.working_days += 1
        rule.save()
    # then
    assert due(register())["acknowledge"] == datetime.date(2026, 11, 4)


@committed
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


@committed
def test_intake_with_the_memo_reads_no_configuration(calendar, django_assert_max_num_queries):
    actor = Access.load(clerk())  # as a request has it
    case_create(actor=actor, data={**INTAKE, "received_at": D0})  # builds the memo

    # memo check; BEGIN; reference; case, its history record, deadline rows, the case's KPI
    # read-model row (assessment), event; COMMIT (the organised-complaint signals are looked up
    # by a task after the commit)
    with django_assert_max_num_queries(9):
        case = case_create(actor=actor, data={**INTAKE, "received_at": D0, "summary": "Second"})
    assert len(due(case)) == 8


@pytest.mark.django_db
def test_calendar_change_schedules_one_recompute_task_after_commit(django_capture_on_commit_callbacks, monkeypatch):
    sent = []
    monkeypatch.setattr("cases.tasks.recompute_deadlines.delay", lambda *a: sent.append(a))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        CalendarDay.objects.create(date=datetime.date(2031, 1, 2), kind="holiday", name="x")
        CalendarDay.objects.create(date=datetime.date(2031, 1, 3), kind="holiday", name="y")
    assert len(callbacks) == 1
    assert sent == [("calendar", None)]


@pytest.mark.django_db
def test_stage_rule_change_schedules_a_recompute_of_that_policy(django_capture_on_commit_callbacks, monkeypatch):
    sent = []
    monkeypatch.setattr("cases.tasks.recompute_deadlines.delay", lambda *a: sent.append(a))
    rule = StageRule.objects.filter(policy__version=1).first()
    with django_capture_on_commit_callbacks(execute=True):
        rule.working_days += 1
        rule.save()
    assert sent == [("policy", rule.policy_id)]


@pytest.mark.django_db
def test_case_page_memo_gives_what_the_database_reads_give_and_reads_nothing_once_memoised(
        django_assert_num_queries):
    # given a case with two extensions (the later one does not count) and two pauses
    seed_calendar()
    case = make_case(datetime.date(2025, 9, 26))
    head = make_user("head")
    Extension.objects.create(case=case, from_tier="simple", to_tier="complex", reason="r", decided_by=head,
                             decided_at=local_dt(datetime.date(2025, 10, 10)), due_before=datetime.date(2025, 10, 11))
    Extension.objects.create(case=case, from_tier="complex", to_tier="special", reason="r", decided_by=head,
                             decided_at=local_dt(datetime.date(2025, 12, 1)), due_before=datetime.date(2025, 10, 27), counts=False)
    Pause.objects.create(case=case, kind="appraisal", start=datetime.date(2025, 10, 1), end=datetime.date(2025, 10, 6),
                         customer_told_proof="call", created_by=head)
    Pause.objects.create(case=case, kind="testing", start=datetime.date(2025, 10, 10), customer_told_proof="call",
                         created_by=head)
    extensions, pauses = list(case.extensions.all()), list(case.pauses.all())
    memo = configuration.Memo(token=None)
    today = datetime.date(2025, 10, 13)
    # when / then: the same result as reading the extensions and pauses from the database
    assert memo.deadlines_for_case(case, extensions, pauses, today) == compute_deadlines(case, load_calendar(), today)
    with django_assert_num_queries(0):
        again = memo.deadlines_for_case(case, extensions, pauses, today)
    assert again["overall"][0] == datetime.date(2025, 11, 3)  # complex: 30 days + 5 + 3 paused days
    # a different language, or another day of an open pause, is another entry
    with translation.override("zh-hans"):
        chinese = memo.deadlines_for_case(case, extensions, pauses, today)
    assert chinese["overall"][1] != again["overall"][1]
    assert memo.deadlines_for_case(case, extensions, pauses, datetime.date(2025, 10, 14))["overall"][0] == datetime.date(2025, 11, 4)


@pytest.mark.django_db
def test_a_change_gives_a_new_version_in_its_own_transaction():
    before = configuration.current_token()
    with transaction.atomic():
        StageRule.objects.filter(policy__version=1).first().save()
        changed = configuration.current_token()
    assert changed != before and changed is not None


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_cases_migrations_leave_no_trigger_function_or_change_table():
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal AND tgname LIKE 'deadline\\_inputs\\_%%'")
        triggers = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM pg_proc WHERE proname = 'cases_deadline_inputs_changed'")
        functions = cursor.fetchone()[0]
    assert (triggers, functions) == (0, 0)
    assert "cases_deadlineinputchange" not in connection.introspection.table_names()
