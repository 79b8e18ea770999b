"""Routes of the assessment API, included under /api/v1/ by complaints_portal/urls.py."""
from django.urls import path

from .views import FollowUpAttemptCreateView, FollowUpCreateView

urlpatterns = [
    path("complaints/<str:reference>/followups/", FollowUpCreateView.as_view(), name="api-followup-create"),
    path(
        "complaints/<str:reference>/followups/attempts/",
        FollowUpAttemptCreateView.as_view(),
        name="api-followup-attempt-create",
    ),
]
