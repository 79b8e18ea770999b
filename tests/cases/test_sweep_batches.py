"""The beat job in chunks (SPEC §4): what it writes is what the row-by-row job wrote, its queries
do not grow with the rows falling due, and a chunk is written whole or not at all."""
import threading
from datetime import date

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases import sweep
from cases.deadlines import apply_deadlines
from cases.models import Absence, CaseDeadline, Notification, TeamMember
from cases.sweep import run_sweep
from complaints_portal.common import roles
from tests.cases import test_sweep
from tests.cases.test_sweep import kinds, open_case, stages
from tests.factories.calendar import deadline_effect, local_dt, make_case, make_department, make_user

org = test_sweep.org  # the fixture

STAMPS = ("reminded_at", "overdue_at", "escalated_head_at", "escalated_supervisor_at", "at_risk_notified_at",
          "stopped_at")


def new_case(org, reference, d0, department=None):
    case = make_case(d0, reference=reference, department=department or org["dept"], registered_by=org["clerk"])
    apply_deadlines(case)
    case.save()
    return case


def notifications():
    """Every notification as (recipient, kind, case, day, stages named, subject, unread, open)."""
    return sorted(
        (n.recipient.username, n.kind, n.case.reference, n.dedupe_key.split(":")[2],
         [item["stage"] for item in n.params["items"]], n.subject, n.read_at is None, n.resolved_at is None)
        for n in Notification.objects.select_related("recipient", "case").filter(kind__startswith="deadline_")
    )


def stamps():
    """Every deadline row as (case, stage, the local date of each stamp or None)."""
    return sorted(
        (row.case.reference, row.stage,
         *[(timezone.localdate(getattr(row, name)).isoformat() if getattr(row, name) else None) for name in STAMPS])
        for row in CaseDeadline.objects.select_related("case")
    )


# The row-by-row sweep's output for the scenario below, recorded before the sweep wrote in
# chunks (git show bb313e1:cases/sweep.py), so the chunked one is held to the same letters.
EXPECTED_RESULTS = [
    {'at_risk': 0, 'escalated': 0, 'notifications': 2, 'overdue': 0, 'reminded': 4},
    {'at_risk': 0, 'escalated': 0, 'notifications': 6, 'overdue': 4, 'reminded': 4},
    {'at_risk': 0, 'escalated': 0, 'notifications': 5, 'overdue': 2, 'reminded': 1},
    {'at_risk': 0, 'escalated': 1, 'notifications': 2, 'overdue': 2, 'reminded': 0},
    {'at_risk': 2, 'escalated': 3, 'notifications': 10, 'overdue': 1, 'reminded': 10},
    {'at_risk': 1, 'escalated': 1, 'notifications': 8, 'overdue': 10, 'reminded': 5},
    {'at_risk': 0, 'escalated': 0, 'notifications': 0, 'overdue': 0, 'reminded': 0},
]
EXPECTED_NOTIFICATIONS = [
    ('clerk', 'deadline_reminder', 'TS-G-A', '2025-09-26', ['acknowledge', 'dispatch'], 'Reminder: TS-G-A — Contact the customer due 2025-09-28, Dispatch to department due 2025-09-28', True, True),
    ('clerk', 'deadline_reminder', 'TS-G-B', '2025-09-26', ['acknowledge', 'dispatch'], 'Reminder: TS-G-B — Contact the customer due 2025-09-28, Dispatch to department due 2025-09-28', True, True),
    ('clerk', 'deadline_reminder', 'TS-G-C', '2025-09-29', ['acknowledge', 'dispatch'], 'Reminder: TS-G-C — Contact the customer due 2025-09-30, Dispatch to department due 2025-09-30', True, True),
    ('deputy', 'deadline_overdue', 'TS-G-A', '2025-09-29', ['acknowledge', 'dispatch'], 'Overdue: TS-G-A — Contact the customer due 2025-09-28, Dispatch to department due 2025-09-28', True, True),
    ('deputy', 'deadline_overdue', 'TS-G-A', '2025-09-30', ['form_team'], 'Overdue: TS-G-A — Investigation team formed due 2025-09-29', True, True),
    ('deputy', 'deadline_reminder', 'TS-G-A', '2025-09-29', ['form_team'], 'Reminder: TS-G-A — Investigation team formed due 2025-09-29', True, True),
    ('deputy', 'deadline_reminder', 'TS-G-A', '2025-10-10', ['report', 'plan', 'decision', 'overall'], 'Reminder: TS-G-A — Investigation report due 2025-10-11, Resolution plan due 2025-10-11, Decision notice due 2025-10-11, Regulatory deadline due 2025-10-11', True, True),
    ('deputy', 'deadline_reminder', 'TS-G-C', '2025-09-30', ['form_team'], 'Reminder: TS-G-C — Investigation team formed due 2025-10-09', True, True),
    ('head_claims', 'deadline_overdue', 'TS-G-A', '2025-09-29', ['acknowledge', 'dispatch'], 'Overdue: TS-G-A — Contact the customer due 2025-09-28, Dispatch to department due 2025-09-28', True, True),
    ('head_claims', 'deadline_overdue', 'TS-G-A', '2025-09-30', ['form_team'], 'Overdue: TS-G-A — Investigation team formed due 2025-09-29', True, True),
    ('head_claims', 'deadline_overdue', 'TS-G-A', '2025-10-13', ['report', 'plan', 'approval', 'decision', 'overall'], 'Overdue: TS-G-A — Investigation report due 2025-10-11, Resolution plan due 2025-10-11, Superior approval due 2025-10-11, Decision notice due 2025-10-11, Regulatory deadline due 2025-10-11', True, True),
    ('head_claims', 'deadline_overdue', 'TS-G-C', '2025-10-09', ['acknowledge', 'dispatch'], 'Overdue: TS-G-C — Contact the customer due 2025-09-30, Dispatch to department due 2025-09-30', True, True),
    ('head_claims', 'deadline_overdue', 'TS-G-C', '2025-10-10', ['form_team'], 'Overdue: TS-G-C — Investigation team formed due 2025-10-09', True, True),
    ('head_claims', 'deadline_reminder', 'TS-G-A', '2025-09-29', ['form_team'], 'Reminder: TS-G-A — Investigation team formed due 2025-09-29', True, True),
    ('head_claims', 'deadline_reminder', 'TS-G-A', '2025-10-10', ['approval'], 'Reminder: TS-G-A — Superior approval due 2025-10-11', True, True),
    ('head_claims', 'deadline_reminder', 'TS-G-C', '2025-09-30', ['form_team'], 'Reminder: TS-G-C — Investigation team formed due 2025-10-09', True, True),
    ('head_claims', 'deadline_reminder', 'TS-G-C', '2025-10-13', ['approval'], 'Reminder: TS-G-C — Superior approval due 2025-10-14', True, True),
    ('inv_claims', 'deadline_reminder', 'TS-G-A', '2025-10-10', ['report', 'plan', 'decision', 'overall'], 'Reminder: TS-G-A — Investigation report due 2025-10-11, Resolution plan due 2025-10-11, Decision notice due 2025-10-11, Regulatory deadline due 2025-10-11', True, True),
    ('inv_cs', 'deadline_reminder', 'TS-G-B', '2025-10-10', ['report', 'plan', 'decision', 'overall'], 'Reminder: TS-G-B — Investigation report due 2025-10-11, Resolution plan due 2025-10-11, Decision notice due 2025-10-11, Regulatory deadline due 2025-10-11', True, True),
    ('lead', 'deadline_reminder', 'TS-G-A', '2025-10-10', ['report', 'plan', 'decision', 'overall'], 'Reminder: TS-G-A — Investigation report due 2025-10-11, Resolution plan due 2025-10-11, Decision notice due 2025-10-11, Regulatory deadline due 2025-10-11', True, True),
    ('lead', 'deadline_reminder', 'TS-G-C', '2025-10-13', ['report', 'plan', 'decision', 'overall'], 'Reminder: TS-G-C — Investigation report due 2025-10-14, Resolution plan due 2025-10-14, Decision notice due 2025-10-14, Regulatory deadline due 2025-10-14', True, True),
    ('supervisor', 'deadline_at_risk', 'TS-G-A', '2025-10-10', ['overall'], 'At risk: TS-G-A — Regulatory deadline due 2025-10-11', True, True),
    ('supervisor', 'deadline_at_risk', 'TS-G-B', '2025-10-10', ['overall'], 'At risk: TS-G-B — Regulatory deadline due 2025-10-11', True, True),
    ('supervisor', 'deadline_at_risk', 'TS-G-C', '2025-10-13', ['overall'], 'At risk: TS-G-C — Regulatory deadline due 2025-10-14', True, True),
    ('supervisor', 'deadline_escalated_supervisor', 'TS-G-A', '2025-10-09', ['dispatch'], 'Still overdue, escalated: TS-G-A — Dispatch to department due 2025-09-28', True, True),
    ('supervisor', 'deadline_escalated_supervisor', 'TS-G-A', '2025-10-10', ['form_team'], 'Still overdue, escalated: TS-G-A — Investigation team formed due 2025-09-29', True, True),
    ('supervisor', 'deadline_escalated_supervisor', 'TS-G-C', '2025-10-10', ['acknowledge', 'dispatch'], 'Still overdue, escalated: TS-G-C — Contact the customer due 2025-09-30, Dispatch to department due 2025-09-30', True, True),
    ('supervisor', 'deadline_escalated_supervisor', 'TS-G-C', '2025-10-13', ['form_team'], 'Still overdue, escalated: TS-G-C — Investigation team formed due 2025-10-09', True, True),
    ('supervisor', 'deadline_overdue', 'TS-G-B', '2025-09-29', ['acknowledge', 'dispatch'], 'Overdue: TS-G-B — Contact the customer due 2025-09-28, Dispatch to department due 2025-09-28', True, True),
    ('supervisor', 'deadline_overdue', 'TS-G-B', '2025-09-30', ['form_team'], 'Overdue: TS-G-B — Investigation team formed due 2025-09-29', True, True),
    ('supervisor', 'deadline_overdue', 'TS-G-B', '2025-10-13', ['report', 'plan', 'approval', 'decision', 'overall'], 'Overdue: TS-G-B — Investigation report due 2025-10-11, Resolution plan due 2025-10-11, Superior approval due 2025-10-11, Decision notice due 2025-10-11, Regulatory deadline due 2025-10-11', True, True),
    ('supervisor', 'deadline_passed_supervisor', 'TS-G-A', '2025-10-13', ['overall'], 'Regulatory deadline passed: TS-G-A — Regulatory deadline due 2025-10-11', True, True),
    ('supervisor', 'deadline_passed_supervisor', 'TS-G-B', '2025-10-13', ['overall'], 'Regulatory deadline passed: TS-G-B — Regulatory deadline due 2025-10-11', True, True),
]
EXPECTED_STAMPS = [
    ('TS-G-A', 'acknowledge', '2025-09-26', '2025-09-29', '2025-09-29', None, None, None),
    ('TS-G-A', 'approval', '2025-10-10', '2025-10-13', '2025-10-13', None, None, None),
    ('TS-G-A', 'decision', '2025-10-10', '2025-10-13', '2025-10-13', None, None, None),
    ('TS-G-A', 'dispatch', '2025-09-26', '2025-09-29', '2025-09-29', '2025-10-09', None, None),
    ('TS-G-A', 'form_team', '2025-09-29', '2025-09-30', '2025-09-30', '2025-10-10', None, None),
    ('TS-G-A', 'overall', '2025-10-10', '2025-10-13', '2025-10-13', '2025-10-13', '2025-10-10', None),
    ('TS-G-A', 'plan', '2025-10-10', '2025-10-13', '2025-10-13', None, None, None),
    ('TS-G-A', 'report', '2025-10-10', '2025-10-13', '2025-10-13', None, None, None),
    ('TS-G-B', 'acknowledge', '2025-09-26', '2025-09-29', '2025-09-29', '2025-09-29', None, None),
    ('TS-G-B', 'approval', '2025-10-10', '2025-10-13', '2025-10-13', '2025-10-13', None, None),
    ('TS-G-B', 'decision', '2025-10-10', '2025-10-13', '2025-10-13', '2025-10-13', None, None),
    ('TS-G-B', 'dispatch', '2025-09-26', '2025-09-29', '2025-09-29', '2025-09-29', None, None),
    ('TS-G-B', 'form_team', '2025-09-29', '2025-09-30', '2025-09-30', '2025-09-30', None, None),
    ('TS-G-B', 'overall', '2025-10-10', '2025-10-13', '2025-10-13', '2025-10-13', '2025-10-10', None),
    ('TS-G-B', 'plan', '2025-10-10', '2025-10-13', '2025-10-13', '2025-10-13', None, None),
    ('TS-G-B', 'report', '2025-10-10', '2025-10-13', '2025-10-13', '2025-10-13', None, None),
    ('TS-G-C', 'acknowledge', '2025-09-29', '2025-10-09', '2025-10-09', '2025-10-10', None, None),
    ('TS-G-C', 'approval', '2025-10-13', None, None, None, None, None),
    ('TS-G-C', 'decision', '2025-10-13', None, None, None, None, None),
    ('TS-G-C', 'dispatch', '2025-09-29', '2025-10-09', '2025-10-09', '2025-10-10', None, None),
    ('TS-G-C', 'form_team', '2025-09-30', '2025-10-10', '2025-10-10', '2025-10-13', None, None),
    ('TS-G-C', 'overall', '2025-10-13', None, None, None, '2025-10-13', None),
    ('TS-G-C', 'plan', '2025-10-13', None, None, None, None, None),
    ('TS-G-C', 'report', '2025-10-13', None, None, None, None, None),
    ('TS-G-D', 'acknowledge', None, None, None, None, None, '2025-09-26'),
    ('TS-G-D', 'approval', None, None, None, None, None, '2025-10-10'),
    ('TS-G-D', 'decision', None, None, None, None, None, '2025-10-10'),
    ('TS-G-D', 'dispatch', None, None, None, None, None, '2025-09-26'),
    ('TS-G-D', 'form_team', None, None, None, None, None, '2025-09-29'),
    ('TS-G-D', 'overall', None, None, None, None, None, '2025-10-10'),
    ('TS-G-D', 'plan', None, None, None, None, None, '2025-10-10'),
    ('TS-G-D', 'report', None, None, None, None, None, '2025-10-10'),
]


def scenario(org):
    """Four cases over two weeks of daily sweeps: a department with a head (away for two days,
    a substitute standing in) and one without; a team lead; a case closed by an import with its
    rows left open; a stage met between the two escalation levels."""
    other = make_department("CS")
    make_user("inv_cs", roles.INVESTIGATOR, other, "investigator")
    deputy = make_user("deputy", roles.INVESTIGATOR, org["dept"], "investigator")
    Absence.objects.create(user=org["head"], substitute=deputy, start=date(2025, 9, 29), end=date(2025, 9, 30))
    a = new_case(org, "TS-G-A", date(2025, 9, 26))
    new_case(org, "TS-G-B", date(2025, 9, 26), department=other)
    c = new_case(org, "TS-G-C", date(2025, 9, 29))
    lead = make_user("lead", roles.INVESTIGATOR, org["dept"])
    TeamMember.objects.create(case=c, user=lead, role="lead", named_by=org["head"], named_at=timezone.now())
    d = new_case(org, "TS-G-D", date(2025, 9, 26))
    d.status = "closed"
    d.withdrawn_at = timezone.now()
    d.save()
    results = []
    for day, hour in [((2025, 9, 26), 12), ((2025, 9, 29), 10), ((2025, 9, 30), 10), ((2025, 10, 9), 10),
                      ((2025, 10, 10), 10), ((2025, 10, 13), 10), ((2025, 10, 13), 15)]:
        if day == (2025, 9, 30):
            deadline_effect(a, "acknowledge", local_dt(date(*day), 9))
        results.append(run_sweep(local_dt(date(*day), hour)))
    return results


def test_the_chunked_sweep_writes_what_the_row_by_row_sweep_wrote(org):
    results = scenario(org)
    assert results == EXPECTED_RESULTS
    assert notifications() == EXPECTED_NOTIFICATIONS
    assert stamps() == EXPECTED_STAMPS


@pytest.mark.parametrize("chunk", [1, 3])
def test_small_chunks_write_the_same(org, monkeypatch, chunk):
    # a case's stages split over several chunks join the same day's notification
    monkeypatch.setattr(sweep, "CHUNK", chunk)
    assert scenario(org) == EXPECTED_RESULTS
    assert notifications() == EXPECTED_NOTIFICATIONS
    assert stamps() == EXPECTED_STAMPS


def queries_of_a_sweep(now):
    """The statements one sweep at ``now`` issues; what it wrote is rolled back afterwards."""
    with transaction.atomic():
        with CaptureQueriesContext(connection) as queries:
            run_sweep(now)
        transaction.set_rollback(True)
    return len(queries)


def test_the_sweeps_queries_do_not_grow_with_the_rows_falling_due(org):
    # given one case left alone (8 stages overdue, 3 of them for two working days, 1 regulatory)
    now = local_dt(date(2025, 10, 13))
    open_case(org)
    queries_of_a_sweep(now)  # the calendar and the content types read once
    one = queries_of_a_sweep(now)
    # when seven are
    for _ in range(6):
        open_case(org)
    seven = queries_of_a_sweep(now)
    # then 56 deadlines are marked overdue and escalated with the statements of 8
    assert seven == one
    assert one < 40


def test_a_chunk_that_fails_writes_nothing_and_the_next_sweep_does_it_once(org, monkeypatch):
    # given a case left alone, its 8 stages swept in chunks of 3, the second chunk failing
    case = open_case(org)
    monkeypatch.setattr(sweep, "CHUNK", 3)
    real, calls = sweep.notify_grouped_many, []

    def fail_second(messages, *, day):
        calls.append(len(messages))
        if len(calls) == 2:
            raise RuntimeError("worker lost")
        return real(messages, day=day)

    monkeypatch.setattr(sweep, "notify_grouped_many", fail_second)
    now = local_dt(date(2025, 10, 13))
    with pytest.raises(RuntimeError):
        run_sweep(now)
    # then the first chunk is written whole, the second not at all
    marked = CaseDeadline.objects.filter(case=case, overdue_at__isnull=False)
    assert marked.count() == 3
    assert stages(org["head"]) == [[row.stage for row in marked.order_by("due_on", "pk")]]
    # when the next sweep runs
    monkeypatch.setattr(sweep, "notify_grouped_many", real)
    run_sweep(now)
    # then every stage is escalated once, into the day's one notification to the head
    assert CaseDeadline.objects.filter(case=case, overdue_at__isnull=True).count() == 0
    assert kinds(org["head"]) == ["deadline_overdue"] and len(stages(org["head"])[0]) == 8


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_row_another_sweep_holds_is_left_to_it(org):
    # given a case left alone, and its regulatory row locked by another sweep's open chunk
    case = open_case(org)
    locked, release, done = threading.Event(), threading.Event(), threading.Event()

    def hold():
        try:
            with transaction.atomic():
                list(CaseDeadline.objects.select_for_update().filter(case=case, stage="overall"))
                locked.set()
                release.wait(30)
        finally:
            connection.close()
            done.set()

    threading.Thread(target=hold).start()
    assert locked.wait(30)
    now = local_dt(date(2025, 10, 13))
    # when this sweep runs meanwhile, it neither waits for the row nor claims it
    try:
        first = run_sweep(now)
    finally:
        release.set()
        done.wait(30)
    assert first["overdue"] == 7
    assert CaseDeadline.objects.get(case=case, stage="overall").overdue_at is None
    # and the next sweep claims it once, joining the day's notification
    second = run_sweep(now)
    assert second["overdue"] == 1 and second["escalated"] == 0
    assert kinds(org["head"]) == ["deadline_overdue"] and len(stages(org["head"])[0]) == 8
    assert kinds(org["supervisor"]) == ["deadline_escalated_supervisor", "deadline_passed_supervisor"]
