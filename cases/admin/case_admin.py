"""Admin for departments, memberships and cases: cases are looked at, not run (their lifecycle
goes through cases.services); a few descriptive fields are editable, nothing is added or
deleted, and an archived case is read-only."""
from django.contrib import admin
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from complaints_portal.common.admin import ReadOnlyAdminMixin

from .. import groups
from ..fields import mask_id_number, mask_phone
from ..models import (
    Absence,
    AccessLog,
    Attachment,
    CaseDeadline,
    CaseEvent,
    Complaint,
    Decision,
    Department,
    DepartmentMembership,
    Extension,
    Mediation,
    Notice,
    Pause,
    Plan,
    Report,
    RoutingRule,
    TeamMember,
)
from ..models.case import Status


class MembershipInline(admin.TabularInline):
    model = DepartmentMembership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Department)
class DepartmentAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "parent", "active"]
    list_filter = ["active"]
    search_fields = ["code", "name"]
    list_select_related = ["parent"]
    inlines = [MembershipInline]

    def has_delete_permission(self, request, obj=None):
        # Cases point at departments for ever (statistics); deactivate instead.
        return False


@admin.register(RoutingRule)
class RoutingRuleAdmin(SimpleHistoryAdmin):
    list_display = ["__str__", "category", "dispute_type", "channel", "product_line", "department", "priority",
                    "active"]
    list_filter = ["active", "department", "category", "channel"]
    list_editable = ["priority", "active"]
    list_select_related = ["department"]


@admin.register(Absence)
class AbsenceAdmin(SimpleHistoryAdmin):
    list_display = ["user", "start", "end", "substitute", "note"]
    list_filter = ["start"]
    search_fields = ["user__username", "user__last_name", "substitute__username"]
    autocomplete_fields = ["user", "substitute"]
    date_hierarchy = "start"


@admin.register(DepartmentMembership)
class DepartmentMembershipAdmin(SimpleHistoryAdmin):
    list_display = ["user", "department", "role"]
    list_filter = ["role", "department"]
    search_fields = ["user__username", "department__code"]
    list_select_related = ["user", "department"]
    autocomplete_fields = ["user", "department"]


class ReadOnlyInline(admin.TabularInline):
    """The parts of a case are written by the services; the admin shows them."""

    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def read_only_inline(model, *fields):
    """The inline of one kind of part of a case, showing ``fields``."""
    return type(f"{model.__name__}Inline", (ReadOnlyInline,), {"model": model, "fields": fields, "readonly_fields": fields})


CASE_PARTS = [
    read_only_inline(CaseDeadline, "stage", "due_on", "met_at", "stopped_at", "overdue_at", "explanation"),
    read_only_inline(TeamMember, "round", "user", "role", "recusal_attested", "named_by", "named_at", "ended_at"),
    read_only_inline(Report, "round", "facts", "at_fault", "responsible_staff", "recommendation", "root_cause",
                     "submitted_by", "submitted_at"),
    read_only_inline(Plan, "round", "text", "redress_amount", "state", "proposed_by", "proposed_at"),
    read_only_inline(Decision, "round", "method", "facts", "basis", "text", "remedies", "notified_by", "notified_at"),
    read_only_inline(Notice, "kind", "round", "language", "title", "document", "method", "sent_at", "evidence",
                     "customer_reached", "proof_recorded_by"),
    read_only_inline(Extension, "from_tier", "to_tier", "reason", "decided_by", "decided_at", "due_before", "counts"),
    read_only_inline(Mediation, "organisation", "mediator", "consent", "started_on", "ended_on", "outcome", "terms",
                     "performance_due", "performed_on", "overdue_notified_at"),
    read_only_inline(Pause, "kind", "start", "end", "customer_told_proof", "reason", "created_by"),
    read_only_inline(Attachment, "kind", "original_name", "content_type", "size", "uploaded_by", "uploaded_at",
                     "removed_at"),
    read_only_inline(CaseEvent, "at", "kind", "actor", "from_status", "to_status", "data"),
]


@admin.register(Complaint)
class ComplaintAdmin(SimpleHistoryAdmin):
    # Descriptive fields an administrator may correct; everything else follows the lifecycle.
    EDITABLE = ("summary", "description", "expected_resolution", "dispute_type", "product_line",
                "corrective_action", "major_negative_impact")

    list_display = ["reference", "status", "department", "tier", "channel", "category", "received_at", "next_due"]
    list_filter = ["status", "department", "channel", "category", "tier", "round", "major_reason", "legal_hold"]
    search_fields = ["reference", "customer_name", "policy_numbers", "regulator_reference"]
    list_select_related = ["department"]
    date_hierarchy = "received_at"
    ordering = ["-received_at"]
    history_list_display = ["status", "version", "major_reason", "complainant_count"]
    inlines = CASE_PARTS
    fieldsets = [
        (None, {"fields": ["reference", "status", "version", "round", "department", "tier", "outcome", "merged_into"]}),
        (_("Intake"), {"fields": ["channel", "regulator_reference", "regulator_date", "complaint_type", "category",
                                  "misconduct_kind", "dispute_type", "product_line", "policy_numbers", "summary",
                                  "description", "expected_resolution", "received_at", "clock_start",
                                  "registered_by"]}),
        (_("Customer"), {"fields": ["customer_name", "masked_phone", "masked_id_number", "customer_id_type",
                                    "agent_name", "agent_relation"]}),
        (_("Group and major complaint"), {"fields": ["complainant_count", "masked_representatives", "major_reason",
                                                     "major_note", "major_marked_at", "emergency_reported_at",
                                                     "emergency_report"]}),
        (_("Lifecycle"), {"fields": ["acknowledged_at", "assigned_at", "team_formed_at", "reported_at",
                                     "plan_proposed_at", "plan_approved_at", "notified_at", "first_notified_at",
                                     "disputed_at", "closed_at", "withdrawn_at", "archived_at", "due_overall",
                                     "next_due"]}),
        (_("Result"), {"fields": ["at_fault", "root_cause", "redress_amount", "major_negative_impact",
                                  "corrective_action"]}),
        (_("Retention"), {"fields": ["retention_until", "legal_hold", "legal_hold_reason", "anonymised_at",
                                     "is_legacy"]}),
    ]

    @admin.display(description=_("customer phone"))
    def masked_phone(self, obj):
        return mask_phone(obj.customer_phone)

    @admin.display(description=_("representatives"))
    def masked_representatives(self, obj):
        return "; ".join(f"{p['name']} {p['phone']}" for p in groups.masked(obj.representatives)) or "—"

    @admin.display(description=_("ID number"))
    def masked_id_number(self, obj):
        return mask_id_number(obj.customer_id_number)

    def get_readonly_fields(self, request, obj=None):
        fields = [f for fieldset in self.fieldsets for f in fieldset[1]["fields"]]
        if obj is None or obj.status == Status.ARCHIVED:
            return fields
        return [f for f in fields if f not in self.EDITABLE]

    def has_add_permission(self, request):
        # Intake goes through case_create (reference, deadlines, timeline).
        return False

    def has_delete_permission(self, request, obj=None):
        # Nothing is ever deleted by a user (SPEC §2); retention anonymises instead.
        return False

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.status == Status.ARCHIVED:
            return False
        return super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        """Save only the edited descriptive fields under the row lock (a plain save() could undo a
        transition made meanwhile) and bump the version."""
        fields = [f for f in form.changed_data if f in self.EDITABLE]
        if not fields:
            return
        with transaction.atomic():
            current = Complaint.objects.select_for_update().get(pk=obj.pk)
            if current.status == Status.ARCHIVED:
                return
            for name in fields:
                setattr(current, name, getattr(obj, name))
            # The row is locked, so a plain increment is safe (and the history row gets a number).
            current.version += 1
            current._history_user = request.user
            current.save(update_fields=[*fields, "version", "updated_at"])
        obj.version = current.version


@admin.register(AccessLog)
class AccessLogAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Who saw full personal data: read-only, for the supervisor's audit."""

    list_display = ["at", "user", "case", "field", "via"]
    list_filter = ["field", "via"]
    search_fields = ["user__username", "case__reference"]
    list_select_related = ["user", "case"]
    readonly_fields = ["at", "user", "case", "field", "via"]
