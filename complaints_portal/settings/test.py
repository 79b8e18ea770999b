"""Test settings: the database and broker come from the environment (PostgreSQL + Redis in CI)."""
from .base import *  # noqa: F401,F403

DEBUG = False
SECRET_KEY = "test-only-not-secret"  # noqa: S105
FIELD_ENCRYPTION_KEY = "dGVzdC1rZXktdGhpcnR5LXR3by1ieXRlcy1sb25nISE="
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = False
MEDIA_ROOT = BASE_DIR / "var" / "test-attachments"  # noqa: F405
STORAGES = {  # noqa: F405
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
AXES_ENABLED = True
# Whitenoise warns at start-up when STATIC_ROOT is missing; tests serve through the finders.
STATIC_ROOT.mkdir(exist_ok=True)  # noqa: F405
# Assertions read the English source strings; the tests of the Chinese default (public pages,
# language switch, settings) ask for zh-hans explicitly.
LANGUAGE_CODE = "en"
