"""The intake body of the complaint API (SPEC §9, §14): every field of the clerk's intake form."""
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from ..models.case import Category, Channel, ComplaintType, DisputeType, IdType, MisconductKind
from ..models.flags import CustomerFlag
from .serializers import FreshDeclaredFields, RepresentativesField


class CustomerInputSerializer(FreshDeclaredFields, serializers.Serializer):
    name = serializers.CharField(max_length=100)
    phone = serializers.CharField(
        max_length=30, required=False, allow_blank=True,
        help_text=_("Mainland mobile (11 digits) or landline with area code; +86 and separators are accepted and "
                    "dropped. Required unless the channel is email."),
    )
    email = serializers.EmailField(required=False, allow_blank=True,
                                   help_text=_("Required when the channel is email."))
    address = serializers.CharField(max_length=200, required=False, allow_blank=True)
    id_type = serializers.ChoiceField(choices=IdType.choices, required=False, allow_blank=True,
                                      help_text=_("Type of id_number; resident_id when a number is given without it."))
    id_number = serializers.CharField(
        max_length=40, required=False, allow_blank=True,
        help_text=_("Checked by its type's rules: a resident ID has 18 characters with a valid birth date and "
                    "check character (400 invalid_id_number otherwise)."),
    )
    policy_number = serializers.CharField(max_length=200, required=False, allow_blank=True,
                                          help_text=_("One or several policy numbers, separated by commas."))
    flags = serializers.ListField(
        child=serializers.ChoiceField(choices=CustomerFlag.choices), required=False,
        help_text=_("A customer who needs particular care (SPEC §12); elderly is also set from a resident ID."))
    needs = serializers.CharField(max_length=200, required=False, allow_blank=True,
                                  help_text=_("What the customer needs."))


class AgentInputSerializer(FreshDeclaredFields, serializers.Serializer):
    name = serializers.CharField(max_length=100, help_text=_("The agent or heir complaining for the customer."))
    relation = serializers.CharField(max_length=50, required=False, allow_blank=True)
    authorisation = serializers.CharField(max_length=200, required=False, allow_blank=True,
                                          help_text=_("E.g. power of attorney, certificate of succession."))


class ComplaintCreateSerializer(FreshDeclaredFields, serializers.Serializer):
    """Intake through the API: every field of the clerk's intake form (SPEC §14), checked by
    the same rules (cases.services.intake: case_create and intake_rule_errors; phone and ID
    numbers by cases.identity). This serializer checks types; a broken rule is a 400 with the
    field named in ``extra.fields`` and the code ``invalid_phone``, ``invalid_id_number`` or
    ``invalid``."""

    channel = serializers.ChoiceField(choices=Channel.choices)
    category = serializers.ChoiceField(choices=Category.choices)
    misconduct_kind = serializers.ChoiceField(choices=MisconductKind.choices, required=False, allow_blank=True,
                                              help_text=_("Required when the category is misconduct."))
    dispute_type = serializers.ChoiceField(choices=DisputeType.choices, required=False, allow_blank=True)
    product_line = serializers.CharField(max_length=100, required=False, allow_blank=True)
    summary = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True)
    customer = CustomerInputSerializer()
    agent = AgentInputSerializer(required=False, help_text=_("An agent or heir acting for the customer."))
    received_at = serializers.DateTimeField(
        required=False, help_text=_("When the complaint reached the company; defaults to now, for a regulator "
                                    "referral to its transfer date (regulator_date). A letter's sign-for date.")
    )
    expected_resolution = serializers.CharField(required=False, allow_blank=True)
    complaint_type = serializers.ChoiceField(choices=ComplaintType.choices, required=False)
    regulator_reference = serializers.CharField(
        max_length=60, required=False, allow_blank=True, help_text=_("Required when the channel is regulator.")
    )
    regulator_date = serializers.DateField(
        required=False, help_text=_("The regulator's transfer date (channel regulator); defaults to the receipt date.")
    )
    complainant_count = serializers.IntegerField(
        min_value=1, required=False, help_text=_("A group complaint: how many complain together (default 1)."))
    representatives = RepresentativesField(
        required=False,
        help_text=_("A group complaint's representatives, at most 5 (400 too_many_representatives); each phone is "
                    "checked as the customer's (400 invalid_phone)."))

    def intake_data(self):
        """The validated body in the names case_create takes (those of the intake form)."""
        data = dict(self.validated_data)
        customer = data.pop("customer")
        agent = data.pop("agent", None) or {}
        for key in ("name", "phone", "email", "address", "id_type", "id_number"):
            data[f"customer_{key}"] = customer.get(key, "")
        data["policy_numbers"] = customer.get("policy_number", "")
        data["customer_flags"], data["customer_flags_note"] = customer.get("flags", []), customer.get("needs", "")
        if data["customer_id_number"] and not data["customer_id_type"]:
            data["customer_id_type"] = IdType.RESIDENT_ID  # the contract's id_number before id_type existed
        for key in ("name", "relation", "authorisation"):
            data[f"agent_{key}"] = agent.get(key, "")
        data["complainant_count"] = data.get("complainant_count") or 1
        data["representatives"] = [dict(person) for person in data.get("representatives", [])]
        return data
