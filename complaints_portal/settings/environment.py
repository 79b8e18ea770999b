"""The one django-environ object every settings module reads the environment through, and the
project's root folder. `.env.example` documents each variable."""
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# Local time of the portal: deadlines count local dates in this zone (SPEC §4), periodic jobs
# run on its clock.
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Shanghai")

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
