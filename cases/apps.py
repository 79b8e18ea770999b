from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = _("Complaint cases")

    def ready(self):
        # In every process (web, worker, commands): the configuration's change signals
        # (cases.deadlines.configuration), and the tasks that the services schedule by name.
        # The texts of the notifications (cases.notification_texts) register where they are sent.
        from . import (
            sweep,  # noqa: F401
            tasks,  # noqa: F401
        )
        from .actions import table  # noqa: F401
        from .deadlines import configuration  # noqa: F401
        from .inbound import services  # noqa: F401
        from .public import tasks as public_tasks  # noqa: F401
