from django.urls import path

from . import notification_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path("cases/", views.case_list, name="case_list"),
    path("cases/new/", views.case_create, name="case_create"),
    path("queue/intake/", views.intake_queue, name="intake_queue"),
    path("queue/department/", views.department_queue, name="department_queue"),
    path("notifications/", notification_views.notifications, name="notifications"),
    path("complain/", views.public_complaint, name="public_complaint"),
]
