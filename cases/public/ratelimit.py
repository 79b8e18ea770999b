"""Fixed-window request counters in Django's cache for the public pages; keys hold HMACs, never
personal data; a counter is bumped before the check, so a flood stays refused."""
from django.conf import settings
from django.core.cache import cache
from django.utils.crypto import salted_hmac


def client_ip(request):
    """The peer address. Behind a reverse proxy, configure the proxy to set REMOTE_ADDR
    (e.g. gunicorn --forwarded-allow-ips); a client-supplied X-Forwarded-For is not trusted."""
    return request.META.get("REMOTE_ADDR") or "unknown"


def _key(name, value):
    digest = salted_hmac("cases.public.ratelimit", f"{name}:{value}").hexdigest()[:32]
    return f"public-rl:{name}:{digest}"


def hit(name, value):
    """Count one request for `value` under the limit `name`; True while within the limit."""
    limit, window = settings.PUBLIC_RATE_LIMITS[name]
    key = _key(name, value)
    # add() starts the window only if there is none; incr() is atomic on Redis and locmem.
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:  # the window expired between add() and incr()
        cache.add(key, 1, timeout=window)
        count = 1
    return count <= limit


def exceeded(name, value):
    """True when `value` has already used up the limit `name` (without counting a request)."""
    limit, _window = settings.PUBLIC_RATE_LIMITS[name]
    return (cache.get(_key(name, value)) or 0) >= limit


def retry_after(name):
    """Seconds a refused client is told to wait: the whole window, which is the upper bound."""
    return settings.PUBLIC_RATE_LIMITS[name][1]
