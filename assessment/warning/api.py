"""Surge alerts through the API (supervisors): the list and the acknowledgement. Thin: the
acknowledgement goes through assessment.warning.surge, like the page."""
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from assessment.supervision.common import require_supervisor
from cases.api.views import ERROR

from . import surge
from .models import SurgeAlert


class SurgeAlertSerializer(serializers.ModelSerializer):
    cases = serializers.SlugRelatedField(many=True, read_only=True, slug_field="reference")
    acknowledged_by = serializers.StringRelatedField()

    class Meta:
        model = SurgeAlert
        fields = ["id", "dimension", "key", "window_start", "window_end", "count", "mean", "stdev", "threshold",
                  "history_windows", "raised_at", "cases", "acknowledged_at", "acknowledged_by", "note"]


class AcknowledgeSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=2000)


class SurgeAlertListView(APIView):
    @extend_schema(summary="Surge alerts (open ones first: ?state=open|acknowledged|all)",
                   responses={200: SurgeAlertSerializer(many=True), 403: ERROR})
    def get(self, request):
        require_supervisor(request.user)
        rows = SurgeAlert.objects.order_by("-window_end", "pk").prefetch_related("cases").select_related("acknowledged_by")
        state = request.query_params.get("state", "open")
        if state == "open":
            rows = rows.filter(acknowledged_at__isnull=True)
        elif state == "acknowledged":
            rows = rows.filter(acknowledged_at__isnull=False)
        return Response(SurgeAlertSerializer(rows[:500], many=True).data)


class SurgeAlertAcknowledgeView(APIView):
    @extend_schema(summary="Acknowledge a surge alert with a note", request=AcknowledgeSerializer,
                   responses={200: SurgeAlertSerializer, 400: ERROR, 403: ERROR, 404: ERROR, 409: ERROR})
    def post(self, request, pk):
        serializer = AcknowledgeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        alert = surge.surge_alert_acknowledge(actor=request.user, alert_id=pk, note=serializer.validated_data["note"])
        return Response(SurgeAlertSerializer(alert).data)
