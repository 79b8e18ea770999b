from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = _("Complaint cases")

    def ready(self):
        # Connects the signals that recompute open cases' deadlines when the calendar or a
        # deadline policy changes, in every process (web, worker, commands).
        from . import deadlines  # noqa: F401
