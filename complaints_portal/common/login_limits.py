"""Failed staff log-ins counted per client address, beside django-axes' lock of one username
from one address: trying one password across many usernames from one address is stopped too.

Every failed authentication with a request (the portal's and the admin's log-in pages, any
backend) bumps a counter of the address in the cache for AXES_COOLOFF_TIME; while the address
has LOGIN_FAILURES_PER_IP failures or more, the log-in pages refuse its POSTs with the
lock-out page (429). A success does not reset it: the failures of the other usernames stand.
"""
from django.conf import settings
from django.core.cache import cache
from django.shortcuts import render
from django.utils.crypto import salted_hmac

LOGIN_PATHS = ("/accounts/login/", "/admin/login/")


def _client(request):
    # The peer address, as axes and the public rate limits use it (a proxy sets REMOTE_ADDR).
    return request.META.get("REMOTE_ADDR") or "unknown"


def _key(address):
    return "login-fail-ip:" + salted_hmac("complaints_portal.login_limits", address).hexdigest()[:32]


def _window():
    return int(settings.AXES_COOLOFF_TIME.total_seconds())


def login_failed(sender, credentials=None, request=None, **kwargs):
    """user_login_failed receiver: one more failure for the request's address."""
    if request is None:
        return
    key = _key(_client(request))
    cache.add(key, 0, timeout=_window())
    try:
        cache.incr(key)
    except ValueError:  # the window ended between add() and incr()
        cache.add(key, 1, timeout=_window())


def address_locked(request):
    return (cache.get(_key(_client(request))) or 0) >= settings.LOGIN_FAILURES_PER_IP


class LoginAddressLimitMiddleware:
    """Refuses log-in POSTs from an address with too many recent failures (before any password
    is checked, so a locked address learns nothing more)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method == "POST" and request.path in LOGIN_PATHS and address_locked(request):
            return render(request, settings.AXES_LOCKOUT_TEMPLATE, status=429)
        return self.get_response(request)
