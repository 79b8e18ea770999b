"""The triage models and suggestions in the admin, read-only (the portal writes them). The
versions' list is where the supervisor reads the live acceptance rate: per version, the share of
registrations where the clerk's final choice was the first suggestion."""
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from complaints_portal.common.admin import ReadOnlyAdminMixin

from . import selectors
from .models import TARGETS, TriageModel, TriageSuggestion


def _held_out(target, label):
    def column(obj):
        figures = (obj.metrics or {}).get(target)
        return f"{figures['top1']:.1%} / {figures['top3']:.1%}" if figures else "—"
    column.short_description = label
    return column


def _acceptance(target, label):
    def column(obj):
        decided, accepted = getattr(obj, f"{target}_decided"), getattr(obj, f"{target}_accepted")
        rate = selectors.acceptance_rate(accepted, decided)
        return "—" if rate is None else f"{rate}% ({accepted}/{decided})"
    column.short_description = label
    return column


@admin.register(TriageModel)
class TriageModelAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "__str__", "trained_at", "trigger", "training_size",
        _held_out("category", _("Category: held-out top-1 / top-3")),
        _held_out("dispute_type", _("Dispute type: held-out top-1 / top-3")),
        _held_out("department", _("Department: held-out top-1 / top-3")),
        "suggested",
        _acceptance("category", _("Category: first suggestion taken")),
        _acceptance("dispute_type", _("Dispute type: first suggestion taken")),
        _acceptance("department", _("Department: first suggestion taken")),
    )
    list_filter = ("trigger",)
    fields = ("version", "trained_at", "period", "trigger", "training_size", "metrics", "parameters", "weights_sha256")

    def get_queryset(self, request):
        # Counted in one GROUP BY with the list; the weights (megabytes) are never read here.
        return selectors.triage_acceptance(super().get_queryset(request).defer("weights"))

    @admin.display(description=_("Suggestions recorded"), ordering="suggested")
    def suggested(self, obj):
        return obj.suggested


@admin.register(TriageSuggestion)
class TriageSuggestionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    # The model version is shown by number: reading the TriageModel rows would read their
    # weights (megabytes each) for every line.
    list_display = ("case", "version", "created_at", *(f"{target}_accepted" for target in TARGETS))
    list_filter = tuple(f"{target}_accepted" for target in TARGETS)
    list_select_related = ("case",)
    search_fields = ("case__reference",)
    fields = ("case", "version", "created_at", "ranked", *(f"{target}_accepted" for target in TARGETS))

    @admin.display(description=_("model version"), ordering="model_id")
    def version(self, obj):
        return f"v{obj.model_id}"
