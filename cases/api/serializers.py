"""Serializers of the complaint API (SPEC §9). Input serializers check shapes and types only;
business rules (who, when, which fields an action needs) live in the services."""
from functools import lru_cache

from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .. import workflow
from ..events import event_label
from ..fields import mask_id_number, mask_phone
from ..models import Attachment, CaseDeadline, Complaint, Decision
from ..models.case import OPEN_STATUSES, Category, Channel, ComplaintType, Outcome, RootCause
from ..models.deadlines import STAGE_ORDER, Stage, Tier
from ..permissions import actions_for

DEADLINE_KEYS = [s.value for s in STAGE_ORDER] + [Stage.OVERALL.value]


def fresh_fields(fields):
    """New, unbound copies of ``fields`` (name -> field), as DRF's deepcopy makes them — a new
    field from the same arguments (Field.__deepcopy__) — without deep-copying the arguments:
    a field's constructor copies what it keeps of them (validators, choices) and no field here
    has a mutable default, so sharing them is safe; the deep copies of labels, choices and
    help texts were about a tenth of an intake POST's CPU. A nested or list serializer is
    deep-copied as DRF does (a list serializer's child must not be shared)."""
    import copy

    return {
        name: copy.deepcopy(field) if isinstance(field, serializers.BaseSerializer)
        else field.__class__(*field._args, **field._kwargs)
        for name, field in fields.items()
    }


class FreshDeclaredFields:
    """A Serializer whose declared fields are copied by fresh_fields instead of deepcopy."""

    def get_fields(self):
        return fresh_fields(self._declared_fields)


# -- input ---------------------------------------------------------------------------------
class CustomerInputSerializer(FreshDeclaredFields, serializers.Serializer):
    name = serializers.CharField(max_length=100)
    phone = serializers.CharField(max_length=30)
    id_number = serializers.CharField(max_length=40, required=False, allow_blank=True)
    policy_number = serializers.CharField(max_length=200, required=False, allow_blank=True)


class ComplaintCreateSerializer(FreshDeclaredFields, serializers.Serializer):
    channel = serializers.ChoiceField(choices=Channel.choices)
    category = serializers.ChoiceField(choices=Category.choices)
    summary = serializers.CharField(max_length=200)
    description = serializers.CharField()
    customer = CustomerInputSerializer()
    received_at = serializers.DateTimeField(
        required=False, help_text=_("When the complaint reached the company; defaults to now. "
                                    "A letter's sign-for date, a regulator's transfer date.")
    )
    expected_resolution = serializers.CharField(required=False, allow_blank=True)
    complaint_type = serializers.ChoiceField(choices=ComplaintType.choices, required=False)
    regulator_reference = serializers.CharField(
        max_length=60, required=False, allow_blank=True, help_text=_("Required when the channel is regulator.")
    )


def _used_by(*actions):
    return gettext("Used by: %(actions)s.") % {"actions": ", ".join(actions)}


# Help texts are evaluated when the schema is rendered, in the request's language.
_for = lazy(_used_by, str)
_methods_help = lazy(lambda: gettext(
    "notify_decision (required, one of %(methods)s); acknowledge (how the customer was contacted)."
) % {"methods": ", ".join(Decision.Method.values)}, str)


class TransitionSerializer(serializers.Serializer):
    """One body for every action; each field names the actions that read it. Which fields an
    action requires is checked by the service (400 with `extra.fields` naming them)."""

    action = serializers.ChoiceField(choices=[(a, a) for a in workflow.PUBLIC_ACTIONS])
    version = serializers.IntegerField(
        required=False, min_value=1,
        help_text=_("The case version the client saw; a different current version is refused with 409 case_changed."),
    )
    department = serializers.CharField(required=False, help_text=_for("assign (required)", "reassign (required)"))
    lead = serializers.CharField(required=False, help_text=_for("form_team (required, username)"))
    members = serializers.ListField(child=serializers.CharField(), required=False,
                                    help_text=_for("form_team (usernames)"))
    recusal_attested = serializers.BooleanField(required=False, help_text=_for("form_team"))
    facts = serializers.CharField(required=False, help_text=_for("submit_report (required)"))
    at_fault = serializers.BooleanField(required=False, help_text=_for("submit_report (required)"))
    recommendation = serializers.CharField(required=False, help_text=_for("submit_report (required)"))
    responsible_staff = serializers.CharField(required=False, allow_blank=True, help_text=_for("submit_report"))
    root_cause = serializers.ChoiceField(choices=RootCause.choices, required=False, help_text=_for("submit_report"))
    plan = serializers.CharField(required=False, help_text=_for("propose_plan (required)"))
    redress_amount = serializers.DecimalField(max_digits=12, decimal_places=2, required=False, min_value=0,
                                              help_text=_for("propose_plan"))
    method = serializers.CharField(
        required=False, max_length=30,
        help_text=_methods_help(),
    )
    decision = serializers.CharField(required=False, help_text=_for("notify_decision (required)"))
    remedies = serializers.CharField(required=False, help_text=_for("notify_decision"))
    note = serializers.CharField(required=False, allow_blank=True, help_text=_for("acknowledge"))
    reason = serializers.CharField(
        required=False,
        help_text=_for("reject_plan, customer_disputes, close, withdraw, extend, reassign (required)", "legal_hold"),
    )
    # The full tier choice set (one enum in the schema); extending to "simple" is refused by the service.
    tier = serializers.ChoiceField(choices=Tier.choices, required=False, help_text=_for("extend (required: complex or special)"))
    customer_told_at = serializers.DateTimeField(required=False, help_text=_for("extend"))
    received_at = serializers.DateTimeField(required=False, help_text=_for("customer_disputes (when the dispute arrived)"))
    into = serializers.CharField(required=False, help_text=_for("merge (required: the master case's reference)"))
    # A plain string here (checked by the service) so that the schema keeps one "kind" enum, the attachment's.
    kind = serializers.CharField(required=False, max_length=20,
                                 help_text=_for("pause (required: appraisal, testing or valuation)"))
    proof = serializers.CharField(required=False, help_text=_for("pause (required: how the customer was told)"))
    start = serializers.DateField(required=False, help_text=_for("pause"))
    end = serializers.DateField(required=False, help_text=_for("resume"))
    received_on = serializers.DateField(required=False, help_text=_for("restart_clock (required)"))
    hold = serializers.BooleanField(required=False, help_text=_for("legal_hold (required)"))


class AttachmentUploadSerializer(serializers.Serializer):
    file = serializers.FileField()
    kind = serializers.ChoiceField(choices=Attachment.Kind.choices, required=False)


class RevealSerializer(serializers.Serializer):
    field = serializers.ChoiceField(choices=[("customer_phone", "customer_phone")])


# -- output --------------------------------------------------------------------------------
class CustomerSerializer(FreshDeclaredFields, serializers.Serializer):
    """Personal data leaves the API masked; a full phone number needs the logged reveal call,
    and the ID number is never given out in full."""

    name = serializers.CharField(source="customer_name")
    phone = serializers.SerializerMethodField()
    id_number = serializers.SerializerMethodField()
    policy_number = serializers.CharField(source="policy_numbers")

    def get_phone(self, case) -> str:
        return mask_phone(case.customer_phone)

    def get_id_number(self, case) -> str:
        return mask_id_number(case.customer_id_number)


@extend_schema_field({
    "type": "object",
    "properties": {key: {"type": "string", "format": "date", "nullable": True} for key in DEADLINE_KEYS},
})
class DeadlinesField(serializers.Field):
    """{stage: YYYY-MM-DD or null} from the case's CaseDeadline rows (prefetched by the view)."""

    def __init__(self, **kwargs):
        kwargs["source"] = "*"
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, case):
        due = {row.stage: row.due_on for row in case.deadlines.all()}
        return {key: due[key].isoformat() if due.get(key) else None for key in DEADLINE_KEYS}


class FieldsBuiltOnce:
    """ModelSerializer builds its fields from the model again for every instance: about 1 ms for
    the 45 fields of a case, a tenth of an intake POST. They depend only on the class (Meta and
    the declared fields), so they are built once per class and every instance gets fresh,
    unbound copies (fresh_fields)."""

    def get_fields(self):
        built = type(self).__dict__.get("_fields_built_once")
        if built is None:
            built = super().get_fields()
            type(self)._fields_built_once = built
        return fresh_fields(built)


class ComplaintListSerializer(FieldsBuiltOnce, serializers.ModelSerializer):
    # Nullable and blank values are declared, so the schema says what the API really returns.
    department = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    merged_into = serializers.SlugRelatedField(slug_field="reference", read_only=True, allow_null=True)
    outcome = serializers.ChoiceField(choices=Outcome.choices, allow_blank=True, read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    customer = CustomerSerializer(source="*", read_only=True)
    deadlines = DeadlinesField()
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = Complaint
        fields = [
            "reference", "status", "status_display", "round", "version", "channel", "category", "complaint_type",
            "summary", "customer", "department", "tier", "received_at", "next_due", "overdue", "deadlines",
            "outcome", "merged_into",
        ]
        read_only_fields = fields

    def get_overdue(self, case) -> bool:
        return bool(case.is_open and case.next_due and case.next_due < timezone.localdate())


# The list's rows without model instances or serializer fields (GET /api/v1/complaints/ is
# the busiest read of the API): the same JSON as ComplaintListSerializer, field for field
# (tests/cases/api/test_list_rows.py compares the two), from the columns below and one query
# for the page's deadline rows. ComplaintListSerializer stays the schema of the list.
LIST_COLUMNS = (
    "id", "reference", "status", "round", "version", "channel", "category", "complaint_type", "summary",
    "customer_name", "customer_phone", "customer_id_number", "policy_numbers", "department__code", "tier",
    "received_at", "next_due", "outcome", "merged_into__reference",
)
_DATE = serializers.DateField()


@lru_cache(maxsize=8)
def _status_labels(language):
    """get_status_display() of every status in ``language`` (the active one; it keys the cache)."""
    return {value: str(label) for value, label in Complaint._meta.get_field("status").flatchoices}


def _iso_datetime(value, tz):
    """serializers.DateTimeField().to_representation(value) with the current time zone ``tz``."""
    text = value.astimezone(tz).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def complaint_list_rows(rows):
    """ComplaintListSerializer(many=True).data for ``rows``: dicts of LIST_COLUMNS."""
    cases = list(rows)
    due = {case["id"]: {} for case in cases}
    for case_id, stage, due_on in CaseDeadline.objects.filter(case_id__in=list(due)).values_list(
            "case_id", "stage", "due_on"):
        due[case_id][stage] = due_on
    labels = _status_labels(get_language())
    today = timezone.localdate()
    tz = timezone.get_current_timezone()  # once, not per row (DateTimeField looks it up per value)
    out = []
    for case in cases:
        deadlines = due[case["id"]]
        next_due = case["next_due"]
        out.append({
            "reference": case["reference"], "status": case["status"],
            "status_display": labels.get(case["status"], case["status"]), "round": case["round"],
            "version": case["version"], "channel": case["channel"], "category": case["category"],
            "complaint_type": case["complaint_type"], "summary": case["summary"],
            "customer": {
                "name": case["customer_name"], "phone": mask_phone(case["customer_phone"]),
                "id_number": mask_id_number(case["customer_id_number"]), "policy_number": case["policy_numbers"],
            },
            "department": case["department__code"], "tier": case["tier"],
            "received_at": _iso_datetime(case["received_at"], tz),
            "next_due": _DATE.to_representation(next_due) if next_due else None,
            "overdue": bool(case["status"] in OPEN_STATUSES and next_due and next_due < today),
            "deadlines": {key: deadlines[key].isoformat() if deadlines.get(key) else None for key in DEADLINE_KEYS},
            "outcome": case["outcome"], "merged_into": case["merged_into__reference"],
        })
    return out


class ComplaintSerializer(ComplaintListSerializer):
    review_due = serializers.SerializerMethodField()
    root_cause = serializers.ChoiceField(choices=RootCause.choices, allow_blank=True, read_only=True)
    allowed_actions = serializers.SerializerMethodField()

    class Meta(ComplaintListSerializer.Meta):
        fields = ComplaintListSerializer.Meta.fields + [
            "public_code", "description", "expected_resolution", "regulator_reference", "review_due", "acknowledged_at",
            "assigned_at", "team_formed_at", "reported_at", "plan_proposed_at", "plan_approved_at", "notified_at",
            "disputed_at", "closed_at", "withdrawn_at", "archived_at", "at_fault", "root_cause", "redress_amount",
            "legal_hold", "allowed_actions",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.DateField(allow_null=True))
    def get_review_due(self, case):
        row = next((r for r in case.deadlines.all() if r.stage == Stage.REVIEW), None)
        return row.due_on.isoformat() if row else None

    def get_allowed_actions(self, case) -> list[str]:
        request = self.context.get("request")
        return actions_for(request.user, case) if request else []


class HistoryEntrySerializer(serializers.Serializer):
    """One line of the case history: a timeline event, or a set of field changes from the
    audit trail (kind `fields_changed`)."""

    at = serializers.DateTimeField()
    kind = serializers.CharField()
    label = serializers.CharField()
    actor = serializers.CharField(allow_null=True)
    from_status = serializers.CharField(allow_blank=True)
    to_status = serializers.CharField(allow_blank=True)
    data = serializers.DictField()
    changes = serializers.ListField(child=serializers.DictField())


def event_entry(event):
    return {
        "at": event.at, "kind": event.kind, "label": str(event_label(event.kind)),
        "actor": event.actor.username if event.actor_id else None,
        "from_status": event.from_status, "to_status": event.to_status, "data": event.data, "changes": [],
    }


class AttachmentSerializer(serializers.ModelSerializer):
    uploaded_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Attachment
        fields = ["id", "kind", "original_name", "content_type", "size", "sha256", "uploaded_by", "uploaded_at"]
        read_only_fields = fields
