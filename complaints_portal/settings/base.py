"""Settings shared by every environment. All configuration comes from the environment
through one django-environ object; `.env.example` documents each variable."""
from datetime import timedelta
from ipaddress import ip_network
from pathlib import Path

import django.forms
import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from kombu import Queue

from complaints_portal.common.channel_settings import (
    bounded,
    existing_file,
    gateway_url,
    mailboxes_from_env,
    sms_templates_from_env,
)
from complaints_portal.common.storage_url import storage_from_url

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

_BOOL_WORDS = {"1", "0", "true", "false", "yes", "no", "on", "off"}


def env_value(name, cast, default):
    """Read one variable; a malformed value stops start-up with a message naming it.

    django-environ turns an unknown boolean word into False and lets int() raise an
    anonymous ValueError; both would hide a typo in production configuration.
    """
    raw = env.str(name, default=None)
    if raw is None:
        return default
    try:
        if cast is bool:
            if raw.strip().lower() not in _BOOL_WORDS:
                raise ValueError(raw)
            return raw.strip().lower() in {"1", "true", "yes", "on"}
        return cast(raw)
    except (TypeError, ValueError) as exc:
        raise ImproperlyConfigured(f"Environment variable {name} has an invalid value") from exc


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
    "axes",
    "complaints_portal.common",
    "cases",
    "assessment",
]

MIDDLEWARE = [
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
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Shanghai")
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

# Retention of archived cases (SPEC §8): default 10 years, never below the floor of 3.
RETENTION_YEARS = max(3, env_value("RETENTION_YEARS", int, 10))

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
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
    ],
    # Two different "outcome" choice sets (case outcome, follow-up outcome) need distinct names,
    # as do the two "kind" sets (an attachment's, a pause's).
    "ENUM_NAME_OVERRIDES": {
        "CaseOutcomeEnum": "cases.models.case.Outcome.choices",
        "AttachmentKindEnum": "cases.models.parts.Attachment.Kind",
        "PauseKindEnum": "cases.models.parts.Pause.Kind",
        "FollowUpOutcomeEnum": "assessment.models.FOLLOWUP_OUTCOME_CHOICES",
    },
}

# --- Celery -------------------------------------------------------------------------------
# The embedded default is kombu's filesystem transport: no server needed. Production uses Redis.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    _queue_dir = BASE_DIR / "var" / "broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir / "queue"),
        "data_folder_out": str(_queue_dir / "queue"),
        "processed_folder": str(_queue_dir / "processed"),
        "control_folder": str(_queue_dir / "control"),
        "store_processed": False,
    }
    # The transport needs its folders to exist before the first message is published.
    for _sub in ("queue", "processed", "control"):
        (_queue_dir / _sub).mkdir(parents=True, exist_ok=True)
else:
    # Redis: a task not acknowledged within this window is redelivered (worker died mid-run).
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TIMEZONE = TIME_ZONE
CELERY_ENABLE_UTC = True
# A task is acknowledged only after it ran, so a worker killed mid-run means a retry, not a loss;
# every task is written to be safe to run twice for this reason.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env_value("CELERY_TASK_SOFT_TIME_LIMIT", int, 240)
CELERY_TASK_TIME_LIMIT = env_value("CELERY_TASK_TIME_LIMIT", int, 300)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE_FILENAME = str(BASE_DIR / "var" / "celerybeat-schedule")

# Queues by kind of work, so that each group gets its own worker machines (docker-compose.yml,
# Procfile) and a slow report never delays an escalation. A worker started without -Q consumes
# every queue listed here (the embedded default, Procfile.local). The monitoring reads the names.
CELERY_QUEUE_NAMES = ["deadlines", "notifications", "reports", "imports", "celery"]
CELERY_TASK_DEFAULT_QUEUE = "celery"  # anything not routed below
CELERY_TASK_QUEUES = [Queue(name, routing_key=name) for name in CELERY_QUEUE_NAMES]
CELERY_TASK_ROUTES = {
    # Bulk imports, when they run as tasks: name them *.import_* and they land here (patterns
    # are tried in this order, after the exact names).
    "*.import_*": {"queue": "imports"},
    "cases.tasks.deadline_sweep": {"queue": "deadlines"},
    "cases.tasks.recompute_deadlines": {"queue": "deadlines"},
    "cases.tasks.deliver_notification": {"queue": "notifications"},
    "cases.tasks.deliver_pending_notifications": {"queue": "notifications"},
    "cases.public.tasks.*": {"queue": "notifications"},
    "cases.tasks.anonymise_expired_cases": {"queue": "reports"},
    "assessment.tasks.*": {"queue": "reports"},
    "assessment.supervision_tasks.*": {"queue": "reports"},
}

# Exactly one scheduler. On Redis, beat is celery-redbeat: the schedule and each entry's last
# run live in Redis, and a beat process sends nothing until it holds a Redis lock, so a second
# beat started by mistake (or as a standby on another machine) waits; it takes over when the
# holder stops (lock released) or dies (lock expires after REDBEAT_LOCK_TIMEOUT seconds), and
# continues from the last run recorded in Redis rather than sending it again. The filesystem
# broker (one machine) keeps celery's file scheduler.
if CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    CELERY_BEAT_SCHEDULER = "redbeat.RedBeatScheduler"
    CELERY_REDBEAT_REDIS_URL = env.str("REDBEAT_REDIS_URL", default=CELERY_BROKER_URL)
    CELERY_REDBEAT_REDIS_OPTIONS = {}  # the broker's transport options are not the scheduler's
    CELERY_REDBEAT_KEY_PREFIX = env.str("REDBEAT_KEY_PREFIX", default="redbeat:")
    CELERY_REDBEAT_LOCK_TIMEOUT = env_value("REDBEAT_LOCK_TIMEOUT", int, 60)
    if CELERY_REDBEAT_LOCK_TIMEOUT < 3:
        raise ImproperlyConfigured("Environment variable REDBEAT_LOCK_TIMEOUT must be at least 3 (seconds)")
    # The holder renews the lock on every tick, so it must tick well inside the lock timeout.
    CELERY_BEAT_MAX_LOOP_INTERVAL = max(1, min(10, CELERY_REDBEAT_LOCK_TIMEOUT // 3))
# Connections that write the legacy import's batches at once (PostgreSQL, outside a
# transaction); each takes one more database connection while an import runs.
LEGACY_IMPORT_WRITERS = env_value("LEGACY_IMPORT_WRITERS", int, 2)
if not 1 <= LEGACY_IMPORT_WRITERS <= 8:
    raise ImproperlyConfigured("Environment variable LEGACY_IMPORT_WRITERS must be between 1 and 8")
DEADLINE_SWEEP_MINUTES = env_value("DEADLINE_SWEEP_MINUTES", int, 5)
# A seconds-level override for test and multi-process runs (bench/cluster_run.py).
DEADLINE_SWEEP_SECONDS = env_value("DEADLINE_SWEEP_SECONDS", int, DEADLINE_SWEEP_MINUTES * 60)
if DEADLINE_SWEEP_SECONDS < 1:
    raise ImproperlyConfigured("Environment variable DEADLINE_SWEEP_SECONDS (or _MINUTES) must be at least 1")
CELERY_BEAT_SCHEDULE = {
    # Reminders, overdue marking and escalation of stage deadlines (SPEC §4).
    "deadline-sweep": {
        "task": "cases.tasks.deadline_sweep",
        "schedule": timedelta(seconds=DEADLINE_SWEEP_SECONDS),
    },
    # Deliver notifications left pending (e.g. the mail server was down at the time).
    "notification-retry": {
        "task": "cases.tasks.deliver_pending_notifications",
        "schedule": timedelta(minutes=10),
    },
    # Quarterly KPI snapshot of the quarter just ended, with the rule version (SPEC §5).
    "kpi-quarterly-snapshot": {
        "task": "assessment.tasks.snapshot_previous_quarter",
        "schedule": crontab(minute=30, hour=1, day_of_month=1, month_of_year="1,4,7,10"),
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

PORTAL_ROLE_LABELS = {
    "intake_clerk": _("Intake clerk"),
    "investigator": _("Investigator"),
    "department_head": _("Department head"),
    "senior_manager": _("Senior manager"),
    "supervisor": _("Supervisor"),
    "administrator": _("Administrator"),
}

# --- Public channel (online complaint form, status look-up, customer messages) --------------
# Rate limits count in the cache: set CACHE_URL to Redis (e.g. redis://127.0.0.1:6379/2) in
# production so that every web process shares the counters; locmem is per process.
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}
PUBLIC_RATE_LIMITS = {
    # name: (requests allowed, window in seconds)
    "complaint_ip": (env_value("PUBLIC_COMPLAINTS_PER_IP_HOUR", int, 10), 3600),
    "complaint_phone": (env_value("PUBLIC_COMPLAINTS_PER_PHONE_DAY", int, 3), 86400),
    "status_ip": (env_value("PUBLIC_STATUS_LOOKUPS_PER_IP_HOUR", int, 30), 3600),
    # Failed look-ups from one client, against guessing codes and phone numbers. Counted per
    # client, not per code: a stranger's failures never lock the real customer out.
    "status_failures_ip": (env_value("PUBLIC_STATUS_FAILURES_PER_IP_DAY", int, 10), 86400),
}
PUBLIC_MAX_ATTACHMENTS = env_value("PUBLIC_MAX_ATTACHMENTS", int, 5)
# Where customer SMS go: a class with send(phone, text). The console (default) and log backends
# mask the number; cases.public.sms_gateway.HttpSmsBackend posts to the company's SMS platform.
SMS_BACKEND = env.str("SMS_BACKEND", default="cases.public.messaging.ConsoleSmsBackend")
HTTP_SMS_BACKEND = "cases.public.sms_gateway.HttpSmsBackend"
# The SMS platform (SPEC §14), its contract in cases/public/sms_gateway.py: URL, Basic-auth
# credentials, the platform's template id for each message kind (received=SMS_100001,…), the
# signature name it prefixes, and the secret that signs its delivery reports to the portal.
SMS_GATEWAY_URL = env.str("SMS_GATEWAY_URL", default="")
SMS_GATEWAY_USERNAME = env.str("SMS_GATEWAY_USERNAME", default="")
SMS_GATEWAY_PASSWORD = env.str("SMS_GATEWAY_PASSWORD", default="")
SMS_GATEWAY_TEMPLATES = sms_templates_from_env(env.list("SMS_GATEWAY_TEMPLATES", default=[]))
SMS_GATEWAY_SIGN_NAME = env.str("SMS_GATEWAY_SIGN_NAME", default="")
SMS_GATEWAY_TIMEOUT_SECONDS = bounded(env_value("SMS_GATEWAY_TIMEOUT_SECONDS", int, 10),
                                      "SMS_GATEWAY_TIMEOUT_SECONDS", 1, 120)
SMS_GATEWAY_CALLBACK_SECRET = env.str("SMS_GATEWAY_CALLBACK_SECRET", default="")
if SMS_BACKEND == HTTP_SMS_BACKEND:
    for _name in ("SMS_GATEWAY_URL", "SMS_GATEWAY_USERNAME", "SMS_GATEWAY_PASSWORD", "SMS_GATEWAY_TEMPLATES",
                  "SMS_GATEWAY_CALLBACK_SECRET"):
        if not globals()[_name]:
            raise ImproperlyConfigured(f"Environment variable {_name} must be set when SMS_BACKEND is {SMS_BACKEND}")
    gateway_url(SMS_GATEWAY_URL)
    if len(SMS_GATEWAY_CALLBACK_SECRET) < 32:
        raise ImproperlyConfigured("Environment variable SMS_GATEWAY_CALLBACK_SECRET must be at least 32 characters")
CUSTOMER_HOTLINE = env.str("CUSTOMER_HOTLINE", default="95500")
# First retry of a failed customer message after this many seconds, doubling each time.
CUSTOMER_MESSAGE_RETRY_SECONDS = env_value("CUSTOMER_MESSAGE_RETRY_SECONDS", int, 60)
# zh-hans messages of the public pages, kept apart until they are merged into locale/.
LOCALE_PATHS = [*LOCALE_PATHS, BASE_DIR / "cases" / "public" / "locale"]
# The worker imports the customer-message task module (cases.public is not an app of its own).
CELERY_IMPORTS = ["cases.public.tasks"]
CELERY_BEAT_SCHEDULE["customer-message-retry"] = {
    "task": "cases.public.tasks.deliver_pending_customer_messages",
    "schedule": timedelta(minutes=10),
}

# Supervision and retention (SPEC §7, §8). The worker imports the supervision task module
# (autodiscovery only finds modules named tasks.py).
CELERY_IMPORTS = [*CELERY_IMPORTS, "assessment.supervision.tasks"]
# Daily: anonymise cases whose retention date has passed and that are not on legal hold.
CELERY_BEAT_SCHEDULE["retention-anonymise"] = {
    "task": "cases.tasks.anonymise_expired_cases",
    "schedule": crontab(minute=15, hour=2),
}
# Daily: the task itself generates last month's department reports only on the first working
# day of the month (the calendar decides), so a holiday on the 1st moves it, never skips it.
CELERY_BEAT_SCHEDULE["supervision-monthly-reports"] = {
    "task": "assessment.supervision_tasks.monthly_reports",
    "schedule": crontab(minute=0, hour=6),
}
# Daily: remind owners of rectifications and corrective actions due soon, escalate overdue ones.
CELERY_BEAT_SCHEDULE["supervision-reminders"] = {
    "task": "assessment.supervision_tasks.supervision_reminders",
    "schedule": crontab(minute=30, hour=8),
}

# --- Email intake (SPEC §14): complaint mailboxes read over IMAP (TLS) by a beat job ----------
# imaps://USER:PASSWORD@HOST[:PORT][/FOLDER][?processed=FOLDER], comma-separated; none = the job
# does nothing. A mail taken becomes a case (or a reply filed to one) and then moves to the
# processed folder (created if missing); a mail that cannot be read stays where it is.
EMAIL_INTAKE_MAILBOXES = mailboxes_from_env(env.list("EMAIL_INTAKE_MAILBOXES", default=[]))
# PEM file of the certificates to trust for the mail servers instead of the system's (a company CA).
EMAIL_INTAKE_CA_FILE = existing_file(env.str("EMAIL_INTAKE_CA_FILE", default=""), "EMAIL_INTAKE_CA_FILE")
EMAIL_INTAKE_POLL_SECONDS = bounded(env_value("EMAIL_INTAKE_POLL_SECONDS", int, 60), "EMAIL_INTAKE_POLL_SECONDS",
                                    10, 86400)
# Mails read per mailbox per run, oldest first; the next run takes the rest.
EMAIL_INTAKE_BATCH_SIZE = bounded(env_value("EMAIL_INTAKE_BATCH_SIZE", int, 50), "EMAIL_INTAKE_BATCH_SIZE", 1, 1000)
# A larger mail is left in the mailbox and reported, not read.
EMAIL_INTAKE_MAX_MB = bounded(env_value("EMAIL_INTAKE_MAX_MB", int, 50), "EMAIL_INTAKE_MAX_MB", 1, 500)
CELERY_IMPORTS = [*CELERY_IMPORTS, "cases.inbound.tasks"]
CELERY_BEAT_SCHEDULE["email-intake"] = {
    "task": "cases.inbound.tasks.read_mailboxes",
    "schedule": timedelta(seconds=EMAIL_INTAKE_POLL_SECONDS),
    # A run still queued when the next one is due is dropped: the next one reads the same mails.
    "options": {"expires": EMAIL_INTAKE_POLL_SECONDS},
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
# First, so that the measured time includes every other middleware.
MIDDLEWARE = ["complaints_portal.common.metrics.RequestMetricsMiddleware", *MIDDLEWARE]
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

# --- Triage suggestions at intake (cases/triage) ----------------------------------------------
INSTALLED_APPS = [*INSTALLED_APPS, "cases.triage"]
# Training is refused with fewer closed cases than this (and each target needs this many
# cases that carry its label): a model learnt from fewer would mostly echo the commonest value.
TRIAGE_MIN_CASES = env_value("TRIAGE_MIN_CASES", int, 200)
if TRIAGE_MIN_CASES < 20:
    raise ImproperlyConfigured("Environment variable TRIAGE_MIN_CASES must be at least 20")
# Seed of the held-out split and of the classifiers: the same cases give the same model.
TRIAGE_SEED = env_value("TRIAGE_SEED", int, 2026)
CELERY_TASK_ROUTES["cases.triage.tasks.triage_monthly_retrain"] = {"queue": "reports"}
# cases.triage.tasks.triage_record_suggestion (a few milliseconds after each registration from
# the intake form) stays on the default queue.
# Monthly, on the 1st at 03:30 local time: retrain on the closed cases. The task trains at
# most once per calendar month, so a second run in the same month changes nothing.
CELERY_BEAT_SCHEDULE["triage-monthly-retrain"] = {
    "task": "cases.triage.tasks.triage_monthly_retrain",
    "schedule": crontab(minute=30, hour=3, day_of_month=1),
}
