"""fresh_fields: every serializer instance gets fields of its own, equal to DRF's deep copies."""
import copy

import pytest
from rest_framework import serializers

from cases.api.serializers import (
    ComplaintCreateSerializer,
    ComplaintListSerializer,
    ComplaintSerializer,
    CustomerInputSerializer,
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
