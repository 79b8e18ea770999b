"""Settings of the channels to and from customers: the public form and status look-up, customer
messages (SMS gateway), email intake, and the triage suggestions at intake. Their periodic jobs
are in jobs.py."""
from django.core.exceptions import ImproperlyConfigured

from complaints_portal.common.channel_settings import (
    bounded,
    existing_file,
    gateway_url,
    mailboxes_from_env,
    sms_templates_from_env,
)

from .environment import env, env_value

# --- Public channel (online complaint form, status look-up, customer messages) --------------
# Rate limits count in the cache (CACHES in base.py: Redis in production, so that every web
# process shares the counters).
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
# The insurer's name: on the public pages (customer form, status look-up) beside the hotline, and
# signing the notices to the customer (SPEC §10). Empty: the public pages show the portal's name
# ("Complaint management") and the notices "the company" in their language.
COMPANY_NAME = env.str("COMPANY_NAME", default="")
# First retry of a failed customer message after this many seconds, doubling each time.
CUSTOMER_MESSAGE_RETRY_SECONDS = env_value("CUSTOMER_MESSAGE_RETRY_SECONDS", int, 60)

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

# --- Triage suggestions at intake (cases/triage) ----------------------------------------------
# Training is refused with fewer closed cases than this (and each target needs this many
# cases that carry its label): a model learnt from fewer would mostly echo the commonest value.
TRIAGE_MIN_CASES = env_value("TRIAGE_MIN_CASES", int, 200)
if TRIAGE_MIN_CASES < 20:
    raise ImproperlyConfigured("Environment variable TRIAGE_MIN_CASES must be at least 20")
# Seed of the held-out split and of the classifiers: the same cases give the same model.
TRIAGE_SEED = env_value("TRIAGE_SEED", int, 2026)
