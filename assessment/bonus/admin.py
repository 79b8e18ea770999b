"""Admin for the results models: rule versions with their tiers, proposals (read-only: they
change only through bonus.services), promotion thresholds, training topics, mapping, plans."""
from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from complaints_portal.common.admin import ReadOnlyAdminMixin

from .models import (
    BonusApproval,
    BonusProposal,
    BonusRuleSet,
    BonusTier,
    PromotionPolicy,
    RootCauseTopic,
    TrainingPlan,
    TrainingTopic,
)


class BonusTierInline(admin.TabularInline):
    model = BonusTier
    extra = 0


@admin.register(BonusRuleSet)
class BonusRuleSetAdmin(SimpleHistoryAdmin):
    """A version that a proposal used is read-only: its figures must stay reproducible."""

    list_display = ["version", "name", "effective_from", "effective_to", "created_by", "created_at"]
    inlines = [BonusTierInline]

    def _used(self, obj):
        return obj is not None and obj.proposals.exists()

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not self._used(obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not self._used(obj)


@admin.register(BonusProposal)
class BonusProposalAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["quarter", "department", "version", "state", "adjustment_percent", "tier_label", "approved_by",
                    "approved_at"]
    list_filter = ["quarter", "state"]
    # The reason in the reader's language instead of its code, parameters and earlier text.
    exclude = ["reason_code", "reason_params", "reason"]
    readonly_fields = ["reason_text"]

    @admin.display(description=_("reason"))
    def reason_text(self, obj):
        return obj.reason_text


@admin.register(BonusApproval)
class BonusApprovalAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["quarter", "approved_by", "approved_at", "pending_cases", "already_approved", "confirmed"]
    exclude = ["note_code", "note_params", "note"]
    readonly_fields = ["note_text"]

    @admin.display(description=_("note"))
    def note_text(self, obj):
        return obj.note_text


@admin.register(PromotionPolicy)
class PromotionPolicyAdmin(SimpleHistoryAdmin):
    list_display = ["created_at", "below_average_ratio", "min_cases", "on_time_min", "satisfaction_min",
                    "plus_points"]


@admin.register(TrainingTopic)
class TrainingTopicAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "active"]


@admin.register(RootCauseTopic)
class RootCauseTopicAdmin(SimpleHistoryAdmin):
    list_display = ["root_cause", "topic"]


@admin.register(TrainingPlan)
class TrainingPlanAdmin(SimpleHistoryAdmin):
    list_display = ["date", "department", "topic", "audience", "owner", "completed_at"]
    list_filter = ["topic", "department"]
