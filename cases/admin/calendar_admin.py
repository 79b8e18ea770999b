"""Admin for the calendar, deadline policy and notifications."""
from django.contrib import admin, messages
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from complaints_portal.common.admin import ReadOnlyAdminMixin

from ..models import (
    CalendarDay,
    CalendarYear,
    CaseDeadline,
    Complaint,
    DeadlinePolicy,
    Notification,
    StageRule,
)


@admin.register(CalendarDay)
class CalendarDayAdmin(SimpleHistoryAdmin):
    list_display = ("date", "kind", "name", "source")
    list_filter = ("kind", "source")
    search_fields = ("name",)
    date_hierarchy = "date"


@admin.register(CalendarYear)
class CalendarYearAdmin(SimpleHistoryAdmin):
    list_display = ("year", "source")


def policy_in_use(policy):
    return policy is not None and policy.pk is not None and Complaint.objects.filter(deadline_policy=policy).exists()


class StageRuleInline(admin.TabularInline):
    model = StageRule
    extra = 0
    fields = ("stage", "tier", "category", "channel", "customer_flag", "working_days")

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and not policy_in_use(obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not policy_in_use(obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not policy_in_use(obj)


@admin.register(DeadlinePolicy)
class DeadlinePolicyAdmin(SimpleHistoryAdmin):
    """A version used by a case is read-only: cases keep the rules they were received under.
    Change the rules by copying the version ("copy as new version") and editing the copy."""

    list_display = ("version", "name", "effective_from", "simple_days", "complex_days", "special_days",
                    "review_days", "reminder_lead_days", "supervisor_escalation_working_days", "emergency_report_hours")
    inlines = [StageRuleInline]
    actions = ["copy_as_new_version"]

    def get_readonly_fields(self, request, obj=None):
        if policy_in_use(obj):
            return [f.name for f in self.model._meta.fields]
        return super().get_readonly_fields(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not policy_in_use(obj)

    @admin.action(description=_("Copy as new version"))
    def copy_as_new_version(self, request, queryset):
        for policy in queryset.order_by("version"):
            with transaction.atomic():
                rules = list(policy.stage_rules.all())
                next_version = (DeadlinePolicy.objects.aggregate(m=Max("version"))["m"] or 0) + 1
                policy.pk = None
                policy.id = None
                policy._state.adding = True
                policy.version = next_version
                policy.effective_from = timezone.localdate()
                policy.save()
                for rule in rules:
                    # One save per rule (not bulk_create): each copy gets its history row.
                    rule.pk = None
                    rule.policy = policy
                    rule.save()
            self.message_user(request, _("Created version %(v)s.") % {"v": next_version}, messages.SUCCESS)


@admin.register(CaseDeadline)
class CaseDeadlineAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("case", "stage", "due_on", "due_at", "met_at", "stopped_at", "reminded_at", "overdue_at",
                    "escalated_head_at", "escalated_supervisor_at")
    list_filter = ("stage",)
    search_fields = ("case__reference",)
    list_select_related = ("case",)
    date_hierarchy = "due_on"


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("created_at", "kind", "recipient", "case", "subject", "delivery", "attempts", "read_at")
    list_filter = ("kind", "delivery", "channel")
    search_fields = ("subject", "dedupe_key", "case__reference", "recipient__username")
    list_select_related = ("recipient", "case")
    readonly_fields = [f.name for f in Notification._meta.fields]

    def has_add_permission(self, request):
        return False
