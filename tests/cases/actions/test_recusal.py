"""Recusal (SPEC §2): each member of an investigation team, the lead included, attests having no
direct interest in the complaint; each attestation is recorded on the member's own team row, and
a team is not formed without every one of them (``recusal_required``), whichever way it comes."""
import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from cases.actions.handlers import RecusalRequired
from cases.models import CaseEvent, Complaint, TeamMember
from cases.services import case_transition
from tests.factories.cases import ComplaintFactory
from tests.html import attr, element, elements, text

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(people):
    return ComplaintFactory(assigned=True)


def form_team(user, reference, **fields):
    client = APIClient()
    client.force_authenticate(user)
    return client.post(f"/api/v1/complaints/{reference}/transitions/", {"action": "form_team", **fields}, format="json")


@pytest.mark.parametrize("attestation", [
    {},  # none at all
    {"recusal_attested": True},  # one answer for the whole team is not each member's
    {"recusal_attested_by": ["inv_sales"]},  # the lead's, not the other member's
])
def test_api_form_team_without_every_members_attestation_is_a_400_and_forms_nothing(people, case, attestation):
    response = form_team(people["head_sales"], case.reference, lead="inv_sales", members=["head_sales"], **attestation)
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "recusal_required"
    assert "recusal_attested_by" in body["extra"]["fields"]
    assert "head_sales" in body["extra"]["missing"]
    assert not TeamMember.objects.filter(case=case).exists()
    assert Complaint.objects.get(pk=case.pk).status == "assigned"


def test_each_members_attestation_is_recorded_on_their_own_row_with_history(people, case):
    # when
    response = form_team(people["head_sales"], case.reference, lead="inv_sales", members=["head_sales"],
                         recusal_attested_by=["head_sales", "inv_sales"])
    # then
    assert response.status_code == 200, response.content
    rows = TeamMember.objects.filter(case=case).select_related("user")
    assert {(m.user.username, m.recusal_attested, m.attested_at is not None) for m in rows} == {
        ("inv_sales", True, True), ("head_sales", True, True)}
    assert all(m.history.count() == 1 for m in rows)
    event = CaseEvent.objects.get(case=case, kind="form_team")
    assert sorted(event.data["recusal_attested_by"]) == ["head_sales", "inv_sales"]


def test_the_service_refuses_a_team_with_a_member_not_attested(people, case):
    with pytest.raises(RecusalRequired) as exc_info:
        case_transition(actor=people["head_sales"], reference=case.reference, action="form_team",
                        data={"lead": "inv_sales", "members": ["head_sales"], "recusal_attested_by": ["head_sales"]})
    assert exc_info.value.extra["missing"] == ["inv_sales"]


def test_a_malformed_attestation_is_a_400_not_a_crash(people, case):
    response = form_team(people["head_sales"], case.reference, lead="inv_sales", recusal_attested_by={"inv_sales": 1})
    assert response.status_code == 400


def test_case_page_asks_each_member_and_shows_who_is_missing(client, people, case):
    client.force_login(people["head_sales"])
    page = client.get(reverse("case_detail", args=[case.reference])).content.decode()
    form = element(page, "form", class_="action-form", data_action="form_team")
    boxes = elements(form, "input", name="recusal_attested_by")
    # one checkbox per member of staff who may be on the team
    assert {"inv_sales", "head_sales"} <= {attr(b, "value") for b in boxes}
    # when the lead is attested but not the other member
    response = client.post(reverse("case_action", args=[case.reference, "form_team"]), {
        "version": case.version, "lead": "inv_sales", "members": ["head_sales"], "recusal_attested_by": ["inv_sales"]})
    # then the form comes back with the reason
    assert response.status_code == 400
    assert "head_sales" in text(element(response.content.decode(), "form", class_="action-form",
                                        data_action="form_team"))
    assert not TeamMember.objects.filter(case=case).exists()
