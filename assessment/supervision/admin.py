"""Admin of supervision: the checklist is configured here; the tracked records are read-only
(they change through assessment.supervision so that every rule and notification applies)."""
from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from complaints_portal.common.admin import ReadOnlyAdminMixin

from .models import ChecklistItem, CorrectiveAction, MonthlyReport, Rectification, SpotCheck


@admin.register(ChecklistItem)
class ChecklistItemAdmin(SimpleHistoryAdmin):
    list_display = ["code", "label", "order", "active"]
    list_editable = ["order", "active"]

    def has_delete_permission(self, request, obj=None):
        # Answers refer to the item; retire it with "active" instead.
        return False


class ReadOnlyHistoryAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    pass


@admin.register(SpotCheck)
class SpotCheckAdmin(ReadOnlyHistoryAdmin):
    list_display = ["period", "department", "state", "seed", "population_size", "drawn_count", "drawn_by", "drawn_at"]
    list_filter = ["period", "state"]


@admin.register(Rectification)
class RectificationAdmin(ReadOnlyHistoryAdmin):
    list_display = ["id", "department", "owner", "due_on", "status", "closed_at"]
    list_filter = ["status", "department"]


@admin.register(CorrectiveAction)
class CorrectiveActionAdmin(ReadOnlyHistoryAdmin):
    list_display = ["case", "department", "root_cause", "owner", "due_on", "status"]
    list_filter = ["status", "root_cause"]
    raw_id_fields = ["case"]


@admin.register(MonthlyReport)
class MonthlyReportAdmin(admin.ModelAdmin):
    list_display = ["month", "department", "generated_at", "generated_by"]
    readonly_fields = ["department", "month", "figures", "generated_at", "generated_by"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
