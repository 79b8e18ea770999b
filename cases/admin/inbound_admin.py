"""Admin of the channels (SPEC §14): mails taken from the complaint mailboxes, the mails that
could not be read (the operator's to-do list), and the SMS gateway's delivery receipts. All
written by the portal itself, so read-only here."""
from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from complaints_portal.common.admin import ReadOnlyAdminMixin

from ..models import InboundMail, SmsDelivery, UnreadableMail


@admin.register(InboundMail)
class InboundMailAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ("received_at", "kind", "case", "mailbox", "sender_is_customer", "classified_at")
    list_filter = ("kind", "mailbox")
    search_fields = ("case__reference", "message_id")
    list_select_related = ("case",)
    date_hierarchy = "received_at"
    exclude = ("attachments",)


class StillInMailboxFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("open", _("Still in the mailbox")), ("resolved", _("Resolved"))]

    def queryset(self, request, queryset):
        if self.value() == "open":
            return queryset.filter(resolved_at__isnull=True)
        if self.value() == "resolved":
            return queryset.filter(resolved_at__isnull=False)
        return queryset


@admin.register(UnreadableMail)
class UnreadableMailAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Each row is a mail left in its mailbox: handle it by hand (read it in a mail client,
    register the complaint at the intake form), then move it out of the folder; the next run
    marks the report resolved."""

    list_display = ("first_seen_at", "mailbox", "uid", "reason", "times_seen", "last_seen_at", "resolved_at")
    list_filter = (StillInMailboxFilter, "reason", "mailbox")
    search_fields = ("message_id",)


@admin.register(SmsDelivery)
class SmsDeliveryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("accepted_at", "gateway_message_id", "status", "error_code", "status_at", "notification")
    list_filter = ("status",)
    search_fields = ("gateway_message_id", "notification__case__reference")
    list_select_related = ("notification",)
