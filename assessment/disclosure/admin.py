"""Admin of the disclosure: the industry medians, read-only (entered on the disclosure page)."""
from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from complaints_portal.common.admin import ReadOnlyAdminMixin

from .models import IndustryMedian


@admin.register(IndustryMedian)
class IndustryMedianAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["period", "metric", "value", "source", "entered_by", "entered_at"]
    list_filter = ["metric"]
