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
