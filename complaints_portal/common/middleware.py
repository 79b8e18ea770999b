"""Security headers every page needs: a Content-Security-Policy without inline scripts, and no
caching of anything the application answers (SPEC §8)."""
import re

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        # Bootstrap and htmx set inline style attributes; no inline <style>/<script> blocks are used.
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "frame-ancestors 'none'",
        "form-action 'self'",
        "base-uri 'self'",
        "object-src 'none'",
    ]
)


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        # Pages, API answers, attachments and exports carry personal data: no browser, proxy or
        # shared cache may keep them (the back button after logout, a shared office PC). Static
        # files never get here (WhiteNoise answers them first, with its own long-lived caching).
        if "Cache-Control" not in response.headers:
            response.headers["Cache-Control"] = "no-store"
        return response


# The characters no path or query string may carry (C0 controls and DEL): one class, read by the
# middleware below and by the API schema, whose string parameters exclude it (common.api).
CONTROL_CHARACTERS = "\\u0000-\\u001f\\u007f"
_CONTROL = re.compile(f"[{CONTROL_CHARACTERS}]")


def _has_control_characters(text):
    return _CONTROL.search(text) is not None


class RequestSanityMiddleware:
    """Refuses, with a 400 in the error format, a request whose path or query string carries
    control characters (a NUL byte from %00): no route or filter is written for them, and
    PostgreSQL refuses NUL in text, which surfaced as a 500 wherever a path segment reached a
    query (a case reference, a follow-up's reference)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _has_control_characters(request.path) or any(
            _has_control_characters(value) for values in request.GET.lists() for value in [values[0], *values[1]]
        ):
            from django.utils.translation import gettext

            from .views import bad_request

            return bad_request(request, gettext("The address contains characters that are not allowed."),
                               code="invalid_characters")
        return self.get_response(request)
