from django.urls import path

from cases import views

urlpatterns = [
    path("dashboard/", views.home, name="dashboard"),
    path("followups/", views.home, name="followup_queue"),
]
