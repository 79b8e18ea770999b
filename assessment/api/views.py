"""Follow-up visits through the API (SPEC §9): cases found through cases.selectors, written
through assessment.kpi.followups, as the pages do."""
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from assessment.kpi import followups
from cases.api.views import ERROR
from cases.selectors import case_get_for_user

from .serializers import (
    FollowUpAttemptCreateSerializer,
    FollowUpAttemptSerializer,
    FollowUpCreateSerializer,
    FollowUpVisitSerializer,
)


def _created(request, reference, serializer_class, record, out_serializer_class):
    """Validate the body, write it for the case the user may see, answer 201 with the row."""
    case = case_get_for_user(request.user, reference)
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return Response(out_serializer_class(record(case, serializer.validated_data)).data, status=status.HTTP_201_CREATED)


class FollowUpCreateView(APIView):
    @extend_schema(
        summary="Record the outcome of a follow-up visit (回访)",
        request=FollowUpCreateSerializer,
        responses={201: FollowUpVisitSerializer, 400: ERROR, 403: ERROR, 404: ERROR, 409: ERROR},
    )
    def post(self, request, reference):
        return _created(request, reference, FollowUpCreateSerializer, lambda case, data: followups.followup_record(
            case, request.user, data["outcome"], rating=data.get("rating"), visited_at=data.get("visited_at"),
            comment=data.get("comment", ""),
        ), FollowUpVisitSerializer)


class FollowUpAttemptCreateView(APIView):
    @extend_schema(
        summary="Record one attempt to reach the customer for the follow-up visit",
        request=FollowUpAttemptCreateSerializer,
        responses={201: FollowUpAttemptSerializer, 400: ERROR, 403: ERROR, 404: ERROR, 409: ERROR},
    )
    def post(self, request, reference):
        return _created(request, reference, FollowUpAttemptCreateSerializer, lambda case, data: (
            followups.followup_attempt_record(case, request.user, at=data.get("at"), channel=data["channel"],
                                              result=data["result"], note=data["note"])
        ), FollowUpAttemptSerializer)
