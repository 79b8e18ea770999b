"""Admin of early warning: alerts are read-only here (acknowledged on their page, with a note)."""
from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from complaints_portal.common.admin import ReadOnlyAdminMixin

from .models import SurgeAlert


@admin.register(SurgeAlert)
class SurgeAlertAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["window_end", "dimension", "key", "count", "threshold", "acknowledged_at"]
    list_filter = ["dimension"]
    exclude = ["cases"]
