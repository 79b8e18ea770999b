"""The KPI rules (assessment.kpi.rules) on cases in the database, through the read model the
services write: how a case counts in the on-time rate and in a stage's compliance."""
import datetime

import pytest

from assessment.kpi import rules
from assessment.kpi.calculations import Timeliness
from assessment.models import KpiCase
from tests.factories.assessment import CaseDeadlineFactory, ComplaintFactory, local_dt

pytestmark = pytest.mark.django_db

DUE = datetime.date(2026, 4, 27)


def timeliness(case, as_of):
    return KpiCase.objects.filter(pk=case.pk).annotate(t=rules.timeliness(as_of)).values_list("t", flat=True).get()


def stage(case, as_of, name="acknowledge"):
    return KpiCase.objects.filter(pk=case.pk).annotate(s=rules.stage_state(name, as_of)).values_list("s", flat=True).get()


def test_decision_on_the_due_date_is_on_time_until_midnight_local():
    case = ComplaintFactory(due_overall=DUE, notified=local_dt("2026-04-27", 23, 59))
    assert timeliness(case, DUE) == Timeliness.ON_TIME


def test_decision_the_day_after_due_is_late():
    case = ComplaintFactory(due_overall=DUE, notified=local_dt("2026-04-28", 0))
    assert timeliness(case, datetime.date(2026, 5, 30)) == Timeliness.LATE


def test_withdrawn_on_or_before_due_without_decision_is_excluded():
    case = ComplaintFactory(due_overall=DUE, withdrawn_at=local_dt("2026-04-27", 22))
    assert timeliness(case, datetime.date(2026, 6, 1)) == Timeliness.EXCLUDED


def test_withdrawn_after_due_without_decision_is_late():
    case = ComplaintFactory(due_overall=DUE, withdrawn_at=local_dt("2026-04-28"))
    assert timeliness(case, datetime.date(2026, 6, 1)) == Timeliness.LATE


def test_withdrawn_after_a_decision_is_judged_on_the_decision():
    case = ComplaintFactory(due_overall=DUE, notified=local_dt("2026-04-20"), withdrawn_at=local_dt("2026-04-21"))
    assert timeliness(case, datetime.date(2026, 6, 1)) == Timeliness.ON_TIME


def test_withdrawn_before_a_later_decision_is_excluded():
    case = ComplaintFactory(due_overall=DUE, notified=local_dt("2026-04-22"), withdrawn_at=local_dt("2026-04-21"))
    assert timeliness(case, datetime.date(2026, 6, 1)) == Timeliness.EXCLUDED


def test_open_case_not_yet_due_is_pending_and_past_due_is_late():
    case = ComplaintFactory(due_overall=DUE)
    assert timeliness(case, DUE) == Timeliness.PENDING
    assert timeliness(case, DUE + datetime.timedelta(days=1)) == Timeliness.LATE


def test_decision_without_a_known_due_date_waits_like_a_pending_case():
    case = ComplaintFactory(due_overall=None, notified=local_dt("2026-04-20"))
    assert timeliness(case, datetime.date(2026, 6, 1)) == Timeliness.PENDING


def test_events_after_the_as_of_date_have_not_happened_yet():
    as_of = datetime.date(2026, 4, 20)
    assert timeliness(ComplaintFactory(due_overall=DUE, notified=local_dt("2026-04-21")), as_of) == Timeliness.PENDING
    assert timeliness(ComplaintFactory(due_overall=DUE, withdrawn_at=local_dt("2026-04-21")), as_of) == Timeliness.PENDING
    late_case = ComplaintFactory(due_overall=DUE, notified=local_dt("2026-05-02"))
    assert timeliness(late_case, datetime.date(2026, 4, 30)) == Timeliness.LATE


def test_stage_met_on_its_due_date_is_met_and_the_day_after_late():
    on_time = CaseDeadlineFactory(due_on=DUE, met_at=local_dt("2026-04-27", 23, 59)).case
    late = CaseDeadlineFactory(due_on=DUE, met_at=local_dt("2026-04-28", 0, 1)).case
    assert stage(on_time, datetime.date(2026, 5, 1)) == "met"
    assert stage(late, datetime.date(2026, 5, 1)) == "late"


def test_stage_stopped_on_or_before_due_without_the_act_is_excluded_and_after_it_late():
    stopped = CaseDeadlineFactory(due_on=DUE, stopped_at=local_dt("2026-04-27", 12)).case
    stopped_late = CaseDeadlineFactory(due_on=DUE, stopped_at=local_dt("2026-04-29", 12)).case
    assert stage(stopped, datetime.date(2026, 5, 1)) == "excluded"
    assert stage(stopped_late, datetime.date(2026, 5, 1)) == "late"


def test_stage_not_done_is_pending_until_its_due_date_then_late():
    case = CaseDeadlineFactory(due_on=DUE, met_at=local_dt("2026-05-03")).case
    assert stage(case, DUE) == "pending"  # the act after as_of has not happened yet
    assert stage(case, DUE + datetime.timedelta(days=1)) == "late"


def test_a_stage_the_case_has_no_deadline_for_is_not_counted():
    case = ComplaintFactory()
    assert stage(case, DUE, "report") is None
