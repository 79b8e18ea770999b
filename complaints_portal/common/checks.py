"""Deployment checks (`manage.py check --deploy`) for running on several machines.

A web process must keep no state of its own between requests: any machine behind the load
balancer may serve the next request of a session, count the next hit of a rate limit or
download an attachment uploaded through another machine.
"""
from django.conf import settings
from django.core.checks import Tags, Warning, register

from .storage_url import storage_is_local

PROCESS_LOCAL_CACHES = {
    "django.core.cache.backends.locmem.LocMemCache": "in the memory of each process",
    "django.core.cache.backends.dummy.DummyCache": "nowhere (the dummy cache keeps nothing)",
    "django.core.cache.backends.filebased.FileBasedCache": "in files on each machine",
}
# Session engines that keep their data where only one process or one machine sees it.
LOCAL_SESSION_ENGINES = {"django.contrib.sessions.backends.file"}
CACHE_SESSION_ENGINES = {"django.contrib.sessions.backends.cache"}


@register(Tags.caches, deploy=True)
def check_shared_cache(app_configs, **kwargs):
    backend = settings.CACHES.get("default", {}).get("BACKEND", "")
    where = PROCESS_LOCAL_CACHES.get(backend)
    if where is None:
        return []
    return [Warning(
        f"The default cache ({backend}) keeps its entries {where}.",
        hint="The public pages' rate limits and the cached KPI tables count in the cache, so each "
             "process would keep its own counters. Set CACHE_URL to Redis, e.g. redis://HOST:6379/1.",
        id="portal.W010",
    )]


@register(Tags.security, deploy=True)
def check_shared_sessions(app_configs, **kwargs):
    engine = settings.SESSION_ENGINE
    backend = settings.CACHES.get(getattr(settings, "SESSION_CACHE_ALIAS", "default"), {}).get("BACKEND", "")
    if engine in LOCAL_SESSION_ENGINES or (engine in CACHE_SESSION_ENGINES and backend in PROCESS_LOCAL_CACHES):
        return [Warning(
            f"Sessions ({engine}) are kept where only one process or machine can read them.",
            hint="Use the database backend (the default) or cached_db with a shared cache.",
            id="portal.W011",
        )]
    return []


@register(deploy=True)
def check_shared_attachments(app_configs, **kwargs):
    if not storage_is_local(settings.STORAGES) or getattr(settings, "ATTACHMENT_ROOT_SHARED", False):
        return []
    return [Warning(
        f"Attachments are files under ATTACHMENT_ROOT ({settings.MEDIA_ROOT}) on this machine's disk.",
        hint="Every web and worker process must see the same files: set STORAGE_URL to an "
             "S3-compatible bucket (s3://BUCKET?endpoint_url=…), or, on one machine or with a shared "
             "mount, set ATTACHMENT_ROOT_SHARED=true to confirm it.",
        id="portal.W012",
    )]


@register(deploy=True)
def check_shared_broker(app_configs, **kwargs):
    if not settings.CELERY_BROKER_URL.startswith("filesystem://"):
        return []
    return [Warning(
        "The Celery broker is kombu's filesystem transport, which works only within one machine.",
        hint="Set CELERY_BROKER_URL to Redis, e.g. redis://HOST:6379/0.",
        id="portal.W013",
    )]


@register(Tags.security, deploy=True)
def check_metrics_token(app_configs, **kwargs):
    token = getattr(settings, "METRICS_TOKEN", "")
    if token and len(token) < 32:
        return [Warning(
            "METRICS_TOKEN is shorter than 32 characters.",
            hint="Use a random token, e.g. python -c 'import secrets; print(secrets.token_urlsafe(32))'.",
            id="portal.W014",
        )]
    return []
