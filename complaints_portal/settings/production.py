"""Production: every secret must come from the environment; HTTPS and strict cookies."""
from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F401,F403
from .base import DATABASES, env, env_value

SECRET_KEY = env.str("SECRET_KEY")
FIELD_ENCRYPTION_KEY = env.str("FIELD_ENCRYPTION_KEY")
if len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("Environment variable SECRET_KEY must be at least 50 characters")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_value("SECURE_SSL_REDIRECT", bool, True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env_value("SECURE_HSTS_SECONDS", int, 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# Persistent database connections: opening one per request (the default, 0) costs the web
# worker and PostgreSQL (a new backend process) more CPU than a queue page's queries. The
# health check at the start of a request replaces a connection that died (database restart),
# so an outage still ends without restarting the web workers. Every alias (also the replica).
# On PostgreSQL the check asks the connection's socket instead of sending a statement
# (complaints_portal/postgresql).
for _database in DATABASES.values():
    _database["CONN_MAX_AGE"] = env_value("CONN_MAX_AGE", int, 60)
    _database["CONN_HEALTH_CHECKS"] = True
    if _database["ENGINE"] == "django.db.backends.postgresql":
        _database["ENGINE"] = "complaints_portal.postgresql"
