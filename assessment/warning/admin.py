"""Admin of early warning: the signal keywords are edited here; alerts and reviews are read-only
(acknowledged and decided on their pages, with a note)."""
from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from complaints_portal.common.admin import ReadOnlyAdminMixin

from .models import OrganisedReview, SignalKeyword, SurgeAlert


@admin.register(SurgeAlert)
class SurgeAlertAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["window_end", "dimension", "key", "count", "threshold", "acknowledged_at"]
    list_filter = ["dimension"]
    exclude = ["cases"]


@admin.register(SignalKeyword)
class SignalKeywordAdmin(SimpleHistoryAdmin):
    list_display = ["word", "active"]
    list_editable = ["active"]
    search_fields = ["word"]


@admin.register(OrganisedReview)
class OrganisedReviewAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["case", "flagged_at", "outcome", "decided_at"]
    list_filter = ["outcome"]
