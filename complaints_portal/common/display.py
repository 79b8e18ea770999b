"""How an object reads in the admin and its history: "<verbose name> · <what identifies it>",
in the reader's language, moments in local time to the minute (no "Target object (35)", no
microseconds)."""
from django.utils import timezone


def local_moment(value):
    """An aware datetime in local time to the minute; "" for None."""
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def described(obj, *parts):
    """``obj``'s verbose name and the non-empty ``parts``, joined by " · "."""
    return " · ".join([str(obj._meta.verbose_name), *(str(p) for p in parts if p not in (None, ""))])
