"""Celery: the broker, the queues and their routes, and every periodic job (the beat schedule)."""
from datetime import timedelta

from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from kombu import Queue

from .channels import EMAIL_INTAKE_POLL_SECONDS
from .environment import BASE_DIR, TIME_ZONE, env, env_value

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
    "cases.tasks.purge_submission_keys": {"queue": "reports"},
    "assessment.tasks.*": {"queue": "reports"},
    "assessment.supervision_tasks.*": {"queue": "reports"},
    "assessment.warning.tasks.*": {"queue": "reports"},
    "cases.triage.tasks.triage_monthly_retrain": {"queue": "reports"},
    # cases.triage.tasks.triage_record_suggestion (a few milliseconds after each registration from
    # the intake form) stays on the default queue.
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
# Surge alerts (SPEC §13): the complaints of the last SURGE_WINDOW_DAYS days of each product line,
# dispute type and department against the SURGE_HISTORY_WINDOWS windows of the same length before;
# an alert when the count exceeds mean + SURGE_SIGMA standard deviations and is at least SURGE_MINIMUM.
SURGE_WINDOW_DAYS = env_value("SURGE_WINDOW_DAYS", int, 7)
SURGE_HISTORY_WINDOWS = env_value("SURGE_HISTORY_WINDOWS", int, 12)
SURGE_SIGMA = env_value("SURGE_SIGMA", float, 3.0)
SURGE_MINIMUM = env_value("SURGE_MINIMUM", int, 5)
if SURGE_WINDOW_DAYS < 1 or SURGE_HISTORY_WINDOWS < 2 or SURGE_SIGMA < 0 or SURGE_MINIMUM < 1:
    raise ImproperlyConfigured("Surge settings: SURGE_WINDOW_DAYS >= 1, SURGE_HISTORY_WINDOWS >= 2, SURGE_SIGMA >= 0, "
                               "SURGE_MINIMUM >= 1")
# Organised-complaint signals (SPEC §13): the same phone, email, address or agent across at least
# ORGANISED_SHARED_MIN complainants, or texts with a character n-gram cosine of at least
# ORGANISED_TEXT_SIMILARITY (texts shorter than ORGANISED_TEXT_MIN_CHARS are not compared),
# within ORGANISED_WINDOW_DAYS days.
ORGANISED_WINDOW_DAYS = env_value("ORGANISED_WINDOW_DAYS", int, 90)
ORGANISED_SHARED_MIN = env_value("ORGANISED_SHARED_MIN", int, 3)
ORGANISED_TEXT_SIMILARITY = env_value("ORGANISED_TEXT_SIMILARITY", float, 0.8)
ORGANISED_TEXT_MIN_CHARS = env_value("ORGANISED_TEXT_MIN_CHARS", int, 30)
# The check after each registration compares with the window's latest cases only (the daily run
# with all of them): fitting the whole window of a large table takes seconds (bench/organised.py).
ORGANISED_TEXT_RECENT = env_value("ORGANISED_TEXT_RECENT", int, 2000)
if ORGANISED_WINDOW_DAYS < 1 or ORGANISED_SHARED_MIN < 2 or not 0 < ORGANISED_TEXT_SIMILARITY <= 1:
    raise ImproperlyConfigured("Organised-complaint settings: ORGANISED_WINDOW_DAYS >= 1, ORGANISED_SHARED_MIN >= 2, "
                               "0 < ORGANISED_TEXT_SIMILARITY <= 1")
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
    # Customer messages left pending (the SMS platform or the mail server was down at the time).
    "customer-message-retry": {
        "task": "cases.public.tasks.deliver_pending_customer_messages",
        "schedule": timedelta(minutes=10),
    },
    # Daily: forget the one-time form tokens and Idempotency-Keys older than the 24 hours they are honoured.
    "submission-keys-purge": {
        "task": "cases.tasks.purge_submission_keys",
        "schedule": crontab(minute=45, hour=2),
    },
    # Daily: anonymise cases whose retention date has passed and that are not on legal hold.
    "retention-anonymise": {
        "task": "cases.tasks.anonymise_expired_cases",
        "schedule": crontab(minute=15, hour=2),
    },
    # Daily: the task itself generates last month's department reports only on the first working
    # day of the month (the calendar decides), so a holiday on the 1st moves it, never skips it.
    "supervision-monthly-reports": {
        "task": "assessment.supervision_tasks.monthly_reports",
        "schedule": crontab(minute=0, hour=6),
    },
    # Daily: remind owners of rectifications and corrective actions due soon, escalate overdue ones.
    "supervision-reminders": {
        "task": "assessment.supervision_tasks.supervision_reminders",
        "schedule": crontab(minute=30, hour=8),
    },
    # Email intake (SPEC §14): the configured mailboxes (none: the task does nothing). A run still
    # queued when the next one is due is dropped: the next one reads the same mails.
    "email-intake": {
        "task": "cases.inbound.tasks.read_mailboxes",
        "schedule": timedelta(seconds=EMAIL_INTAKE_POLL_SECONDS),
        "options": {"expires": EMAIL_INTAKE_POLL_SECONDS},
    },
    # Monthly, on the 1st at 03:30 local time: retrain the triage model on the closed cases. The
    # task trains at most once per calendar month, so a second run in the same month changes nothing.
    "triage-monthly-retrain": {
        "task": "cases.triage.tasks.triage_monthly_retrain",
        "schedule": crontab(minute=30, hour=3, day_of_month=1),
    },
    # Daily, at 06:15 local time: surge alerts over the days that ended (SPEC §13). An alert
    # already raised for the same spike is not raised again, so a second run changes nothing.
    "surge-alerts": {
        "task": "assessment.warning.tasks.surge_alerts_raise",
        "schedule": crontab(minute=15, hour=6),
    },
    # Daily, at 05:45 local time: the organised-complaint signals over the window (SPEC §13); a
    # rerun adds nothing the reviews already hold.
    "organised-signals": {
        "task": "assessment.warning.tasks.organised_signals_daily",
        "schedule": crontab(minute=45, hour=5),
    },
}
# Task modules autodiscovery does not find (it finds only the apps' tasks.py): the customer
# messages (cases.public is not an app of its own), supervision, email intake.
CELERY_IMPORTS = ["cases.public.tasks", "assessment.supervision.tasks", "cases.inbound.tasks", "assessment.warning.tasks"]
