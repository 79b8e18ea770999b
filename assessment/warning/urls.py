"""Early-warning pages, included under /assessment/warning/."""
from django.urls import path

from . import views

urlpatterns = [
    path("surges/", views.alerts, name="warning_alerts"),
    path("surges/<int:pk>/", views.alert_detail, name="warning_alert"),
    path("surges/<int:pk>/acknowledge/", views.alert_acknowledge, name="warning_alert_acknowledge"),
    path("organised/", views.reviews, name="warning_reviews"),
    path("organised/<int:pk>/", views.review_detail, name="warning_review"),
    path("organised/<int:pk>/decide/", views.review_decide, name="warning_review_decide"),
]
