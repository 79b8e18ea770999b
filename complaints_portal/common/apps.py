from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "complaints_portal.common"
    label = "common"
    verbose_name = "Common"

    def ready(self):
        # Registers the deployment checks (manage.py check --deploy).
        from django.contrib.auth.signals import user_login_failed

        from . import checks  # noqa: F401
        from .login_limits import login_failed

        user_login_failed.connect(login_failed, dispatch_uid="login-failures-per-address")
