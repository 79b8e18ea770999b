"""The beat job (SPEC §4): reminders, overdue marking, escalation — each exactly once."""
import os
import subprocess
import sys
import threading
import time
from datetime import date

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from cases.deadlines import apply_deadlines
from cases.models import CalendarYear, CaseDeadline, DeadlinePolicy, Notification, TeamMember
from cases.notifications import assignees
from cases.sweep import run_sweep
from complaints_portal.common import roles
from tests.factories.calendar import (
    deadline_effect,
    local_dt,
    make_case,
    make_department,
    make_user,
    seed_calendar,
)


@pytest.fixture
def org(db):
    seed_calendar()
    dept = make_department("CLAIMS")
    return {
        "dept": dept,
        "head": make_user("head_claims", roles.DEPARTMENT_HEAD, dept, "head"),
        "inv": make_user("inv_claims", roles.INVESTIGATOR, dept, "investigator"),
        "clerk": make_user("clerk", roles.INTAKE_CLERK),
        "supervisor": make_user("supervisor", roles.SUPERVISOR),
        "admin": make_user("admin", roles.ADMINISTRATOR),
    }


def open_case(org, d0=date(2025, 9, 26), **fields):
    case = make_case(d0, department=org["dept"], registered_by=org["clerk"], **fields)
    apply_deadlines(case)
    case.save()
    return case


def kinds(user):
    return sorted(Notification.objects.filter(recipient=user).values_list("kind", flat=True))


def stages(user):
    """The stages each of the user's notifications names."""
    return [[item["stage"] for item in params["items"]]
            for params in Notification.objects.filter(recipient=user).order_by("pk").values_list("params", flat=True)]


def test_reminder_goes_to_the_registering_clerk_the_working_day_before_and_only_once(org):
    # given a case received Fri 09-26: acknowledge and dispatch due Sun 09-28 (make-up workday)
    case = open_case(org)
    # when the sweep runs twice on 09-26
    first = run_sweep(local_dt(date(2025, 9, 26), 12))
    second = run_sweep(local_dt(date(2025, 9, 26), 12, 5))
    # then
    assert first["reminded"] == 2 and second["reminded"] == 0
    # one reminder of the case naming both stages
    assert kinds(org["clerk"]) == ["deadline_reminder"]
    assert stages(org["clerk"]) == [["acknowledge", "dispatch"]]
    assert CaseDeadline.objects.get(case=case, stage="acknowledge").reminded_at is not None
    assert kinds(org["head"]) == []


def test_left_alone_case_goes_overdue_and_escalates_once_per_level(org):
    # given
    case = open_case(org)
    # when the sweep runs twice after the regulatory due date 10-11
    now = local_dt(date(2025, 10, 13))
    first = run_sweep(now)
    second = run_sweep(now)
    # then every stage escalated once to the head (one notification of the case naming its eight
    # stages), the regulatory deadline once to the supervisor, and the stages overdue for two
    # working days (acknowledge, dispatch due 09-28, team due 09-29) once to the supervisor as well
    assert first["overdue"] == 8 and first["escalated"] == 3
    assert second == {"overdue": 0, "escalated": 0, "at_risk": 0, "reminded": 0, "notifications": 0}
    assert kinds(org["head"]) == ["deadline_overdue"]
    assert len(stages(org["head"])[0]) == 8
    assert kinds(org["supervisor"]) == ["deadline_escalated_supervisor", "deadline_passed_supervisor"]
    assert kinds(org["clerk"]) == []  # nobody is reminded of something already late
    row = CaseDeadline.objects.get(case=case, stage="overall")
    assert row.overdue_at and row.escalated_head_at and row.escalated_supervisor_at


def test_regulatory_deadline_one_working_day_away_alerts_the_supervisor_once(org):
    case = open_case(org)
    for action in ("acknowledge", "assign", "form_team"):
        deadline_effect(case, action, local_dt(date(2025, 9, 28)))
    run_sweep(local_dt(date(2025, 10, 10)))
    run_sweep(local_dt(date(2025, 10, 10), 15))
    assert kinds(org["supervisor"]) == ["deadline_at_risk"]
    # report, plan and decision (due 10-11) remind the investigators, approval the head
    assert kinds(org["inv"]) == ["deadline_reminder"]
    assert sorted(stages(org["inv"])[0]) == ["decision", "overall", "plan", "report"]
    assert kinds(org["head"]) == ["deadline_reminder"]


def test_team_lead_of_the_round_is_reminded_of_the_report(org):
    case = open_case(org)
    lead = make_user("lead", roles.INVESTIGATOR, org["dept"])
    TeamMember.objects.create(case=case, user=lead, role="lead", named_by=org["head"], named_at=timezone.now())
    assert assignees(case, "report") == [lead]
    assert assignees(case, "approval") == [org["head"]]
    assert assignees(case, "acknowledge") == [org["clerk"]]


def test_met_and_stopped_stages_are_neither_reminded_nor_escalated(org):
    case = open_case(org)
    deadline_effect(case, "acknowledge", local_dt(date(2025, 9, 26)))
    other = open_case(org)
    deadline_effect(other, "withdraw", local_dt(date(2025, 9, 27)))
    result = run_sweep(local_dt(date(2025, 9, 29)))
    assert result["overdue"] == 1  # only `case` dispatch (due 09-28)
    assert not Notification.objects.filter(case=other).exists()


def test_closed_case_rows_left_open_are_stopped_without_notifying(org):
    case = open_case(org)
    case.status = "closed"
    case.withdrawn_at = timezone.now()
    case.save()
    run_sweep(local_dt(date(2025, 10, 13)))
    assert not Notification.objects.exists()
    assert not CaseDeadline.objects.filter(case=case, stopped_at__isnull=True).exists()


def test_calendar_gap_alerts_administrators_once_a_day_instead_of_crashing(org):
    # given open rows due soon and the calendar year removed
    open_case(org)
    CalendarYear.objects.filter(year=2025).delete()
    # when
    first = run_sweep(local_dt(date(2025, 9, 26)))
    run_sweep(local_dt(date(2025, 9, 26), 14))
    # then
    assert first["error"] == "deadline_calendar_missing" and first["missing_years"] == [2025]
    alerts = Notification.objects.filter(kind="calendar_missing")
    assert [n.recipient for n in alerts] == [org["admin"]]
    assert "2025" in alerts[0].subject


def test_notification_delivery_is_scheduled_after_commit(org, django_capture_on_commit_callbacks, monkeypatch):
    sent = []
    monkeypatch.setattr("cases.tasks.deliver_notification.delay", sent.append)
    open_case(org)
    with django_capture_on_commit_callbacks(execute=True):
        run_sweep(local_dt(date(2025, 9, 26), 12))
    assert sorted(sent) == sorted(Notification.objects.values_list("pk", flat=True))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_concurrent_sweeps_send_each_notification_once(org):
    # given several cases left alone past their deadlines
    for _ in range(5):
        open_case(org)
    now = local_dt(date(2025, 10, 13))
    results, errors = [], []
    barrier = threading.Barrier(2)

    def sweep():
        try:
            barrier.wait()
            results.append(run_sweep(now))
        except Exception as exc:  # surfaced by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    # when two beat processes run at the same moment
    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # then
    assert errors == []
    assert sum(r["overdue"] for r in results) == 40 and sum(r["escalated"] for r in results) == 15
    assert kinds(org["head"]) == ["deadline_overdue"] * 5  # one per case, each naming its 8 stages
    assert [len(s) for s in stages(org["head"])] == [8] * 5
    assert kinds(org["supervisor"]) == ["deadline_escalated_supervisor"] * 5 + ["deadline_passed_supervisor"] * 5


def _redis_broker():
    return settings.CELERY_BROKER_URL.startswith("redis://")


@pytest.mark.celery_worker
@pytest.mark.postgres
@pytest.mark.skipif(not _redis_broker(), reason="needs CELERY_BROKER_URL=redis://...")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_escalation_through_a_real_celery_worker_happens_once(org):
    # given a case left alone, and a worker on its own queue against the test database
    from cases import tasks

    case = open_case(org)
    db = connection.settings_dict
    env = dict(os.environ,
               DJANGO_SETTINGS_MODULE="complaints_portal.settings.test",
               DATABASE_URL=f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
               CELERY_BROKER_URL=settings.CELERY_BROKER_URL)
    if db.get("PASSWORD"):
        env["DATABASE_URL"] = env["DATABASE_URL"].replace(f"{db['USER']}@", f"{db['USER']}:{db['PASSWORD']}@")
    queue = f"test-sweep-{os.getpid()}"
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "complaints_portal", "worker", "--pool=solo", "-Q", queue,
         "--loglevel=WARNING", "--without-heartbeat", "--without-gossip", "--without-mingle"],
        env=env, cwd=settings.BASE_DIR, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        # when the sweep is sent twice (beat firing twice); the worker's clock is today, after
        # the 2025 due dates (overdue marking runs before the calendar is even needed)
        tasks.deadline_sweep.apply_async(queue=queue)
        tasks.deadline_sweep.apply_async(queue=queue)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            done = CaseDeadline.objects.filter(case=case, escalated_head_at__isnull=False).count() == 8
            if done and Notification.objects.count() == 3:  # the head's and the supervisor's two
                time.sleep(3)  # give the second sweep time to (not) add anything
                break
            time.sleep(0.5)
        # then: one notification of the case to the head, naming its eight stages; to the
        # supervisor the stages overdue long since and the passed regulatory deadline
        assert kinds(org["head"]) == ["deadline_overdue"]
        assert len(stages(org["head"])[0]) == 8
        assert kinds(org["supervisor"]) == ["deadline_escalated_supervisor", "deadline_passed_supervisor"]
    finally:
        worker.terminate()
        worker.wait(timeout=20)


def test_an_absent_colleagues_reminders_and_escalations_reach_the_substitute(org):
    from django.core.exceptions import ValidationError

    from cases.models import Absence
    stand_in = make_user("head_claims_deputy", roles.INVESTIGATOR, org["dept"], "investigator")
    Absence.objects.create(user=org["clerk"], substitute=stand_in, start=date(2025, 9, 25), end=date(2025, 9, 26))
    Absence.objects.create(user=org["head"], substitute=stand_in, start=date(2025, 10, 20), end=date(2025, 10, 31))
    open_case(org)
    run_sweep(local_dt(date(2025, 9, 26), 12))  # the clerk is away: the reminders go to both
    assert kinds(org["clerk"]) == kinds(stand_in) == ["deadline_reminder"]  # one naming both stages
    assert stages(org["clerk"]) == stages(stand_in) == [["acknowledge", "dispatch"]]
    run_sweep(local_dt(date(2025, 10, 13)))  # the head is back by then: escalations to the head only
    assert kinds(org["head"]) == ["deadline_overdue"] and len(stages(org["head"])[0]) == 8
    assert "deadline_overdue" not in kinds(stand_in)
    with pytest.raises(ValidationError):
        Absence(user=org["head"], substitute=org["head"], start=date(2025, 1, 2), end=date(2025, 1, 1)).full_clean()


# -- two-level escalation over time (SPEC §4) ------------------------------------------------
def escalated(row_stage, case):
    return CaseDeadline.objects.get(case=case, stage=row_stage).escalated_supervisor_at


def test_overdue_stage_goes_to_the_head_first_and_to_the_supervisor_two_working_days_later(org):
    # given a case received Fri 2025-09-26: acknowledge and dispatch due Sun 09-28 (make-up
    # workday), first overdue on Mon 09-29; two working days after it: Tue 09-30, Thu 10-09
    # (10-01..08 are the National Day holidays)
    case = open_case(org)
    # when the sweep runs on the first overdue day
    run_sweep(local_dt(date(2025, 9, 29)))
    # then level 1 only: the head, one notification of the case naming both stages (and a
    # reminder of the team, due that day)
    assert kinds(org["head"]).count("deadline_overdue") == 1
    assert ["acknowledge", "dispatch"] in stages(org["head"])
    assert kinds(org["supervisor"]) == []
    # when it runs again one working day later: still the head's alone
    result = run_sweep(local_dt(date(2025, 9, 30)))
    assert result["escalated"] == 0 and kinds(org["supervisor"]) == []
    # when it runs two working days later (twice)
    first = run_sweep(local_dt(date(2025, 10, 9)))
    second = run_sweep(local_dt(date(2025, 10, 9), 15))
    # then level 2: the supervisor, once per stage (one notification naming both); the team
    # (due 09-29) waits until 10-10
    assert (first["escalated"], second["escalated"]) == (2, 0)
    assert kinds(org["supervisor"]) == ["deadline_escalated_supervisor"]
    assert escalated("acknowledge", case) and escalated("dispatch", case) and not escalated("form_team", case)
    subjects = Notification.objects.filter(recipient=org["supervisor"]).values_list("subject", flat=True)
    assert all(case.reference in subject for subject in subjects)


def test_a_stage_met_before_the_second_level_is_not_escalated_to_the_supervisor(org):
    # given both stages overdue and escalated to the head
    case = open_case(org)
    run_sweep(local_dt(date(2025, 9, 29)))
    # when the customer is contacted before level 2 is due
    deadline_effect(case, "acknowledge", local_dt(date(2025, 9, 30)))
    run_sweep(local_dt(date(2025, 10, 9)))
    # then only the stage still overdue reaches the supervisor
    assert kinds(org["supervisor"]) == ["deadline_escalated_supervisor"]
    assert not escalated("acknowledge", case) and escalated("dispatch", case)


def test_the_waiting_time_is_the_policys(org):
    # given a policy escalating after one working day
    DeadlinePolicy.objects.update(supervisor_escalation_working_days=1)
    open_case(org)
    run_sweep(local_dt(date(2025, 9, 29)))
    # when the sweep runs one working day after the first overdue day
    result = run_sweep(local_dt(date(2025, 9, 30)))
    # then
    assert result["escalated"] == 2
    assert kinds(org["supervisor"]) == ["deadline_escalated_supervisor"]


def test_without_a_head_the_supervisor_gets_it_at_once_and_not_again(org):
    # given a department without a head
    other = make_department("CS")
    make_user("inv_cs", roles.INVESTIGATOR, other, "investigator")
    case = make_case(date(2025, 9, 26), department=other, registered_by=org["clerk"])
    apply_deadlines(case)
    case.save()
    # when
    run_sweep(local_dt(date(2025, 9, 29)))
    run_sweep(local_dt(date(2025, 10, 9)))
    # then level 1 went to the supervisor (the team, due 09-29, a day later: one notification a
    # day), and level 2 adds nothing
    assert kinds(org["supervisor"]) == ["deadline_overdue"] * 2
