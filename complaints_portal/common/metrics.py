"""Prometheus metrics at /metrics: request counts and latency, plus gauges read at scrape time.

Two kinds of figures, handled differently because gunicorn runs several worker processes and a
scrape reaches only one of them:

- Request counters and the latency histogram are counted in the worker that served the
  request. With PROMETHEUS_MULTIPROC_DIR set (gunicorn.conf.py sets it), prometheus_client
  writes them to per-process files in that directory and the scrape adds up every worker's
  files, so any worker answers with the totals of the instance.
- Health, Celery queue lengths, replica lag and the overdue count are not counted anywhere:
  the collectors below (and the ones listed in METRICS_COLLECTORS) compute them when the
  scrape arrives, from the database and the broker, which every worker sees alike.

Access is never public: a bearer token (METRICS_TOKEN, compared in constant time) and/or a
list of client networks (METRICS_ALLOWED_IPS); with neither configured the URL is a 404.
"""
import ipaddress
import logging
import os
import secrets
import time
from functools import lru_cache

from django.conf import settings
from django.db import connections
from django.http import Http404, HttpResponse, JsonResponse
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

from .views import _broker_ok, _database_ok

logger = logging.getLogger(__name__)

# Buckets around the page targets of the benchmarks (p95 ≤ 50–300 ms) and the slow tail.
LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}

REQUESTS = Counter(
    "portal_http_requests", "HTTP requests answered, by method, view and status code.",
    ["method", "view", "status"],
)
LATENCY = Histogram(
    "portal_http_request_duration_seconds", "Time from the request reaching Django to the response.",
    ["method", "view"], buckets=LATENCY_BUCKETS,
)

# kombu's Redis transport keeps a queue with priorities as one list per priority step; a
# message without priority lands in the plain list. Separator and steps as in kombu.
_PRIORITY_SEP = "\x06\x16"
_PRIORITY_STEPS = (3, 6, 9)


class RequestMetricsMiddleware:
    """Counts every request and its duration. First in MIDDLEWARE, so the time includes the
    other middleware; labels use the URL pattern's name, never the path (bounded cardinality,
    and no reference numbers in the metrics)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        view = (match.view_name if match else "") or "unmatched"
        method = request.method if request.method in _METHODS else "other"
        LATENCY.labels(method, view).observe(time.perf_counter() - started)
        REQUESTS.labels(method, view, str(response.status_code)).inc()
        return response


# -- scrape-time gauges --------------------------------------------------------------------------

def queue_names():
    return list(getattr(settings, "CELERY_QUEUE_NAMES", None) or ["celery"])


@lru_cache(maxsize=4)
def _redis_client(url):
    # One connection pool per process and URL; short timeouts so a dead Redis cannot hang a scrape.
    import redis

    return redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)


def queue_lengths():
    """{queue: messages waiting} from the broker; {} when the broker cannot be read this way."""
    url = settings.CELERY_BROKER_URL
    names = queue_names()
    if url.startswith(("redis://", "rediss://")):
        pipe = _redis_client(url).pipeline(transaction=False)
        for name in names:
            pipe.llen(name)
            for step in _PRIORITY_STEPS:
                pipe.llen(f"{name}{_PRIORITY_SEP}{step}")
        counts = pipe.execute()
        per_queue = 1 + len(_PRIORITY_STEPS)
        return {name: sum(counts[i * per_queue:(i + 1) * per_queue]) for i, name in enumerate(names)}
    if url.startswith("filesystem://"):
        # kombu's filesystem transport: one file per message, named <time>_<uuid>.<queue>.msg.
        folder = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("data_folder_in", "")
        if not folder or not os.path.isdir(folder):
            return {}
        counts = dict.fromkeys(names, 0)
        with os.scandir(folder) as entries:
            for entry in entries:
                queue = entry.name.rsplit(".", 2)[-2] if entry.name.endswith(".msg") else None
                if queue in counts:
                    counts[queue] += 1
        return counts
    return {}


# Lag of a hot standby: 0 on a primary, and 0 when everything received has been replayed (an
# idle primary sends nothing, so the age of the last replayed transaction alone would grow
# all night without any real lag); otherwise the age of the last replayed transaction.
REPLICA_LAG_SQL = """
SELECT CASE
  WHEN NOT pg_is_in_recovery() THEN 0
  WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
  ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0)
END
"""


def replica_configured():
    return "replica" in settings.DATABASES


def replica_lag_seconds(alias="replica"):
    """Seconds the replica is behind the primary, or None when it cannot be asked."""
    connection = connections[alias]
    if connection.vendor != "postgresql":
        return None
    try:
        with connection.cursor() as cursor:
            cursor.execute(REPLICA_LAG_SQL)
            return float(cursor.fetchone()[0])
    except Exception as exc:  # any driver error: the replica is down for monitoring purposes
        logger.error("metrics: replica unavailable: %s", exc.__class__.__name__)
        return None


class PortalCollector:
    """Health of the dependencies, Celery queue lengths and replica lag, read at scrape time."""

    def collect(self):
        health = GaugeMetricFamily(
            "portal_health_up", "1 when the dependency answers (as /healthz checks it), 0 otherwise.",
            labels=["check"],
        )
        health.add_metric(["database"], 1 if _database_ok() else 0)
        broker_up = _broker_ok()
        health.add_metric(["broker"], 1 if broker_up else 0)

        if replica_configured():
            lag = replica_lag_seconds()
            health.add_metric(["replica"], 0 if lag is None else 1)
            if lag is not None:
                yield GaugeMetricFamily(
                    "portal_replica_lag_seconds",
                    "Seconds the read replica is behind the primary (0 when caught up).", value=lag,
                )
        yield health

        lengths = {}
        if broker_up:
            try:
                lengths = queue_lengths()
            except Exception as exc:  # a broker that fails between the health check and LLEN
                logger.error("metrics: queue lengths unavailable: %s", exc.__class__.__name__)
        if lengths:
            gauge = GaugeMetricFamily(
                "portal_celery_queue_length", "Messages waiting in each Celery queue.", labels=["queue"],
            )
            for name, count in lengths.items():
                gauge.add_metric([name], count)
            yield gauge


class _DefaultRegistry:
    """The process's default registry (request metrics, process and Python figures) as one
    collector of the per-scrape registry, when not in multiprocess mode."""

    def collect(self):
        return REGISTRY.collect()


# -- the view ------------------------------------------------------------------------------------

def _refused(request):
    """None when the request may read the metrics, else the response that refuses it."""
    token = settings.METRICS_TOKEN
    networks = settings.METRICS_ALLOWED_IPS
    if not token and not networks:
        raise Http404()  # not configured: the endpoint does not exist
    if networks:
        try:
            client = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
        except ValueError:
            client = None
        if client is None or not any(client in network for network in networks):
            return JsonResponse({"message": _("This address may not read the metrics."),
                                 "code": "metrics_address_refused", "extra": {}}, status=403)
    if token:
        scheme, _sep, offered = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
        if scheme.lower() != "bearer" or not secrets.compare_digest(offered.strip().encode(), token.encode()):
            return JsonResponse({"message": _("A valid bearer token is required to read the metrics."),
                                 "code": "metrics_token_invalid", "extra": {}}, status=403)
    return None


class _Guarded:
    """One collector whose failure (e.g. the database is down) leaves its figures out of the
    scrape instead of failing the whole scrape: portal_health_up must still be reported."""

    def __init__(self, collector):
        self.collector = collector

    def collect(self):
        try:
            return list(self.collector.collect())
        except Exception as exc:
            logger.error("metrics: %s failed: %s", type(self.collector).__name__, exc.__class__.__name__)
            return []


def build_registry():
    registry = CollectorRegistry(auto_describe=False)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(registry)
    else:
        registry.register(_DefaultRegistry())
    for path in settings.METRICS_COLLECTORS:
        registry.register(_Guarded(import_string(path)()))
    return registry


@never_cache
@require_GET
def metrics(request):
    """The Prometheus text exposition, for the monitoring system only (see _refused)."""
    refusal = _refused(request)
    if refusal is not None:
        return refusal
    return HttpResponse(generate_latest(build_registry()), content_type=CONTENT_TYPE_LATEST)
