"""Mediation (SPEC §11): the three actions on the transitions endpoint, the clock stopped for the
mediation period, the agreement's performance watched by the sweep, the figures per period."""
import datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from assessment.kpi.mediation import mediation_figures
from assessment.kpi.periods import quarter_of
from cases.models import Mediation, Notification, Pause
from cases.sweep import run_sweep
from tests.factories.cases import ComplaintFactory, local_dt

pytestmark = pytest.mark.django_db

URL = "/api/v1/complaints/"


def act(user, reference, action, **fields):
    client = APIClient()
    client.force_authenticate(user)
    return client.post(f"{URL}{reference}/transitions/", {"action": action, **fields}, format="json")


def test_a_mediated_case_pauses_its_clock_and_a_late_performance_notifies_the_supervisor_once(people):
    today = timezone.localdate()
    case = ComplaintFactory(investigating=True, received_at=local_dt(today - datetime.timedelta(days=40)))
    due_before = case.due_overall
    start, end = today - datetime.timedelta(days=30), today - datetime.timedelta(days=10)
    # when the customer agrees to mediation
    response = act(people["inv_sales"], case.reference, "mediation_start", organisation="保险纠纷调解中心",
                   mediator="王调解员", consent=True, start=start.isoformat())
    # then the state stays, the clock stops like a pause, and another pause cannot start meanwhile
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "investigating"
    assert "mediation_end" in body["allowed_actions"] and "pause" not in body["allowed_actions"]
    assert Pause.objects.get(case=case).kind == "mediation"
    assert act(people["inv_sales"], case.reference, "resume", end=today.isoformat()).status_code == 409
    # when the mediation ends with an agreement due three days ago
    agreement_due = today - datetime.timedelta(days=3)
    assert act(people["inv_sales"], case.reference, "mediation_end", outcome="agreement").status_code == 400
    response = act(people["inv_sales"], case.reference, "mediation_end", outcome="agreement",
                   terms="Refund the first premium.", performance_due=agreement_due.isoformat(), end=end.isoformat())
    assert response.status_code == 200, response.json()
    case.refresh_from_db()
    # then the mediation period does not count toward the deadline
    assert case.due_overall > due_before
    pause = Pause.objects.get(case=case)
    assert (pause.start, pause.end) == (start, end)
    # when the sweep runs twice, the supervisor is told once that the agreement is not performed
    run_sweep()
    run_sweep()
    assert Notification.objects.filter(kind="mediation_overdue", recipient=people["supervisor"]).count() == 1
    # when the company performs it late
    response = act(people["inv_sales"], case.reference, "mediation_performed", performed_on=today.isoformat())
    # then it is recorded late, and the supervisor is still told only once
    assert response.status_code == 200, response.json()
    mediation = Mediation.objects.get(case=case)
    assert mediation.performed_on == today and mediation.performed_late
    assert Notification.objects.filter(kind="mediation_overdue").count() == 1
    assert "mediation_performed" not in response.json()["allowed_actions"]
    assert mediation.history.count() == 3
    # and the period's figures count it
    figures = mediation_figures(quarter_of(today), today)
    assert figures["agreements"] == 1 and figures["performed_on_time"] == 0
    assert figures["unperformed_overdue"] == 0


def test_a_late_performance_before_the_sweep_notifies_the_supervisor_once(people):
    today = timezone.localdate()
    case = ComplaintFactory(investigating=True, received_at=local_dt(today - datetime.timedelta(days=20)))
    act(people["inv_sales"], case.reference, "mediation_start", organisation="Centre", consent=True,
        start=(today - datetime.timedelta(days=15)).isoformat())
    act(people["inv_sales"], case.reference, "mediation_end", outcome="agreement", terms="Pay.",
        end=(today - datetime.timedelta(days=10)).isoformat(), performance_due=(today - datetime.timedelta(days=5)).isoformat())
    # when
    act(people["inv_sales"], case.reference, "mediation_performed")
    run_sweep()
    # then
    assert Notification.objects.filter(kind="mediation_overdue", recipient=people["supervisor"]).count() == 1


def test_a_mediation_needs_the_customers_consent(people):
    case = ComplaintFactory(investigating=True)
    response = act(people["inv_sales"], case.reference, "mediation_start", organisation="Centre", consent=False)
    assert response.status_code == 400
    assert not Mediation.objects.exists() and not Pause.objects.exists()


def test_mediation_figures_of_a_period(people):
    today = timezone.localdate()
    for outcome in ("agreement", "no_agreement"):
        case = ComplaintFactory(investigating=True)
        act(people["inv_sales"], case.reference, "mediation_start", organisation="Centre", consent=True)
        extra = {"terms": "Pay.", "performance_due": (today + datetime.timedelta(days=5)).isoformat()}
        act(people["inv_sales"], case.reference, "mediation_end", outcome=outcome,
            **(extra if outcome == "agreement" else {}))
        if outcome == "agreement":
            act(people["inv_sales"], case.reference, "mediation_performed")
    figures = mediation_figures(quarter_of(today), today)
    assert figures == {"started": 2, "ended": 2, "agreements": 1, "agreement_rate": 50, "performed_on_time": 1,
                       "unperformed_overdue": 0}


def test_the_dashboard_and_the_monthly_report_show_the_mediation_figures(people, client):
    from assessment.supervision.reports import month_figures, month_parse

    case = ComplaintFactory(investigating=True)
    act(people["inv_sales"], case.reference, "mediation_start", organisation="Centre", consent=True)
    client.force_login(people["supervisor"])
    page = client.get("/assessment/dashboard/")
    assert page.status_code == 200
    assert "Mediations started" in page.content.decode()
    figures = month_figures(case.department, month_parse(timezone.localdate().strftime("%Y-%m")))
    assert figures["mediations_started"] == 1
