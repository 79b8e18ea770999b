from django.urls import path

from . import views

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/cases/", views.drilldown, name="assessment_drilldown"),
    path("dashboard/export.<str:fmt>", views.kpi_export, name="assessment_export"),
    path("targets/", views.targets, name="assessment_targets"),
    path("followups/", views.followup_queue, name="followup_queue"),
    path("followups/<str:reference>/attempt/", views.followup_attempt, name="followup_attempt"),
    path("followups/<str:reference>/visit/", views.followup_visit, name="followup_visit"),
]
