from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from assessment.models import FollowUpAttempt, FollowUpVisit


class FollowUpCreateSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=FollowUpVisit.Outcome.choices)
    rating = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=5)
    visited_at = serializers.DateTimeField(required=False, allow_null=True, help_text=_("Default: now."))
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class FollowUpVisitSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(source="case.reference", read_only=True)
    by = serializers.CharField(source="by.username", read_only=True, default=None)

    class Meta:
        model = FollowUpVisit
        fields = ["id", "reference", "outcome", "rating", "comment", "visited_at", "by"]


class FollowUpAttemptCreateSerializer(serializers.Serializer):
    at = serializers.DateTimeField(required=False, allow_null=True)
    channel = serializers.CharField(required=False, default="phone", max_length=20)
    result = serializers.ChoiceField(choices=FollowUpAttempt.Result.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)


class FollowUpAttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = FollowUpAttempt
        fields = ["id", "at", "channel", "result", "note"]
