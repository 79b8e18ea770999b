"""Settings shared by every environment: Django, the database, security, languages, the API.
All configuration comes from the environment through one django-environ object
(environment.py); `.env.example` documents each variable. The channels to and from customers
are in channels.py, Celery and the periodic jobs in jobs.py."""
from datetime import timedelta
from ipaddress import ip_network
from pathlib import Path

import django.forms
from django.core.exceptions import ImproperlyConfigured

from complaints_portal.common.storage_url import storage_from_url

from .channels import *  # noqa: F401,F403
from .environment import BASE_DIR, TIME_ZONE, env, env_value  # noqa: F401
from .jobs import *  # noqa: F401,F403

DEBUG = env_value("DEBUG", bool, False)
SECRET_KEY = env.str("SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",  # Django's widget templates for Django's engine (the admin's widgets include them)
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "simple_history",
    "complaints_portal.common.apps.SignInLockoutsConfig",  # django-axes
    "complaints_portal.common",
    "cases",
    "cases.triage",
    "assessment",
]

MIDDLEWARE = [
    # First, so that the measured time includes every other middleware (/metrics, below).
    "complaints_portal.common.metrics.RequestMetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Reads right after the browser's own write stay on the primary (no-op without a replica).
    "complaints_portal.db_router.ReplicaPinMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.access: the user's roles, memberships, teams and unread count, read on first use.
    "complaints_portal.common.roles.AccessMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "complaints_portal.common.middleware.SecurityHeadersMiddleware",
    "complaints_portal.common.middleware.RequestSanityMiddleware",
    "complaints_portal.common.login_limits.LoginAddressLimitMiddleware",
    # Last, so that it sees the authenticated user and wraps every view.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "complaints_portal.urls"
WSGI_APPLICATION = "complaints_portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "complaints_portal.common.context_processors.portal",
            ],
        },
    },
    # Jinja2 (jinja2/) for the markup a request renders many times over: the one field template
    # of every form (includes/field.html) and the widget templates (Django's own Jinja2 ones; the
    # three used most written out in jinja2/django/forms/widgets/), the case table, and the
    # bodies of the queue and case pages around them. Measured with bench/profile_pages.py (CPU
    # per request, medians, 1M cases, old and new code alternated; old = rows, fields and
    # widgets written as Python strings): with Django templates the queue page took 8.0 ms
    # against 5.1 (1.56x) and the case page 16.1 ms against 10.0 (1.61x); with Jinja2 5.4 ms
    # against 5.2 (1.03x) and 10.5 ms against 10.3 (1.02x), the list API (no template)
    # 4.9 against 4.8. Compiled templates are cached: Django's cached loader (its default) and
    # Jinja2's environment (auto_reload only with DEBUG).
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "NAME": "jinja2",
        "DIRS": [BASE_DIR / "jinja2", Path(django.forms.__file__).parent / "jinja2"],
        "APP_DIRS": False,
        "OPTIONS": {
            "environment": "complaints_portal.common.rendering.environment",
            "filter_libraries": ["cases.templatetags.case_tags"],
        },
    },
]
# Every form renders through jinja2/includes/form_fields.html (a whole form) and
# jinja2/includes/field.html (one field: label, required mark, help text, errors), the one
# field template of the portal; complaints_portal/common/rendering.py.
FORM_RENDERER = "complaints_portal.common.rendering.PortalFormRenderer"

# SQLite file in the project by default, so the portal runs with nothing else installed.
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'var' / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"].setdefault("CONN_MAX_AGE", env_value("CONN_MAX_AGE", int, 0))
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web process read while the worker writes; the timeout rides out short locks.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )

# Optional read replica (a streaming standby of the primary): KPI, dashboard, report and export
# reads go there, everything else stays on the primary (complaints_portal/db_router.py).
# The "replica" alias exists only when DATABASE_REPLICA_URL is set; code checks for it.
DATABASE_REPLICA_URL = env.str("DATABASE_REPLICA_URL", default="")
if DATABASE_REPLICA_URL:
    _replica = env.db_url_config(DATABASE_REPLICA_URL)
    if _replica.get("ENGINE") != DATABASES["default"]["ENGINE"]:
        raise ImproperlyConfigured(
            "Environment variable DATABASE_REPLICA_URL has an invalid value "
            "(it must be a database of the same kind as DATABASE_URL)"
        )
    _replica.setdefault("CONN_MAX_AGE", DATABASES["default"]["CONN_MAX_AGE"])
    # Tests use the test database through this alias instead of creating one on the replica.
    _replica["TEST"] = {"MIRROR": "default"}
    DATABASES["replica"] = _replica

# PostgreSQL: parameters bound by the server, and a statement run five times on a connection
# prepared (psycopg's prepare_threshold), so that a persistent connection (CONN_MAX_AGE)
# parses and plans a page's queries once instead of on every request; PostgreSQL keeps a
# generic plan only where it costs no more than the plans for the values given. Connections
# through a pooler that cannot keep prepared statements (PgBouncer in transaction mode)
# set DATABASE_PREPARED_STATEMENTS=off.
DATABASE_PREPARED_STATEMENTS = env_value("DATABASE_PREPARED_STATEMENTS", bool, True)
for _database in DATABASES.values():
    if _database["ENGINE"] == "django.db.backends.postgresql":
        _database.setdefault("OPTIONS", {}).update(
            server_side_binding=True, prepare_threshold=5 if DATABASE_PREPARED_STATEMENTS else None,
        )
DATABASE_ROUTERS = ["complaints_portal.db_router.PrimaryReplicaRouter"]
# After a user's own write, their reads stay on the primary this long (replica lag allowance).
REPLICA_PIN_SECONDS = env_value("REPLICA_PIN_SECONDS", int, 5)
# Jobs and commands wait this long for the replica to catch up, then read on the primary.
REPLICA_CATCH_UP_SECONDS = env_value("REPLICA_CATCH_UP_SECONDS", int, 30)
if REPLICA_PIN_SECONDS < 0 or REPLICA_CATCH_UP_SECONDS < 0:
    raise ImproperlyConfigured("REPLICA_PIN_SECONDS and REPLICA_CATCH_UP_SECONDS must not be negative")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Covering indexes (INCLUDE) exist for PostgreSQL; SQLite builds them without the extra columns.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
SESSION_COOKIE_AGE = env_value("SESSION_COOKIE_AGE", int, 8 * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
# SPEC §1: a URL never carries personal data (list searches are kept server-side, see
# cases.searches); the Referer leaves the site without even the path, in every environment.
SECURE_REFERRER_POLICY = "same-origin"

# Brute-force protection on the staff login: lock a user+IP pair after repeated failures.
AXES_FAILURE_LIMIT = env_value("AXES_FAILURE_LIMIT", int, 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_value("AXES_COOLOFF_MINUTES", int, 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# Failed log-ins from one address, whatever the username, within AXES_COOLOFF_MINUTES
# (complaints_portal.common.login_limits).
LOGIN_FAILURES_PER_IP = env_value("LOGIN_FAILURES_PER_IP", int, 20)
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

LANGUAGE_CODE = env.str("LANGUAGE_CODE", default="zh-hans")
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
# The public pages' messages are kept apart in their own catalogue.
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "cases" / "public" / "locale"]
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    # Attachments: local files under ATTACHMENT_ROOT unless STORAGE_URL names an S3-compatible
    # bucket (s3://BUCKET?endpoint_url=…; credentials in AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY).
    "default": storage_from_url(env.str("STORAGE_URL", default="")),
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Attachments live outside the web root and are only served through a permission-checked view.
MEDIA_ROOT = Path(env.str("ATTACHMENT_ROOT", default=str(BASE_DIR / "var" / "attachments")))
# Local attachments on several machines need one shared directory (a network mount); say so
# here to silence the deployment check portal.W012 once it is true.
ATTACHMENT_ROOT_SHARED = env_value("ATTACHMENT_ROOT_SHARED", bool, False)
# Never routed: attachments are served only by the permission-checked download view. A value
# is still needed because the test live server refuses to start without one.
MEDIA_URL = "/attachments-are-not-served-here/"
ATTACHMENT_MAX_BYTES = env_value("ATTACHMENT_MAX_MB", int, 20) * 1024 * 1024
FILE_UPLOAD_PERMISSIONS = 0o640

# Key for the encrypted ID-number column (Fernet, urlsafe base64 of 32 bytes).
FIELD_ENCRYPTION_KEY = env.str("FIELD_ENCRYPTION_KEY", default="")

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env_value("EMAIL_PORT", int, 25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env_value("EMAIL_USE_TLS", bool, False)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="complaints@localhost")

PORTAL_BASE_URL = env.str("PORTAL_BASE_URL", default="http://127.0.0.1:8000")

# Rate-limit counters, cached KPI tables: set CACHE_URL to Redis (e.g. redis://127.0.0.1:6379/2)
# in production so that every web process shares them; locmem is per process.
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}

# Retention of archived cases (SPEC §8): default 10 years, never below the floor of 3.
RETENTION_YEARS = max(3, env_value("RETENTION_YEARS", int, 10))

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "complaints_portal.common.tokens.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "complaints_portal.common.api.exception_handler",
    "DEFAULT_PARSER_CLASSES": [
        "complaints_portal.common.api.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Complaint case management API",
    "DESCRIPTION": "Complaint intake, lifecycle transitions, deadlines and follow-up visits.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI assets ship in a Python package: no CDN, and the CSP stays 'self'.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "complaints_portal.common.api.document_refusals",
        "complaints_portal.common.api.document_body_text",
        "cases.api.schema_hooks.link_case_paths",
        "cases.api.schema_hooks.require_transition_body",
    ],
    # Two different "outcome" choice sets (case outcome, follow-up outcome) need distinct names,
    # as do the two "kind" sets (an attachment's, a pause's).
    "ENUM_NAME_OVERRIDES": {
        "CaseOutcomeEnum": "cases.models.case.Outcome.choices",
        "AttachmentKindEnum": "cases.models.parts.Attachment.Kind",
        "PauseKindEnum": "cases.models.parts.Pause.Kind",
        "MajorReasonEnum": "cases.models.flags.MajorReason",
        "FollowUpOutcomeEnum": "assessment.models.FOLLOWUP_OUTCOME_CHOICES",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # Axes would log usernames of failed logins at INFO; keep them at WARNING and above.
        "axes": {"level": "WARNING"},
    },
}

# --- Directory sign-in (SPEC §14): LDAP / Active Directory through django-auth-ldap ----------
# Unset: local passwords only. Set: the AUTH_LDAP_* settings and the group mappings from the
# LDAP_* variables (complaints_portal/common/directory_settings.py), and the directory backend
# between axes (lock-out for both) and the local passwords (ModelBackend).
LDAP_SERVER_URI = env.str("LDAP_SERVER_URI", default="")
if LDAP_SERVER_URI:
    from complaints_portal.common.directory_settings import directory_settings

    globals().update(directory_settings(env, env_value, LDAP_SERVER_URI))
    AUTHENTICATION_BACKENDS = [AUTHENTICATION_BACKENDS[0], "complaints_portal.common.directory.DirectoryBackend",
                               *AUTHENTICATION_BACKENDS[1:]]

# --- Monitoring: Prometheus metrics at /metrics (complaints_portal/common/metrics.py) ----------
# Who may read /metrics: a bearer token and/or client networks (both must pass when both are
# set). With neither, /metrics answers 404.
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
METRICS_ALLOWED_IPS = []
for _network in filter(None, (item.strip() for item in env.list("METRICS_ALLOWED_IPS", default=[]))):
    try:
        METRICS_ALLOWED_IPS.append(ip_network(_network, strict=False))
    except ValueError as exc:
        raise ImproperlyConfigured(
            f"Environment variable METRICS_ALLOWED_IPS has an invalid address or network: {_network!r}"
        ) from exc
# Figures computed when the scrape arrives (health, queues, replica lag, overdue cases).
METRICS_COLLECTORS = [
    "complaints_portal.common.metrics.PortalCollector",
    "cases.metrics.OverdueCasesCollector",
]

