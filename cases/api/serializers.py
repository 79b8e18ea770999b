"""Serializers of the complaint API (SPEC §9). Input serializers check shapes and types only;
business rules (who, when, which fields an action needs) live in the services."""
import datetime
from functools import cache, cached_property, lru_cache

from django.db import connections, router
from django.db.models import F
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema_field
from rest_framework import serializers
from rest_framework.fields import SkipField
from rest_framework.relations import PKOnlyObject, RelatedField

from .. import groups
from ..actions.fields import AMOUNT, CHOICE, COUNT, DATE, DATETIME, FLAG, NAMES, PEOPLE, TEXT
from ..actions.table import ACTIONS, PUBLIC_ACTIONS, actions_for, event_label
from ..fields import mask_id_number, mask_phone
from ..groups import MAX_REPRESENTATIVES
from ..models import Attachment, CaseDeadline, Complaint
from ..models.case import OPEN_STATUSES, MajorReason, Outcome, RootCause, Status
from ..models.deadlines import STAGE_ORDER, Stage

DEADLINE_KEYS = [s.value for s in STAGE_ORDER] + [Stage.OVERALL.value]


def fresh_fields(fields):
    """New, unbound copies of ``fields`` made from their constructor arguments (as
    Field.__deepcopy__ does) without deep-copying the arguments, which no field here mutates;
    DRF's deep copies were a tenth of an intake POST's CPU. Nested serializers and lists (their
    child is bound to them) are deep-copied."""
    import copy

    return {
        name: copy.deepcopy(field) if isinstance(field, serializers.BaseSerializer | serializers.ListField)
        else field.__class__(*field._args, **field._kwargs)
        for name, field in fields.items()
    }


class FreshDeclaredFields:
    """A Serializer whose declared fields are copied by fresh_fields instead of deepcopy."""

    def get_fields(self):
        return fresh_fields(self._declared_fields)


# -- input ---------------------------------------------------------------------------------
class RepresentativeSerializer(serializers.Serializer):
    """A representative of a group complaint (SPEC §12); at most 5 per case (400
    too_many_representatives), the phone checked as the customer's (400 invalid_phone)."""

    name = serializers.CharField(max_length=100)
    phone = serializers.CharField(max_length=30)


@extend_schema_field({"type": "array", "maxItems": MAX_REPRESENTATIVES, "items": {
    "type": "object", "required": ["name", "phone"], "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 100},
        "phone": {"type": "string", "minLength": 1, "maxLength": 30}}}})
class RepresentativesField(serializers.ListField):
    """The representatives: the schema states the limit of 5; the service refuses more with its
    own code (too_many_representatives) rather than the serializer's generic one."""

    def __init__(self, **kwargs):
        super().__init__(child=RepresentativeSerializer(), **kwargs)


class TransitionSerializer(serializers.Serializer):
    """What every action's body has: the action, and the case version the client saw."""

    action = serializers.ChoiceField(choices=[(a, a) for a in PUBLIC_ACTIONS])
    version = serializers.IntegerField(
        required=False, min_value=1,
        help_text=_("The case version the client saw; a different current version is refused with 409 case_changed."),
    )


@extend_schema_field({"type": "string", "format": "decimal", "pattern": r"^(?:\d{1,10}(?:\.\d{0,2})?|\.\d{1,2})$"})
class AmountField(serializers.DecimalField):
    """An amount of money in yuan: not negative, up to 10 digits and 2 decimals. Declared in the
    schema without drf-spectacular's optional minus sign (its decimal pattern ignores min_value)."""

    def __init__(self, **kwargs):
        super().__init__(max_digits=12, decimal_places=2, min_value=0, **kwargs)


def _api_field(spec):
    """The API field of one of an action's fields, checked for type only (the service checks which
    fields are required, after the state and the permission)."""
    common = {"required": spec.required, "help_text": spec.help or spec.label}
    if spec.kind == TEXT:
        return serializers.CharField(max_length=spec.max_length, allow_blank=not spec.required, **common)
    if spec.kind == CHOICE and spec.choices is not None:
        return serializers.ChoiceField(choices=spec.choices.choices, **common)
    plain = {FLAG: serializers.BooleanField, DATE: serializers.DateField, DATETIME: serializers.DateTimeField}
    if spec.kind in plain:
        return plain[spec.kind](**common)
    if spec.kind == AMOUNT:
        return AmountField(**common)
    if spec.kind == NAMES:
        return serializers.ListField(child=serializers.CharField(), **common)
    if spec.kind == COUNT:
        return serializers.IntegerField(min_value=1, **common)
    if spec.kind == PEOPLE:
        return RepresentativesField(**common)
    return serializers.CharField(**common)  # a name the handler resolves (department code, username)


def action_serializer(name):
    """The body of action ``name``: `action`, `version` and the action's own fields."""
    return _serializer_of(ACTIONS[name])


@cache
def _serializer_of(row):
    attrs = {spec.name: _api_field(spec) for spec in row.fields}
    return type(f"{row.name.title().replace('_', '')}TransitionSerializer", (TransitionSerializer,), attrs)


def transition_request_schema():
    """The transitions endpoint's request in the schema: one body per action, told apart by
    `action`."""
    return PolymorphicProxySerializer(
        component_name="Transition", resource_type_field_name="action",
        serializers={name: action_serializer(name) for name in PUBLIC_ACTIONS},
    )


@extend_schema_field({"type": "string", "format": "binary", "minLength": 1})
class NonEmptyFileField(serializers.FileField):
    """A file part with content: the multipart parser drops an empty one (400 "No file was
    submitted"), which the schema states as minLength 1."""


class AttachmentUploadSerializer(serializers.Serializer):
    file = NonEmptyFileField()
    kind = serializers.ChoiceField(choices=Attachment.Kind.choices, required=False)


class RevealSerializer(serializers.Serializer):
    field = serializers.ChoiceField(choices=[("customer_phone", "customer_phone")])


# -- output --------------------------------------------------------------------------------
class PlannedRepresentation:
    """Serializer.to_representation with DRF's per-instance decisions taken once per serializer (a
    plain attribute read by getattr, anything else DRF's way); same output as DRF's, less CPU."""

    plan_model = None  # the model whose attributes the fields read (default: Meta.model)

    @cached_property
    def _plan(self):
        """(name, field, how) per readable field: the attribute to read, "*" for the object itself,
        None for DRF's get_attribute."""
        model = self.plan_model or self.Meta.model
        zone = timezone.get_current_timezone()
        plan = []
        for field in self._readable_fields:
            if isinstance(field, serializers.DateTimeField) and not hasattr(field, "timezone"):
                field.timezone = zone
            how = None
            if field.source == "*":
                how = "*"
            elif len(field.source_attrs) == 1 and not isinstance(field, RelatedField | serializers.BaseSerializer):
                attr = field.source_attrs[0]
                how = attr if hasattr(model, attr) and not callable(getattr(model, attr)) else None
            plan.append((field.field_name, field, how))
        return plan

    def to_representation(self, instance):
        ret = {}
        for name, field, how in self._plan:
            if how == "*":
                ret[name] = field.to_representation(instance)
                continue
            if how is not None:
                attribute = getattr(instance, how)
            else:
                try:
                    attribute = field.get_attribute(instance)
                except SkipField:
                    continue
                if isinstance(attribute, PKOnlyObject):
                    ret[name] = None if attribute.pk is None else field.to_representation(attribute)
                    continue
            ret[name] = None if attribute is None else field.to_representation(attribute)
        return ret


class CustomerSerializer(FreshDeclaredFields, PlannedRepresentation, serializers.Serializer):
    """Personal data leaves the API masked; a full phone number needs the logged reveal call,
    and the ID number is never given out in full."""

    plan_model = Complaint
    name = serializers.CharField(source="customer_name")
    phone = serializers.SerializerMethodField()
    id_number = serializers.SerializerMethodField()
    policy_number = serializers.CharField(source="policy_numbers")

    def get_phone(self, case) -> str:
        return mask_phone(case.customer_phone)

    def get_id_number(self, case) -> str:
        return mask_id_number(case.customer_id_number)


class FieldsBuiltOnce:
    """A read-only ModelSerializer's fields built once per class (≈ 1 ms a case otherwise), shallow
    copies per instance: binding sets a copy's own name and parent, and nothing the copies share
    (choices, validators, arguments) changes after construction; half the CPU of fresh_fields'
    new instances (0.6 of 1.2 ms for the case's 45 fields). Nested serializers and lists (their
    child is bound to them) are deep-copied."""

    def get_fields(self):
        import copy

        built = type(self).__dict__.get("_fields_built_once")
        if built is None:
            built = super().get_fields()
            type(self)._fields_built_once = built
        return {name: copy.deepcopy(field) if isinstance(field, serializers.BaseSerializer | serializers.ListField)
                else copy.copy(field) for name, field in built.items()}


class BatchedListSerializer(serializers.ListSerializer):
    """A list whose items' related data is read once for all of them (the child's
    ``get_attrs``), as Sentry's serializers do, instead of a query per item."""

    def to_representation(self, data):
        items = list(data.all() if hasattr(data, "all") else data)
        self.child.attrs = self.child.get_attrs(items)
        return [self.child.to_representation(item) for item in items]


DEADLINES_SQL = "SELECT {case}, {stage}, {due_on} FROM {table} WHERE {case} IN ({placeholders})"


@lru_cache(maxsize=64)
def _deadlines_sql(alias, count):
    qn = connections[alias].ops.quote_name
    meta = CaseDeadline._meta
    names = {name: qn(meta.get_field(name).column) for name in ("case", "stage", "due_on")}
    return DEADLINES_SQL.format(table=qn(meta.db_table), placeholders=", ".join(["%s"] * count), **names)  # noqa: S608  # nosec B608 - names from _meta


def _deadline_rows(case_ids):
    """(case id, stage, due date) of the cases' deadline rows, in plain SQL kept per number of
    cases (compiling the ORM query cost more than running it)."""
    if not case_ids:
        return []
    alias = router.db_for_read(CaseDeadline)
    with connections[alias].cursor() as cursor:
        cursor.execute(_deadlines_sql(alias, len(case_ids)), case_ids)
        rows = cursor.fetchall()
    # SQLite hands dates back as text.
    return [(c, s, d if isinstance(d, datetime.date) else datetime.date.fromisoformat(d)) for c, s, d in rows]


@lru_cache(maxsize=8)
def _status_labels(language):
    """The statuses' labels in ``language`` (the active one: the argument keys the cache).
    get_status_display() hashed and translated every choice for every case of a list page."""
    return {value: str(label) for value, label in Status.choices}


class ComplaintListSerializer(FieldsBuiltOnce, PlannedRepresentation, serializers.ModelSerializer):
    """A case in the list and the start of every case's JSON: of a Complaint, or of a row of the
    listed columns (``rows``); what else the cases need is read for all at once (``get_attrs``)."""

    # Nullable and blank values are declared, so the schema says what the API really returns.
    department = serializers.CharField(source="department_code", read_only=True, allow_null=True)
    merged_into = serializers.CharField(source="merged_into_reference", read_only=True, allow_null=True)
    outcome = serializers.ChoiceField(choices=Outcome.choices, allow_blank=True, read_only=True)
    status_display = serializers.SerializerMethodField()
    customer = CustomerSerializer(source="*", read_only=True)
    deadlines = serializers.SerializerMethodField()
    overdue = serializers.SerializerMethodField()

    attrs = None  # {case pk: attrs} of the cases being serialized (get_attrs)

    class Meta:
        model = Complaint
        fields = [
            "reference", "status", "status_display", "round", "version", "channel", "category", "complaint_type",
            "summary", "customer", "department", "tier", "received_at", "next_due", "overdue", "deadlines",
            "outcome", "merged_into",
        ]
        read_only_fields = fields
        list_serializer_class = BatchedListSerializer

    # What the list reads besides its model fields: the customer's (nested) fields'.
    CUSTOMER_COLUMNS = ("customer_name", "customer_phone", "customer_id_number", "policy_numbers")

    @classmethod
    def rows(cls, queryset):
        """The cases of ``queryset`` as named rows of the listed columns (cheaper than instances)."""
        own = [name for name in cls.Meta.fields if name not in cls._declared_fields]
        return queryset.annotate(department_code=F("department__code"), merged_into_reference=F(
            "merged_into__reference")).values_list(
            "id", *own, "outcome", *cls.CUSTOMER_COLUMNS, "department_code", "merged_into_reference", named=True)

    def get_attrs(self, cases, deadline_rows=None):
        """Deadline rows (one query; ``deadline_rows``, (case id, stage, due date), when the caller
        has them: a case just registered), status label and overdue flag of all the ``cases``."""
        labels, today = _status_labels(get_language()), timezone.localdate()
        attrs = {case.id: {"deadlines": {}, "status_display": labels.get(case.status, case.status),
                           "overdue": bool(case.status in OPEN_STATUSES and case.next_due and case.next_due < today)}
                 for case in cases}
        for case_id, stage, due_on in _deadline_rows(list(attrs)) if deadline_rows is None else deadline_rows:
            attrs[case_id]["deadlines"][stage] = due_on
        return attrs

    def attrs_of(self, case):
        if self.attrs is None or case.id not in self.attrs:
            self.attrs = self.get_attrs([case])
        return self.attrs[case.id]

    def get_status_display(self, case) -> str:
        return self.attrs_of(case)["status_display"]

    @extend_schema_field({"type": "object", "properties": {
        key: {"type": "string", "format": "date", "nullable": True} for key in DEADLINE_KEYS}})
    def get_deadlines(self, case):
        """{stage: YYYY-MM-DD or null}: the stage deadlines of §4 (capped) and `overall`."""
        due = self.attrs_of(case)["deadlines"]
        return {key: due[key].isoformat() if due.get(key) else None for key in DEADLINE_KEYS}

    def get_overdue(self, case) -> bool:
        return self.attrs_of(case)["overdue"]


class ComplaintSerializer(ComplaintListSerializer):
    """One case (GET /api/v1/complaints/{reference}/ and the answer to every write)."""

    review_due = serializers.SerializerMethodField()
    root_cause = serializers.ChoiceField(choices=RootCause.choices, allow_blank=True, read_only=True)
    major_reason = serializers.ChoiceField(choices=MajorReason.choices, allow_blank=True, read_only=True,
                                           help_text=_("Why the case is a major complaint; blank when it is not."))
    representatives = serializers.SerializerMethodField()
    emergency_report_due = serializers.SerializerMethodField()
    allowed_actions = serializers.SerializerMethodField()

    class Meta(ComplaintListSerializer.Meta):
        fields = ComplaintListSerializer.Meta.fields + [
            "public_code", "description", "expected_resolution", "regulator_reference", "review_due", "acknowledged_at",
            "assigned_at", "team_formed_at", "reported_at", "plan_proposed_at", "plan_approved_at", "notified_at",
            "disputed_at", "closed_at", "withdrawn_at", "archived_at", "at_fault", "root_cause", "redress_amount",
            "legal_hold", "complainant_count", "representatives", "major_reason", "major_marked_at",
            "emergency_report_due", "emergency_reported_at", "allowed_actions",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.DateField(allow_null=True))
    def get_review_due(self, case):
        due = self.attrs_of(case)["deadlines"].get(Stage.REVIEW)
        return due.isoformat() if due else None

    @extend_schema_field(RepresentativeSerializer(many=True))
    def get_representatives(self, case):
        """A group complaint's representatives, their phones masked as the customer's."""
        return groups.masked(case.representatives)

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_emergency_report_due(self, case):
        """When a major complaint's emergency report is due (SPEC §12); null when none is owed."""
        row = case.deadlines.filter(stage=Stage.EMERGENCY_REPORT).only("due_at").first() if case.major_reason else None
        return serializers.DateTimeField().to_representation(row.due_at) if row and row.due_at else None

    def get_allowed_actions(self, case) -> list[str]:
        """The actions open to the reader: the context's ``access`` (after a write, read again)."""
        access = self.context.get("access")
        return actions_for(access, case) if access is not None else []


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
