"""Every date and time an action carries is checked against the case (SPEC §3): none in the
future, none before the moment it follows (the clock's start, the pause's start, the decision
notice, the receipt). A date outside its window is refused with ``date_out_of_range`` and
changes nothing, through the service, the API and the case page alike."""
import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from cases.models import Complaint, Extension, Pause
from cases.services import case_transition
from complaints_portal.common.errors import ValidationFailed
from tests.factories.cases import ComplaintFactory, frozen_now, local_dt
from tests.html import attr, element, text

pytestmark = pytest.mark.django_db

TODAY = "2026-12-07"


@pytest.fixture
def now():
    with frozen_now(local_dt(TODAY, 11)):
        yield local_dt(TODAY, 11)


@pytest.fixture
def case(people, now):
    """Received today, with the investigation team (so the deadline may be paused)."""
    return ComplaintFactory(investigating=True, received_at=local_dt(TODAY, 9))


def api_act(user, reference, action, **fields):
    client = APIClient()
    client.force_authenticate(user)
    return client.post(f"/api/v1/complaints/{reference}/transitions/", {"action": action, **fields}, format="json")


def refused(exc_info, field):
    assert exc_info.value.code == "date_out_of_range"
    assert field in exc_info.value.extra["fields"]


@pytest.mark.parametrize("start", ["2026-01-02", "9999-12-31", "2026-12-08"])
def test_api_pause_backdated_or_in_the_future_is_a_400_and_moves_no_due_date(people, case, start):
    # given the overall due date of a case received today
    due = case.due_overall
    # when the pause starts before the receipt, or after today
    response = api_act(people["head_sales"], case.reference, "pause", kind="appraisal", proof="told", start=start)
    # then
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "date_out_of_range" and "start" in body["extra"]["fields"]
    assert body["extra"]["latest"] == TODAY
    case.refresh_from_db()
    assert case.due_overall == due and not Pause.objects.filter(case=case).exists()


def test_pause_from_today_is_accepted(people, case):
    response = api_act(people["head_sales"], case.reference, "pause", kind="appraisal", proof="told", start=TODAY)
    assert response.status_code == 200, response.content
    assert Pause.objects.get(case=case).start.isoformat() == TODAY


def test_resume_in_the_future_or_before_the_pause_started_is_refused(people, case):
    with frozen_now(local_dt("2026-12-09", 11)):
        case_transition(actor=people["head_sales"], reference=case.reference, action="pause",
                        data={"kind": "appraisal", "proof": "told", "start": "2026-12-08"})
        for end in ("2026-12-10", "2026-12-07"):
            with pytest.raises(ValidationFailed) as exc_info:
                case_transition(actor=people["head_sales"], reference=case.reference, action="resume", data={"end": end})
            refused(exc_info, "end")
        assert Pause.objects.get(case=case).end is None
        case_transition(actor=people["head_sales"], reference=case.reference, action="resume", data={"end": "2026-12-09"})
    assert Pause.objects.get(case=case).end.isoformat() == "2026-12-09"


def test_a_new_pause_cannot_start_before_the_previous_one_ended(people, case):
    with frozen_now(local_dt("2026-12-11", 11)):
        act = {"actor": people["head_sales"], "reference": case.reference}
        case_transition(**act, action="pause", data={"kind": "appraisal", "proof": "told", "start": "2026-12-08"})
        case_transition(**act, action="resume", data={"end": "2026-12-10"})
        with pytest.raises(ValidationFailed) as exc_info:
            case_transition(**act, action="pause", data={"kind": "testing", "proof": "told", "start": "2026-12-09"})
        refused(exc_info, "start")
        case_transition(**act, action="pause", data={"kind": "testing", "proof": "told", "start": "2026-12-10"})
    assert Pause.objects.filter(case=case).count() == 2


@pytest.mark.parametrize("told_at", ["2026-12-07T08:00:00+08:00", "2026-12-08T10:00:00+08:00"])
def test_extension_told_before_the_receipt_or_in_the_future_is_refused(people, case, told_at):
    with pytest.raises(ValidationFailed) as exc_info:
        case_transition(actor=people["head_sales"], reference=case.reference, action="extend",
                        data={"tier": "complex", "reason": "Appraisal.", "customer_told_at": told_at})
    refused(exc_info, "customer_told_at")
    assert not Extension.objects.exists()


def test_dispute_received_before_the_decision_or_in_the_future_is_refused(people, now):
    case = ComplaintFactory(responded=True, received_at=local_dt(TODAY, 9))
    for received_at in ("2026-12-07T08:00:00+08:00", "2027-01-01T10:00:00+08:00"):
        response = api_act(people["clerk"], case.reference, "customer_disputes", reason="No.", received_at=received_at)
        assert response.status_code == 400 and response.json()["code"] == "date_out_of_range"
    assert Complaint.objects.get(pk=case.pk).status == "responded"


def test_restart_clock_in_the_future_is_refused(people, case):
    with pytest.raises(ValidationFailed) as exc_info:
        case_transition(actor=people["clerk"], reference=case.reference, action="restart_clock",
                        data={"received_on": "2026-12-08"})
    refused(exc_info, "received_on")


def test_case_page_shows_the_refused_date_on_its_field(client, people, case):
    client.force_login(people["head_sales"])
    response = client.post(reverse("case_action", args=[case.reference, "pause"]), {
        "version": case.version, "kind": "appraisal", "proof": "told", "start": "2026-01-02"})
    assert response.status_code == 400
    form = element(response.content.decode(), "form", class_="action-form", data_action="pause")
    assert attr(element(form, "input", name="start"), "aria-invalid") == "true"
    assert "2026-12-07" in text(element(form, "div", class_="invalid-feedback"))
    assert not Pause.objects.exists()
