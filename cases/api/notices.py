"""The notices of a case in the API (SPEC §10): what was sent, its PDF and its proof of notice."""
from django.urls import reverse
from rest_framework import serializers

from ..models import Decision, Notice


class NoticeSerializer(serializers.ModelSerializer):
    """One notice: `sent_at` is the date of notice (null until a proof that counts is recorded);
    `document_url` downloads its PDF (the case's attachment)."""

    document_url = serializers.SerializerMethodField()
    evidence_attachment = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    proof_recorded_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    method = serializers.ChoiceField(choices=Decision.Method.choices, allow_blank=True, read_only=True)

    class Meta:
        model = Notice
        fields = ["id", "kind", "round", "language", "title", "body", "created_at", "method", "sent_at", "evidence",
                  "evidence_attachment", "customer_reached", "proof_recorded_by", "document_url"]
        read_only_fields = fields

    def get_document_url(self, notice) -> str | None:
        if notice.document_id is None:
            return None
        path = reverse("complaint-attachment", kwargs={"reference": notice.case.reference,
                                                       "attachment_id": notice.document_id})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class NoticeProofSerializer(serializers.Serializer):
    """The proof of notice (Art. 21). A phone call counts only with `customer_reached` true."""

    method = serializers.ChoiceField(choices=Decision.Method.choices)
    sent_at = serializers.DateTimeField(required=False, help_text="When it was sent or handed over; default now.")
    evidence = serializers.CharField(max_length=200, required=False, allow_blank=True,
                                     help_text="Tracking number, call-recording reference, signed receipt...")
    evidence_attachment = serializers.IntegerField(required=False, min_value=1, max_value=2**31 - 1,
                                                   help_text="An attachment of the case as evidence.")
    customer_reached = serializers.BooleanField(required=False, help_text="Required true for a phone call.")
