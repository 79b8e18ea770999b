"""Early-warning pages, included under /assessment/warning/."""
from django.urls import path

from . import views

urlpatterns = [
    path("surges/", views.alerts, name="warning_alerts"),
    path("surges/<int:pk>/", views.alert_detail, name="warning_alert"),
    path("surges/<int:pk>/acknowledge/", views.alert_acknowledge, name="warning_alert_acknowledge"),
]
