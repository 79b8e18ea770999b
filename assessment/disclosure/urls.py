"""The disclosure page, included under /assessment/disclosure/."""
from django.urls import path

from . import views

urlpatterns = [
    path("", views.disclosure, name="disclosure"),
    path("medians/", views.median_save, name="disclosure_medians"),
]
