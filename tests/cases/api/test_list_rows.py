"""GET /api/v1/complaints/ builds its rows without the serializer (cases.api.serializers.
complaint_list_rows); the JSON must stay exactly ComplaintListSerializer's, the contract."""
import datetime
import json

import pytest
from django.utils import timezone
from django.utils.translation import override
from rest_framework.test import APIClient

from cases.api.serializers import LIST_COLUMNS, ComplaintListSerializer, complaint_list_rows
from cases.models import Complaint
from cases.services import case_transition
from tests.factories.cases import ComplaintFactory, review_case

pytestmark = pytest.mark.django_db

URL = "/api/v1/complaints/"


@pytest.fixture
def varied_cases(people):
    """Every state, both departments, no department, a review, a merged duplicate, an overdue case,
    an ID number, a regulator referral with its own tier."""
    cases = [ComplaintFactory(state=state, department=department) for state, department in [
        ("received", "SALES"), ("acknowledged", "SALES"), ("assigned", "CS"), ("investigating", "SALES"),
        ("reported", "CS"), ("plan_pending", "SALES"), ("plan_approved", "SALES"), ("responded", "CS"),
        ("closed", "SALES"), ("archived", "CS"),
    ]]
    cases.append(review_case("SALES"))
    cases.append(ComplaintFactory(intake={"customer_id_number": "110105199001011234", "channel": "regulator",
                                          "regulator_reference": "R-1"}))
    master, duplicate = ComplaintFactory(assigned=True), ComplaintFactory()
    case_transition(actor=people["clerk"], reference=duplicate.reference, action="merge", data={"into": master.reference})
    today = timezone.localdate()
    Complaint.objects.filter(pk=cases[3].pk).update(next_due=today - datetime.timedelta(days=3),
                                                    clock_start=today - datetime.timedelta(days=10))
    return cases


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "UTC"])
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_list_rows_are_the_serializer_output_for_every_kind_of_case(varied_cases, language, zone):
    qs = Complaint.objects.select_related("department", "merged_into").prefetch_related("deadlines").order_by("pk")
    with override(language), timezone.override(zone):
        expected = ComplaintListSerializer(qs, many=True).data
        rows = complaint_list_rows(Complaint.objects.order_by("pk").values(*LIST_COLUMNS))
    assert json.dumps(rows, ensure_ascii=False) == json.dumps(expected, ensure_ascii=False)
    assert {row["overdue"] for row in rows} == {True, False}
    assert any(row["merged_into"] for row in rows) and any(row["department"] is None for row in rows)


def test_list_endpoint_answers_the_serializer_output(varied_cases, people):
    client = APIClient()
    client.force_authenticate(people["supervisor"])
    everything = client.get(URL).json()
    ordered = Complaint.objects.filter(reference__in=[r["reference"] for r in everything["results"]])
    by_reference = {c["reference"]: c for c in ComplaintListSerializer(
        ordered.select_related("department", "merged_into").prefetch_related("deadlines"), many=True).data}
    assert everything["count"] == Complaint.objects.count()
    assert json.loads(json.dumps(everything["results"])) == [
        json.loads(json.dumps(by_reference[r["reference"]])) for r in everything["results"]]
