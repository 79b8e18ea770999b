import logging
import sys

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import connection
from django.db.utils import InterfaceError, OperationalError
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)


@require_GET
def password_forgotten(request):
    """Where a user who forgot the password is told what to do: the portal sends no reset
    mail. With directory sign-in (LDAP_SERVER_URI) the password is the directory's; otherwise
    the administrator sets a new one in the admin."""
    return render(request, "registration/password_forgotten.html", {"directory": bool(settings.LDAP_SERVER_URI)})


def _database_ok():
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except Exception as exc:  # any driver error means "down" for the health check
        logger.error("healthz: database unavailable: %s", exc.__class__.__name__)
        return False


def _broker_ok():
    from complaints_portal.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return True
    except Exception as exc:  # any transport error means "down"
        logger.error("healthz: broker unavailable: %s", exc.__class__.__name__)
        return False


@never_cache
@require_GET
def healthz(request):
    """200 when the database and the broker answer, 503 otherwise (SPEC §9)."""
    checks = {"database": _database_ok(), "broker": _broker_ok()}
    ok = all(checks.values())
    return JsonResponse({"status": "ok" if ok else "unavailable", "checks": checks}, status=200 if ok else 503)


def bad_request(request, message, *, code="bad_request", status=400):
    """A refused request in the API's error format under /api/, as a page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"message": str(message), "code": code, "extra": {}}, status=status)
    return render(request, "errors/400.html", {"message": message}, status=status)


def error_400(request, exception=None):
    """Requests Django refuses before any view runs: a body over DATA_UPLOAD_MAX_MEMORY_SIZE,
    too many fields, a malformed multipart body."""
    if isinstance(exception, RequestDataTooBig):
        return bad_request(request, gettext("The request body is too large."), code="request_too_large", status=413)
    return bad_request(request, gettext("The request could not be read."))


def error_403(request, exception=None):
    return render(request, "errors/403.html", status=403)


def error_404(request, exception=None):
    # A path under /api/ that matches no route (e.g. a reference with a dot or a slash) answers
    # in the API's error format, not with an HTML page an API client cannot read.
    if request.path.startswith("/api/"):
        from .errors import NotFound

        error = NotFound()
        return JsonResponse({"message": str(error.message), "code": error.code, "extra": {}}, status=404)
    return render(request, "errors/404.html", status=404)


def error_500(request):
    """Unhandled errors. A database that is down or restarting is a temporary outage, not a
    bug: answer 503 with Retry-After (JSON under /api/) so clients and load balancers retry.
    Django calls this handler inside its `except` block, so the exception is still at hand.
    Neither page touches the database."""
    exc = sys.exc_info()[1]
    if isinstance(exc, OperationalError | InterfaceError):
        logger.error("database unavailable while serving a request: %s", exc.__class__.__name__)
        if request.path.startswith("/api/"):
            response = JsonResponse(
                {"message": gettext("The service is temporarily unavailable. Please retry shortly."),
                 "code": "service_unavailable", "extra": {}}, status=503)
        else:
            response = render(request, "errors/503.html", status=503)
        response["Retry-After"] = "30"
        return response
    if request.path.startswith("/api/"):
        return JsonResponse({"message": gettext("Internal server error."), "code": "server_error", "extra": {}}, status=500)
    return render(request, "errors/500.html", status=500)
