from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentConfig(AppConfig):
    name = "assessment"
    verbose_name = _("Assessment")

    def ready(self):
        # The KPI read model follows every change of a case's KPI inputs, in its transaction.
        from cases.signals import case_changed

        from .kpi.readmodel import case_changed_received

        case_changed.connect(case_changed_received, dispatch_uid="assessment.kpi.readmodel")
        # The organised-complaint signals of a new case, in the registration's transaction.
        from .warning.organised import case_registered

        case_changed.connect(case_registered, dispatch_uid="assessment.warning.organised")
        # Registered in every process: the warning tasks, so that the web process can queue them
        # by name, and the texts of the notifications this app sends (cases.notification_texts).
        from .supervision import rectifications, reports  # noqa: F401
        from .warning import tasks as warning_tasks  # noqa: F401
