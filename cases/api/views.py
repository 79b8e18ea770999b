"""The complaint API (SPEC §9). Thin: every read goes through cases.selectors, every write
through cases.services, so the API follows exactly the rules of the HTML pages."""
from django.db.models import F
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from ..fields import mask_id_number, mask_phone
from ..models import Complaint
from ..permissions import is_clerk
from ..selectors import case_events, case_get_for_user, case_list_visible_to
from ..services import attachment_add, attachment_open, case_create, case_transition, personal_data_reveal
from ..services.attachments import ALLOWED as ATTACHMENT_TYPES
from ..services.notices import notice_proof_record
from ..services.submissions import KEY_HOURS, KEY_MAX_LENGTH, KEY_PATTERN, AlreadySubmitted, api_submission
from .filters import ComplaintFilter
from .intake_serializers import ComplaintCreateSerializer
from .notices import NoticeProofSerializer, NoticeSerializer
from .serializers import (
    AttachmentSerializer,
    AttachmentUploadSerializer,
    ComplaintListSerializer,
    ComplaintSerializer,
    HistoryEntrySerializer,
    RevealSerializer,
    TransitionSerializer,
    action_serializer,
    event_entry,
    transition_request_schema,
)

IDEMPOTENCY_HEADER = "Idempotency-Key"
ERROR = OpenApiResponse(
    description='`{"message", "code", "extra"}`',
    response={"type": "object", "properties": {
        "message": {"type": "string"}, "code": {"type": "string"}, "extra": {"type": "object"},
    }},
)

# Fields whose changes the history shows masked, and fields it leaves out (bookkeeping).
MASKED_FIELDS = {"customer_phone": mask_phone, "customer_id_number": mask_id_number}
HIDDEN_FIELDS = {"version", "customer_email", "customer_address", "agent_authorisation"}


class RegisterPermission(permissions.BasePermission):
    """Only intake clerks register complaints (checked before the body is validated, so a
    non-clerk gets 403 whatever they send; the service checks again)."""

    def has_permission(self, request, view):
        return view.action != "create" or is_clerk(request.access)


class _CountedBy:
    """Rows for the paginator counted on the plain queryset: a COUNT(*) keeping the rows' joins
    read every matching row (115 ms against 6 ms for one department at a million)."""

    def __init__(self, rows, counted):
        self.rows, self.counted = rows, counted
        self.ordered = rows.ordered

    def count(self):
        return self.counted.count()

    def __getitem__(self, key):
        return self.rows[key]

    def __len__(self):  # pragma: no cover - the paginator counts with count()
        return self.count()


@extend_schema_view(
    list=extend_schema(summary="Cases the user may see, nearest due date first",
                       responses={200: ComplaintListSerializer, 400: ERROR, 404: ERROR}),
    retrieve=extend_schema(summary="One case with its deadlines and the actions open to the user",
                           responses={200: ComplaintSerializer, 404: ERROR}),
)
class ComplaintViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    lookup_field = "reference"
    filterset_class = ComplaintFilter
    permission_classes = [permissions.IsAuthenticated, RegisterPermission]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema: no user
            return Complaint.objects.none()
        # Visibility first: another department's case never enters the queryset.
        return (
            case_list_visible_to(self.request.access, team_list=self.action == "list")
            .order_by(F("next_due").asc(nulls_last=True), "received_at", "pk")
        )

    def get_serializer_class(self):
        return ComplaintListSerializer if self.action == "list" else ComplaintSerializer

    def list(self, request, *args, **kwargs):
        """ListModelMixin.list over the rows of what the list shows (ComplaintListSerializer.rows),
        the page counted on the plain queryset."""
        queryset = self.filter_queryset(self.get_queryset())
        rows = _CountedBy(ComplaintListSerializer.rows(queryset), queryset)
        page = self.paginate_queryset(rows)
        serializer = ComplaintListSerializer(rows.rows if page is None else page, many=True)
        return Response(serializer.data) if page is None else self.get_paginated_response(serializer.data)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "access": self.request.access}

    def get_object(self):
        return case_get_for_user(self.request.access, self.kwargs["reference"])

    def _detail(self, case, status_code=status.HTTP_200_OK, deadlines=None):
        """The case's JSON; ``deadlines``: its deadline rows when known (not read again)."""
        serializer = ComplaintSerializer(case, context=self.get_serializer_context())
        if deadlines is not None:
            serializer.attrs = serializer.get_attrs([case], [(case.id, row.stage, row.due_on) for row in deadlines])
        return Response(serializer.data, status=status_code)

    @extend_schema(
        summary="Register a complaint (intake clerks)",
        description=(
            "Every field of the clerk's intake form, checked by the same rules (SPEC §14): 400 `invalid_phone` or "
            "`invalid_id_number` for a number that breaks its format, `invalid` for another rule (a missing "
            "contact, a regulator referral without its reference, misconduct without its kind); `extra.fields` "
            "names the fields. A regulator referral without `received_at` was received on its `regulator_date`. "
            "Send an `Idempotency-Key` header to make a retry safe: the same key with the same body within "
            f"{KEY_HOURS} hours registers no second case and answers 201 with the case the first request "
            "registered (header `Idempotent-Replayed: true`); the same key with another body is refused "
            "(422 idempotency_key_reused)."
        ),
        parameters=[OpenApiParameter(
            IDEMPOTENCY_HEADER, OpenApiTypes.STR, OpenApiParameter.HEADER, required=False, pattern=KEY_PATTERN,
            description=f"A unique value per complaint (e.g. a UUID), 1–{KEY_MAX_LENGTH} visible ASCII characters; "
                        f"honoured for {KEY_HOURS} hours.",
        )],
        request=ComplaintCreateSerializer,
        responses={201: ComplaintSerializer, 400: ERROR, 403: ERROR,
                   422: OpenApiResponse(response=ERROR.response,
                                        description="deadline_calendar_missing: the receipt date's year has no "
                                                    "calendar; idempotency_key_reused: the key came with another body")},
    )
    def create(self, request):
        body = ComplaintCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        submission = api_submission(request.user, request.headers.get(IDEMPOTENCY_HEADER), request.data)
        try:
            case = case_create(actor=request.access, data=body.intake_data(), submission=submission)
        except AlreadySubmitted as exc:
            response = self._detail(exc.case, status.HTTP_201_CREATED)
            response["Idempotent-Replayed"] = "true"
            return response
        return self._detail(case, status.HTTP_201_CREATED, case.registered_deadlines)

    @extend_schema(
        summary="Perform a lifecycle action",
        description=(
            "Body `{\"action\": NAME, ...fields}`: each action's fields, and which it requires, are in its own "
            "body schema below. The state is checked first (409 transition_not_allowed), then the role (403), "
            "then the fields (400). Send `version` to refuse the action when the case changed since it was read "
            "(409 case_changed)."
        ),
        request=transition_request_schema(),
        responses={200: ComplaintSerializer, 400: ERROR, 403: ERROR, 404: ERROR,
                   409: OpenApiResponse(response=ERROR.response,
                                        description="transition_not_allowed, case_changed, case_archived, ..."),
                   422: OpenApiResponse(response=ERROR.response, description="deadline_calendar_missing")},
    )
    @action(detail=True, methods=["post"], pagination_class=None, filter_backends=[])
    def transitions(self, request, reference=None):
        chosen = TransitionSerializer(data=request.data)
        chosen.is_valid(raise_exception=True)
        # Types only (partial): which fields the action requires is the service's to say.
        body = action_serializer(chosen.validated_data["action"])(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        name = data.pop("action")
        version = data.pop("version", None)
        case = case_transition(actor=request.access, reference=reference, action=name, data=data,
                               expected_version=version)
        return self._detail(case)

    # history/ and attachments/ answer the whole (short) list of one case as an array: no
    # pagination and none of the case list's filters (documented so in the schema).
    @extend_schema(summary="The case history, oldest first (an array, not paginated)", request=None,
                   responses={200: HistoryEntrySerializer(many=True), 404: ERROR})
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def history(self, request, reference=None):
        case = case_get_for_user(request.access, reference)
        entries = [event_entry(e) for e in case_events(case)]
        entries += _field_changes(case)
        entries.sort(key=lambda e: e["at"])
        return Response(HistoryEntrySerializer(entries, many=True).data)

    @extend_schema(methods=["get"], summary="Attachments of the case (an array, not paginated)", request=None,
                   responses={200: AttachmentSerializer(many=True), 404: ERROR})
    @extend_schema(methods=["post"], summary="Upload an attachment (PDF, JPG, PNG, DOCX, XLSX, MP3, WAV, M4A)",
                   request={"multipart/form-data": AttachmentUploadSerializer},
                   responses={201: AttachmentSerializer, 400: ERROR, 403: ERROR, 404: ERROR})
    @action(detail=True, methods=["get", "post"], pagination_class=None, filter_backends=[])
    def attachments(self, request, reference=None):
        if request.method == "POST":
            body = AttachmentUploadSerializer(data=request.data)
            body.is_valid(raise_exception=True)
            extra = {"kind": body.validated_data["kind"]} if body.validated_data.get("kind") else {}
            attachment = attachment_add(actor=request.access, reference=reference,
                                        uploaded_file=body.validated_data["file"], **extra)
            return Response(AttachmentSerializer(attachment).data, status=status.HTTP_201_CREATED)
        case = case_get_for_user(request.access, reference)
        rows = case.attachments.filter(removed_at__isnull=True).select_related("uploaded_by")
        return Response(AttachmentSerializer(rows, many=True).data)

    @extend_schema(summary="Download an attachment, with the content type its bytes were checked as", request=None,
                   responses={**{(200, mime): OpenApiTypes.BINARY for mime in ATTACHMENT_TYPES}, 404: ERROR})
    @action(detail=True, methods=["get"], url_path=r"attachments/(?P<attachment_id>\d+)", pagination_class=None,
            filter_backends=[])
    def attachment(self, request, reference=None, attachment_id=None):
        return attachment_open(actor=request.access, reference=reference, attachment_id=int(attachment_id))

    @extend_schema(summary="The notices sent to the customer with their proof of notice, SPEC §10 (an array, "
                           "not paginated)", request=None,
                   responses={200: NoticeSerializer(many=True), 404: ERROR})
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def notices(self, request, reference=None):
        case = case_get_for_user(request.access, reference)
        rows = case.notices.select_related("case", "proof_recorded_by")
        return Response(NoticeSerializer(rows, many=True, context={"request": request}).data)

    @extend_schema(summary="Record or correct a notice's proof of notice", request=NoticeProofSerializer,
                   responses={200: NoticeSerializer, 400: OpenApiResponse(
                       response=ERROR.response, description="invalid, customer_not_reached"), 403: ERROR, 404: ERROR,
                              409: OpenApiResponse(response=ERROR.response, description="case_archived")})
    @action(detail=True, methods=["post"], url_path=r"notices/(?P<notice_id>\d+)/proof", pagination_class=None,
            filter_backends=[])
    def notice_proof(self, request, reference=None, notice_id=None):
        body = NoticeProofSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        notice = notice_proof_record(actor=request.access, reference=reference, notice_id=int(notice_id),
                                     data=dict(body.validated_data))
        return Response(NoticeSerializer(notice, context={"request": request}).data)

    @extend_schema(summary="Reveal the customer's full phone number (logged)", request=RevealSerializer,
                   responses={200: OpenApiResponse(response={"type": "object", "properties": {
                       "field": {"type": "string"}, "value": {"type": "string"}}}),
                       400: OpenApiResponse(response=ERROR.response,
                                            description="invalid: a field other than customer_phone (an ID number is "
                                                        "never given out in full by the API)"),
                       403: ERROR, 404: ERROR})
    @action(detail=True, methods=["post"], url_path="personal-data", pagination_class=None, filter_backends=[])
    def personal_data(self, request, reference=None):
        body = RevealSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        field = body.validated_data["field"]
        value = personal_data_reveal(actor=request.access, reference=reference, field=field, via="api")
        return Response({"field": field, "value": value})


def _field_changes(case):
    """Field changes from the case's audit trail, personal data masked (one query, diffs in memory)."""
    records = list(case.history.select_related("history_user").order_by("history_date", "history_id"))
    entries = []
    for previous, record in zip(records, records[1:], strict=False):
        delta = record.diff_against(previous)
        changes = []
        for change in delta.changes:
            if change.field in HIDDEN_FIELDS:
                continue
            mask = MASKED_FIELDS.get(change.field)
            old, new = (mask(change.old or ""), mask(change.new or "")) if mask else (change.old, change.new)
            changes.append({"field": change.field, "old": _plain(old), "new": _plain(new)})
        if changes:
            entries.append({
                "at": record.history_date, "kind": "fields_changed", "label": "", "actor":
                record.history_user.username if record.history_user_id else None,
                "from_status": "", "to_status": "", "data": {}, "changes": changes,
            })
    return entries


def _plain(value):
    """JSON-safe rendering of a field value (dates, decimals, ids)."""
    if value is None or isinstance(value, bool | int | str):
        return value
    return value.isoformat() if hasattr(value, "isoformat") else str(value)
