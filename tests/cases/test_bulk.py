"""Work management (SPEC §14): bulk work from a queue: one action on the ticked cases, each case through the
lifecycle service on its own, a refused case reported without stopping the others; the caseload per department and person."""
import datetime
import re

import pytest
from django.test import Client
from django.utils import timezone

from cases.models import Complaint
from cases.selectors import caseload
from cases.services import bulk_transition, case_transition
from complaints_portal.common.errors import ValidationFailed
from tests.factories.cases import ComplaintFactory

pytestmark = pytest.mark.django_db


def page(user):
    client = Client()
    client.force_login(user)
    return client


def test_assign_in_bulk_reports_each_case_and_skips_none(people):
    clerk = people["clerk"]
    fresh = [ComplaintFactory() for _ in range(3)]
    done = ComplaintFactory()
    case_transition(actor=clerk, reference=done.reference, action="assign", data={"department": "SALES"})
    refs = [c.reference for c in fresh[:2]] + [done.reference, fresh[2].reference, fresh[0].reference]
    outcomes = bulk_transition(actor=clerk, references=refs, action="assign", data={"department": "CS"})
    assert [o.reference for o in outcomes] == refs[:4]  # the repeated reference once
    assert [o.ok for o in outcomes] == [True, True, False, True]
    assert outcomes[2].code == "transition_not_allowed"
    statuses = dict(Complaint.objects.filter(pk__in=[c.pk for c in fresh + [done]]).values_list("reference",
                                                                                                 "department__code"))
    assert statuses == {fresh[0].reference: "CS", fresh[1].reference: "CS", fresh[2].reference: "CS",
                        done.reference: "SALES"}


def test_acknowledge_in_bulk_after_dispatch_records_the_contact(people):
    clerk = people["clerk"]
    case = ComplaintFactory()
    case_transition(actor=clerk, reference=case.reference, action="assign", data={"department": "SALES"})
    [outcome] = bulk_transition(actor=clerk, references=[case.reference], action="acknowledge",
                                data={"method": "phone"})
    assert outcome.ok
    case.refresh_from_db()
    assert case.acknowledged_at is not None and case.status == "assigned"


def test_a_case_the_actor_may_not_touch_is_refused_on_its_own(people):
    case = ComplaintFactory()
    [outcome] = bulk_transition(actor=people["inv_sales"], references=[case.reference], action="assign",
                                data={"department": "CS"})
    assert not outcome.ok and outcome.code in {"not_found", "permission_denied"}


@pytest.mark.parametrize(("action", "refs", "code"), [
    ("close", ["X"], "bulk_not_allowed"),
    ("assign", [" ", ""], "no_cases"),
    ("assign", [f"R{i}" for i in range(101)], "too_many_cases"),
])
def test_whole_request_refusals(people, action, refs, code):
    with pytest.raises(ValidationFailed) as caught:
        bulk_transition(actor=people["clerk"], references=refs, action=action, data={"department": "CS"})
    assert caught.value.code == code


def test_queue_shows_ticks_and_the_bar_to_a_clerk_only(people):
    ComplaintFactory()
    clerk_page = page(people["clerk"]).get("/queue/intake/").content.decode()
    assert 'id="bulk-form"' in clerk_page
    assert re.search(r'<input[^>]*name="cases"[^>]*form="bulk-form"', clerk_page)
    assert re.search(r'<option value="assign">', clerk_page)
    head_page = page(people["head_sales"]).get("/queue/department/").content.decode()
    assert 'bulk-form' not in head_page


def test_bulk_page_applies_the_action_and_lists_outcomes(people):
    a, b = ComplaintFactory(), ComplaintFactory()
    response = page(people["clerk"]).post("/queue/bulk/", {
        "action": "assign", "assign-department": "CS", "cases": [a.reference, b.reference, "TS-0000-999999"]})
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("table-success") == 2 and html.count("table-danger") == 1
    assert set(Complaint.objects.filter(pk__in=[a.pk, b.pk]).values_list("department__code", flat=True)) == {"CS"}


def test_bulk_page_refuses_a_missing_department_without_touching_a_case(people):
    a = ComplaintFactory()
    response = page(people["clerk"]).post("/queue/bulk/", {"action": "assign", "cases": [a.reference]})
    assert response.status_code == 400
    a.refresh_from_db()
    assert a.department_id is None


def test_caseload_counts_open_cases_per_department_and_team_member(people):
    clerk, today = people["clerk"], timezone.localdate() + datetime.timedelta(days=10)
    cases = [ComplaintFactory() for _ in range(3)]
    for case in cases:
        case_transition(actor=clerk, reference=case.reference, action="assign", data={"department": "SALES"})
    case_transition(actor=people["head_sales"], reference=cases[0].reference, action="form_team",
                    data={"lead": people["inv_sales"].username, "recusal_attested_by": [people["inv_sales"].username]})
    Complaint.objects.filter(pk=cases[1].pk).update(next_due=today - datetime.timedelta(days=5))
    Complaint.objects.filter(pk=cases[0].pk).update(next_due=today + datetime.timedelta(days=1))
    Complaint.objects.filter(pk=cases[2].pk).update(next_due=today + datetime.timedelta(days=30))
    departments, team = caseload(people["supervisor"], today=today)
    [sales] = [d for d in departments if d["department__code"] == "SALES"]
    assert (sales["open"], sales["overdue"], sales["due_soon"]) == (3, 1, 1)
    assert sales["nearest"] == today - datetime.timedelta(days=5)
    [lead] = team
    assert lead["user"] == people["inv_sales"] and (lead["open"], lead["due_soon"]) == (1, 1)
    # A head of another department sees nothing of SALES.
    assert caseload(people["head_cs"], today=today) == ([], [])
    html = page(people["head_sales"]).get("/queue/caseload/").content.decode()
    assert "SALES" in html or "Sales" in html
