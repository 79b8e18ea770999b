"""The review round (customer disputes) and the supervisor's closing actions, through the pages."""
from django.urls import reverse

from cases.models import Complaint
from cases.services import case_transition

from .helpers import act
from .test_case_page import actions_on_page


def _responded_case(make_case, users):
    case = make_case()
    ref = case.reference
    steps = [
        ("clerk", "acknowledge", {"method": "phone"}),
        ("clerk", "assign", {"department": "SALES"}),
        ("head_sales", "form_team", {"lead": "inv_sales", "members": [], "recusal_attested_by": ["inv_sales"]}),
        ("inv_sales", "submit_report", {"facts": "f", "at_fault": False, "recommendation": "r"}),
        ("inv_sales", "propose_plan", {"plan": "p"}),
        ("head_sales", "approve_plan", {}),
        ("inv_sales", "notify_decision", {"method": "phone", "decision": "d"}),
    ]
    for user, action, data in steps:
        case_transition(actor=users[user], reference=ref, action=action, data=data)
    return Complaint.objects.get(pk=case.pk)


def test_dispute_opens_a_review_that_only_the_senior_manager_staffs(login, make_case, users):
    case = _responded_case(make_case, users)
    client = login("clerk")
    assert act(client, case.reference, "customer_disputes", reason="Refund too small").status_code == 302
    case.refresh_from_db()
    assert (case.status, case.round) == ("assigned", 2)
    # the department head may not staff a review; the senior manager may
    assert "form_team" not in actions_on_page(login("head_sales"), case.reference)
    senior = login("senior")
    assert "form_team" in actions_on_page(senior, case.reference)
    home = senior.get(reverse("home")).content.decode()
    assert case.reference in home  # listed under reviews waiting for a team
    # first-round handlers are not offered, and are refused with the service's message if posted
    page = senior.get(reverse("case_detail", args=[case.reference])).content.decode()
    assert 'value="inv_sales"' not in page and 'value="inv_cs"' in page
    refused = act(senior, case.reference, "form_team", lead="inv_sales", recusal_attested_by="inv_sales")
    assert refused.status_code == 400
    assert Complaint.objects.get(pk=case.pk).status == "assigned"
    ok = act(senior, case.reference, "form_team", lead="inv_cs", members=["head_claims"],
                 recusal_attested_by=["inv_cs", "head_claims"])
    assert ok.status_code == 302
    assert Complaint.objects.get(pk=case.pk).status == "investigating"


def test_supervisor_only_archives_and_holds_a_closed_case(login, make_case, users):
    case = _responded_case(make_case, users)
    case_transition(actor=users["clerk"], reference=case.reference, action="customer_accepts")
    assert actions_on_page(login("supervisor"), case.reference) == {"archive", "legal_hold"}
    assert actions_on_page(login("clerk"), case.reference) == set()
    client = login("supervisor")
    assert act(client, case.reference, "legal_hold", hold="true", reason="Court case pending").status_code == 302
    assert Complaint.objects.get(pk=case.pk).legal_hold
