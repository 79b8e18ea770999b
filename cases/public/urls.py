from django.urls import path

from . import gateway_views, views

urlpatterns = [
    path("complain/", views.complaint_form, name="public_complaint_form"),
    path("complain/done/", views.complaint_done, name="public_complaint_done"),
    path("status/", views.status_lookup, name="public_status"),
    path("privacy/", views.privacy_notice, name="public_privacy"),
    path("sms/delivery-report/", gateway_views.sms_delivery_report, name="public_sms_delivery_report"),
]
