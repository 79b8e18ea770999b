from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "complaints_portal.common"
    label = "common"
    verbose_name = "Common"

    def ready(self):
        # Registers the deployment checks (manage.py check --deploy).
        from . import checks  # noqa: F401
