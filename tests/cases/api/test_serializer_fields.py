"""fresh_fields: every serializer instance gets fields of its own, equal to DRF's deep copies."""
import copy

import pytest
from rest_framework import serializers

from cases.api.intake_serializers import ComplaintCreateSerializer, CustomerInputSerializer
from cases.api.serializers import (
    ComplaintListSerializer,
    ComplaintSerializer,
    CustomerSerializer,
    fresh_fields,
)

SERIALIZERS = [ComplaintCreateSerializer, CustomerInputSerializer, CustomerSerializer, ComplaintListSerializer,
               ComplaintSerializer]


@pytest.mark.parametrize("serializer_class", SERIALIZERS)
def test_each_instance_has_fields_of_its_own_bound_to_it(serializer_class):
    first, second = serializer_class(), serializer_class()
    assert set(first.fields) == set(second.fields) and first.fields
    for name in first.fields:
        assert first.fields[name] is not second.fields[name]
        assert first.fields[name].parent is first and second.fields[name].parent is second


@pytest.mark.parametrize("serializer_class", SERIALIZERS)
def test_the_copies_equal_drfs_deep_copies(serializer_class):
    # DRF's repr of a field shows its class and every argument it was built with
    prototype = serializer_class()
    declared = prototype.get_fields()
    assert {n: repr(f) for n, f in fresh_fields(declared).items()} == {
        n: repr(f) for n, f in copy.deepcopy(declared).items()
    }


def test_a_list_serializer_field_is_deep_copied_so_its_child_is_not_shared():
    class Item(serializers.Serializer):
        value = serializers.IntegerField()

    fields = {"items": Item(many=True)}
    one, two = fresh_fields(fields)["items"], fresh_fields(fields)["items"]
    assert one.child is not two.child and one.child is not fields["items"].child


def test_validation_state_does_not_leak_between_instances():
    good = {"channel": "hotline", "category": "service", "summary": "s", "description": "d",
            "customer": {"name": "N", "phone": "139"}}
    bad = ComplaintCreateSerializer(data={**good, "channel": "fax"})
    assert not bad.is_valid() and "channel" in bad.errors
    ok = ComplaintCreateSerializer(data=good)
    assert ok.is_valid(), ok.errors


@pytest.mark.django_db
@pytest.mark.parametrize("zone", ["Asia/Shanghai", "UTC"])
def test_the_planned_representation_is_drfs_for_cases_and_for_list_rows(people, zone):
    # given: no department, a merged duplicate, a review, an ID number
    from django.utils import timezone

    from cases.models import Complaint
    from cases.services import case_transition
    from complaints_portal.common.roles import Access
    from tests.factories.cases import ComplaintFactory, review_case

    ComplaintFactory(intake={"customer_id_number": "110105199001011232"})
    review_case("CS")
    master, duplicate = ComplaintFactory(assigned=True), ComplaintFactory()
    case_transition(actor=people["clerk"], reference=duplicate.reference, action="merge", data={"into": master.reference})
    context = {"access": Access.load(people["supervisor"])}
    with timezone.override(zone):
        for case in Complaint.objects.select_related("department", "merged_into"):
            # when / then: DRF's own Serializer.to_representation gives the same
            planned = ComplaintSerializer(case, context=context)
            assert planned.data == serializers.Serializer.to_representation(planned, case)
        rows = ComplaintListSerializer.rows(Complaint.objects.order_by("pk"))
        listed = ComplaintListSerializer(rows, many=True).data
        generic = ComplaintListSerializer(many=True).child
        generic.attrs = generic.get_attrs(list(rows))
        assert listed == [serializers.Serializer.to_representation(generic, row) for row in rows]
        assert [row["merged_into"] for row in listed].count(master.reference) == 1
