"""Embedded default: SQLite and the filesystem broker, debug on unless the environment says otherwise."""
from .base import *  # noqa: F401,F403
from .base import env_value

DEBUG = env_value("DEBUG", bool, True)
SECRET_KEY = SECRET_KEY or "local-development-only-not-secret"  # noqa: F405
FIELD_ENCRYPTION_KEY = FIELD_ENCRYPTION_KEY or "bG9jYWwtZGV2ZWxvcG1lbnQta2V5LTMyLWJ5dGVzISE="  # noqa: F405
