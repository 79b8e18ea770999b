"""A reassigned case leaves the old department's team at once (SPEC §1): from the moment of
the reassignment it is "not found" to them on every surface, and the new department's head
forms a new team. The old team's rows are ended, kept in the history."""
import pytest
from django.test import Client
from rest_framework.test import APIClient

from cases.models import CaseEvent, TeamMember
from cases.services import case_transition
from complaints_portal.common.errors import NotFound, TransitionNotAllowed
from tests.factories import cases as f
from tests.factories.cases import ComplaintFactory

pytestmark = pytest.mark.django_db


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def page(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def moved(people):
    """Clerk: create, acknowledge, assign to SALES; head_sales forms a team with inv_sales;
    the clerk reassigns the case to CS while it is being investigated."""
    people["inv_cs2"] = f.investigator("CS", username="inv_cs2")
    case = ComplaintFactory()
    clerk = people["clerk"]
    case_transition(actor=clerk, reference=case.reference, action="acknowledge", data={"method": "phone"})
    case_transition(actor=clerk, reference=case.reference, action="assign", data={"department": "SALES"})
    case_transition(actor=people["head_sales"], reference=case.reference, action="form_team",
                    data={"lead": people["inv_sales"].username, "recusal_attested_by": [people["inv_sales"].username]})
    case = case_transition(actor=clerk, reference=case.reference, action="reassign",
                           data={"department": "CS", "reason": "A service matter."})
    return case


def test_reassignment_keeps_the_state_and_ends_the_old_team_in_its_history(people, moved):
    assert (moved.department.code, moved.status) == ("CS", "investigating")
    member = TeamMember.objects.get(case=moved, user=people["inv_sales"])
    assert member.ended_at is not None
    assert [h.ended_at is None for h in member.history.order_by("history_date")] == [True, False]
    assert CaseEvent.objects.get(case=moved, kind="reassign").data["team_ended"] == ["inv_sales"]


@pytest.mark.parametrize(("method", "path", "body"), [
    ("get", "", None),
    ("get", "history/", None),
    ("post", "personal-data/", {"field": "customer_phone"}),
    ("post", "transitions/", {"action": "submit_report", "facts": "x", "at_fault": False, "recommendation": "y"}),
])
def test_the_old_team_gets_not_found_in_the_api(people, moved, method, path, body):
    response = getattr(api(people["inv_sales"]), method)(
        f"/api/v1/complaints/{moved.reference}/{path}", body, format="json")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_the_old_team_gets_not_found_on_the_pages_and_in_the_queues(people, moved):
    client = page(people["inv_sales"])

    assert client.get(f"/cases/{moved.reference}/").status_code == 404
    assert client.post(f"/cases/{moved.reference}/show/customer_phone/").status_code == 404
    assert moved.reference not in client.get("/queue/department/").content.decode()
    assert api(people["inv_sales"]).get("/api/v1/complaints/").json()["count"] == 0
    with pytest.raises(NotFound):
        case_transition(actor=people["inv_sales"], reference=moved.reference, action="submit_report",
                        data={"facts": "x", "at_fault": False, "recommendation": "y"})


def test_the_new_head_forms_a_new_team_which_then_investigates(people, moved):
    # given: before the new team, nobody of CS investigates, and the head may form one
    with pytest.raises(Exception) as refused:
        case_transition(actor=people["inv_cs"], reference=moved.reference, action="submit_report",
                        data={"facts": "x", "at_fault": False, "recommendation": "y"})
    assert refused.value.code == "permission_denied"
    # when
    case = case_transition(actor=people["head_cs"], reference=moved.reference, action="form_team",
                           data={"lead": people["inv_cs"].username, "recusal_attested_by": [people["inv_cs"].username]})
    # then: the state is kept, the new team acts, and a second team cannot be formed over it
    assert case.status == "investigating" and case.team_formed_at is not None
    case = case_transition(actor=people["inv_cs"], reference=moved.reference, action="submit_report",
                           data={"facts": "x", "at_fault": False, "recommendation": "y"})
    assert case.status == "reported"
    with pytest.raises(TransitionNotAllowed):
        case_transition(actor=people["head_cs"], reference=moved.reference, action="form_team",
                        data={"lead": people["inv_cs2"].username, "recusal_attested_by": [people["inv_cs2"].username]})
    assert list(TeamMember.objects.filter(case=case, ended_at__isnull=True).values_list("user__username", flat=True)) \
        == [people["inv_cs"].username]


def test_moving_the_case_back_lets_the_old_department_form_a_team_again(people, moved):
    case_transition(actor=people["clerk"], reference=moved.reference, action="reassign",
                    data={"department": "SALES", "reason": "Back after all."})
    case = case_transition(actor=people["head_sales"], reference=moved.reference, action="form_team",
                           data={"lead": people["inv_sales"].username, "recusal_attested_by": [people["inv_sales"].username]})

    assert TeamMember.objects.filter(case=case, user=people["inv_sales"]).count() == 2
    assert api(people["inv_sales"]).get(f"/api/v1/complaints/{moved.reference}/").status_code == 200
