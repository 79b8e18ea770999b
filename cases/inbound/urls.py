from django.urls import path

from . import views

urlpatterns = [
    path("classify/", views.classify, name="email_case_classify"),
]
