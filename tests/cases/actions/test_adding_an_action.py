"""An action is one row of the table and its handler: with nothing else written, the lifecycle
service performs it (state, permission and fields checked, event recorded), the case page
offers its form and the API has its body."""
import pytest

from cases import permissions as who
from cases.actions.fields import flag, line
from cases.actions.forms import action_form
from cases.actions.table import ACTIONS, Action, actions_for, event_label
from cases.api.serializers import action_serializer
from cases.models import CaseEvent
from cases.models.case import BEFORE_DECISION
from cases.services import case_transition
from complaints_portal.common.errors import PermissionDenied, TransitionNotAllowed, ValidationFailed
from complaints_portal.common.roles import Access
from tests.factories.cases import ComplaintFactory

pytestmark = pytest.mark.django_db


def start_mediation(case, access, data, now):
    return {"organisation": data["organisation"], "consent": data["consent"]}


# As SPEC §11's mediation_start would be added (with a model of its own, left out here).
MEDIATION_START = Action(
    "mediation_start", BEFORE_DECISION, None, who.clerk_or_case_handler, start_mediation, "Mediation started",
    "Start a mediation", (line("organisation", "Mediation organisation"), line("mediator", "Mediator", required=False),
                          flag("consent", "The customer consents", required=True)))


@pytest.fixture
def mediation(monkeypatch):
    monkeypatch.setitem(ACTIONS, MEDIATION_START.name, MEDIATION_START)


def test_the_service_performs_a_new_row_and_records_its_event(people, mediation):
    # given
    case = ComplaintFactory(investigating=True)
    # when
    after = case_transition(actor=people["clerk"], reference=case.reference, action="mediation_start",
                            data={"organisation": "Insurance mediation centre", "consent": "true"})
    # then
    assert (after.status, after.version) == ("investigating", case.version + 1)
    event = CaseEvent.objects.get(case=case, kind="mediation_start")
    assert event.data == {"organisation": "Insurance mediation centre", "consent": True}
    assert event_label("mediation_start") == "Mediation started"


def test_the_service_checks_a_new_rows_state_permission_and_fields(people, mediation):
    case = ComplaintFactory(investigating=True)
    with pytest.raises(ValidationFailed) as missing:
        case_transition(actor=people["clerk"], reference=case.reference, action="mediation_start", data={})
    assert set(missing.value.extra["fields"]) == {"organisation", "consent"}
    with pytest.raises(PermissionDenied):
        case_transition(actor=people["supervisor"], reference=case.reference, action="mediation_start",
                        data={"organisation": "x", "consent": True})
    closed = ComplaintFactory(closed=True)
    with pytest.raises(TransitionNotAllowed):
        case_transition(actor=people["clerk"], reference=closed.reference, action="mediation_start",
                        data={"organisation": "x", "consent": True})


def test_the_case_page_offers_a_new_rows_form(people, mediation):
    case = ComplaintFactory(investigating=True)
    access = Access.load(people["clerk"])

    assert "mediation_start" in actions_for(access, case)
    form = action_form("mediation_start", {"organisation": "Centre", "consent": "true", "version": case.version},
                       case=case, access=access)
    assert form.title == "Start a mediation"
    assert form.is_valid(), form.errors
    assert form.to_data() == {"organisation": "Centre", "consent": True}


def test_the_api_has_a_new_rows_body(mediation):
    body = action_serializer("mediation_start")()

    assert set(body.fields) == {"action", "version", "organisation", "mediator", "consent"}
    assert {name for name, field in body.fields.items() if field.required} == {"action", "organisation", "consent"}
