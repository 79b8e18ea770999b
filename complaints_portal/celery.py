"""Celery application: configuration comes from Django settings (CELERY_ namespace)."""
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "complaints_portal.settings.local")

app = Celery("complaints_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
