"""Routes of the assessment API, included under /api/v1/ by complaints_portal/urls.py."""
from django.urls import path

from assessment.warning.api import SurgeAlertAcknowledgeView, SurgeAlertListView

from .views import FollowUpAttemptCreateView, FollowUpCreateView

urlpatterns = [
    path("complaints/<str:reference>/followups/", FollowUpCreateView.as_view(), name="api-followup-create"),
    path(
        "complaints/<str:reference>/followups/attempts/",
        FollowUpAttemptCreateView.as_view(),
        name="api-followup-attempt-create",
    ),
    path("warning/surges/", SurgeAlertListView.as_view(), name="api-surge-alerts"),
    path("warning/surges/<int:pk>/acknowledge/", SurgeAlertAcknowledgeView.as_view(), name="api-surge-alert-acknowledge"),
]
