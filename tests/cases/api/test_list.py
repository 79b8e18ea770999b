"""GET /api/v1/complaints/: every kind of case in the list's JSON (SPEC §9), from the one case
serializer, with the page's deadline rows read in one query whatever the number of cases."""
import datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from cases.models import CaseDeadline, Complaint
from cases.services import case_transition
from tests.factories.cases import ComplaintFactory, review_case

pytestmark = pytest.mark.django_db

URL = "/api/v1/complaints/"
KEYS = {"reference", "status", "status_display", "round", "version", "channel", "category", "complaint_type",
        "summary", "customer", "department", "tier", "received_at", "next_due", "overdue", "deadlines", "outcome",
        "merged_into"}


def listed(user, **params):
    client = APIClient()
    client.force_authenticate(user)
    return {row["reference"]: row for row in client.get(URL, {"page_size": 100, **params}).json()["results"]}


def test_every_kind_of_case_is_listed_with_its_contract_fields(people):
    # given: no department, a review, a merged duplicate, an overdue case, an ID number
    fresh = ComplaintFactory(intake={"customer_id_number": "110105199001011232"})
    review = review_case("SALES")
    master, duplicate = ComplaintFactory(assigned=True), ComplaintFactory()
    case_transition(actor=people["clerk"], reference=duplicate.reference, action="merge", data={"into": master.reference})
    late = ComplaintFactory(investigating=True)
    today = timezone.localdate()
    Complaint.objects.filter(pk=late.pk).update(next_due=today - datetime.timedelta(days=3),
                                                clock_start=today - datetime.timedelta(days=10))
    # when
    rows = listed(people["supervisor"])
    # then
    assert all(set(row) == KEYS for row in rows.values())
    assert rows[fresh.reference]["department"] is None and rows[fresh.reference]["status_display"]
    assert rows[fresh.reference]["customer"]["id_number"] == "110***********1232"
    assert "*" in rows[fresh.reference]["customer"]["phone"]
    assert rows[review.reference]["round"] == 2 and rows[review.reference]["department"] == "SALES"
    assert rows[duplicate.reference]["merged_into"] == master.reference
    assert rows[late.reference]["overdue"] is True and rows[fresh.reference]["overdue"] is False
    due = dict(CaseDeadline.objects.filter(case=fresh).values_list("stage", "due_on"))
    assert rows[fresh.reference]["deadlines"] == {
        stage: due[stage].isoformat() for stage in
        ("acknowledge", "dispatch", "form_team", "report", "plan", "approval", "decision", "overall")}


def test_the_list_reads_a_fixed_number_of_queries_whatever_its_length(people, django_assert_max_num_queries):
    for department in ("SALES", "CS", "SALES", "CS", "SALES", "CS", "SALES"):
        ComplaintFactory(investigating=True, department=department)
    listed(people["supervisor"])  # warm the content-type and group caches
    # the user's access, count, page (with department and merged-into case), the page's deadlines
    with django_assert_max_num_queries(4):
        assert len(listed(people["supervisor"])) == 7
