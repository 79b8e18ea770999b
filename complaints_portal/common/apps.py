from axes.apps import AppConfig as AxesAppConfig
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop


class CommonConfig(AppConfig):
    # This module holds more than one AppConfig (django-axes's below): without default, Django
    # would use a plain AppConfig for "complaints_portal.common" and never run ready().
    default = True
    name = "complaints_portal.common"
    label = "common"
    verbose_name = _("Common")

    def ready(self):
        # Registers the deployment checks (manage.py check --deploy).
        from django.contrib.auth.signals import user_login_failed

        from . import checks  # noqa: F401
        from .login_limits import login_failed

        user_login_failed.connect(login_failed, dispatch_uid="login-failures-per-address")
        # Every tracked model's history manager class built once, not per access.
        from django.apps import apps

        from .history import history_managers_keep
        from .inserts import psycopg_parse_cache_widen

        history_managers_keep(apps.get_models())
        psycopg_parse_cache_widen()


class SignInLockoutsConfig(AxesAppConfig):
    """django-axes (sign-in lock-outs) under a name the admin shows in the reader's language;
    the package has no Chinese catalogue, so its words are translated in the project's."""

    verbose_name = _("Sign-in lock-outs")


# django-axes's model and admin words, so that makemessages keeps them in the project's
# catalogue (Django looks a message up in every catalogue).
AXES_WORDS = (
    gettext_noop("access attempt"), gettext_noop("access attempts"), gettext_noop("access log"),
    gettext_noop("access logs"), gettext_noop("access failure"), gettext_noop("access failures"),
    gettext_noop("access attempt expiration"), gettext_noop("access attempt expirations"),
    gettext_noop("Access Attempt"), gettext_noop("Access lock out"), gettext_noop("Attempt Time"),
    gettext_noop("Expires At"), gettext_noop("Failed Logins"), gettext_noop("GET Data"), gettext_noop("POST Data"),
    gettext_noop("HTTP Accept"), gettext_noop("IP Address"), gettext_noop("Logout Time"), gettext_noop("Path"),
    gettext_noop("User Agent"), gettext_noop("Username"), gettext_noop("Form Data"), gettext_noop("Meta Data"),
    gettext_noop("Locked Out"), gettext_noop("Attempt Remaining"), gettext_noop("Not set"),
    gettext_noop("Clean up expired attempts"), gettext_noop("Session key hash (sha256)"),
    gettext_noop("The time when access attempt expires and is no longer valid."),
)
