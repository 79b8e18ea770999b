from django.urls import include, path

from . import notification_views, saved_filter_views, views, workload_views
from .notices import views as notice_views
from .triage import views as triage_views

urlpatterns = [
    path("", views.home, name="home"),
    path("cases/", views.case_list, name="case_list"),
    path("cases/export.<str:fmt>", views.case_list_export, name="case_list_export"),
    path("cases/filters/", saved_filter_views.saved_filter_create, name="saved_filter_create"),
    path("cases/filters/<int:pk>/delete/", saved_filter_views.saved_filter_remove, name="saved_filter_remove"),
    path("cases/new/", views.case_create, name="case_create"),
    path("cases/new/duplicates/", views.duplicate_check, name="duplicate_check"),
    path("cases/new/triage/", triage_views.triage_suggest, name="triage_suggest"),
    path("cases/new/route/", workload_views.intake_route, name="intake_route"),
    path("cases/<str:reference>/", views.case_detail, name="case_detail"),
    path("cases/<str:reference>/act/<slug:action>/", views.case_action, name="case_action"),
    path("cases/<str:reference>/act/<slug:action>/form/", views.case_action_form, name="case_action_form"),
    path("cases/<str:reference>/email/", include("cases.inbound.urls")),
    path("cases/<str:reference>/show/<slug:field>/", views.personal_data_show, name="personal_data_show"),
    path("cases/<str:reference>/attachments/", views.attachment_upload, name="attachment_upload"),
    path("cases/<str:reference>/attachments/<int:attachment_id>/", views.attachment_download,
         name="attachment_download"),
    path("cases/<str:reference>/notices/<int:notice_id>/proof/", notice_views.notice_proof, name="notice_proof"),
    path("queue/intake/", views.intake_queue, name="intake_queue"),
    path("queue/department/", views.department_queue, name="department_queue"),
    path("queue/bulk/", workload_views.bulk_action, name="case_bulk"),
    path("queue/caseload/", workload_views.caseload, name="caseload"),
    path("notifications/", notification_views.notifications, name="notifications"),
    path("notifications/bell/", notification_views.notifications_bell, name="notifications_bell"),
    path("notifications/<int:pk>/open/", notification_views.notification_open, name="notification_open"),
    path("complain/", views.public_complaint, name="public_complaint"),
]
