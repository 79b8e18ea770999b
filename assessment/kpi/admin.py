from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import FollowUpAttempt, FollowUpVisit, KpiSnapshot, PolicyVolume, Target


@admin.register(PolicyVolume)
class PolicyVolumeAdmin(SimpleHistoryAdmin):
    list_display = ["period", "department", "new_policies", "policies_in_force", "premium", "insured_persons"]
    list_filter = ["period", "department"]


@admin.register(Target)
class TargetAdmin(SimpleHistoryAdmin):
    list_display = ["period", "department", "complaint_rate", "on_time_rate", "satisfaction_rate", "set_by"]
    list_filter = ["period"]


@admin.register(FollowUpVisit)
class FollowUpVisitAdmin(SimpleHistoryAdmin):
    list_display = ["case", "outcome", "rating", "visited_at", "by"]
    raw_id_fields = ["case"]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(FollowUpAttempt)
class FollowUpAttemptAdmin(admin.ModelAdmin):
    list_display = ["case", "at", "channel", "result", "by"]
    raw_id_fields = ["case"]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(KpiSnapshot)
class KpiSnapshotAdmin(admin.ModelAdmin):
    """Snapshots are made by the job or the dashboard; a published one is frozen."""

    list_display = ["period", "as_of", "rule_version", "published", "created_at", "created_by"]
    readonly_fields = ["period", "as_of", "rule_version", "rows", "inputs_at", "created_at", "created_by"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return obj is None or not obj.published

    def has_delete_permission(self, request, obj=None):
        return obj is None or not obj.published
