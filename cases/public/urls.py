from django.urls import path

from . import views

urlpatterns = [
    path("complain/", views.complaint_form, name="public_complaint_form"),
    path("complain/done/", views.complaint_done, name="public_complaint_done"),
    path("status/", views.status_lookup, name="public_status"),
    path("privacy/", views.privacy_notice, name="public_privacy"),
]
