"""HTML forms. They only shape and pre-check input; the services decide (and re-check) everything.
The actions' forms are built from their rows (cases.actions.forms)."""
from django import forms
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from complaints_portal.common.forms import DateInput, DateTimeInput, StyledForm
from complaints_portal.common.rendering import querystring

from .models.case import (
    Category,
    Channel,
    ComplaintType,
    DisputeType,
    IdType,
    MisconductKind,
    Status,
)
from .selectors import CASE_SORTS


def _blank(choices, label="—"):
    return [("", label), *choices]


def _textarea(rows=3):
    return forms.Textarea(attrs={"rows": rows})


# --- intake ---------------------------------------------------------------------------------

class IntakeForm(StyledForm):
    """The clerk's intake form (SPEC §2), in the order a hotline call goes."""

    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices, initial=Channel.HOTLINE)
    regulator_reference = forms.CharField(label=_("Regulator reference"), max_length=60, required=False)
    regulator_date = forms.DateField(label=_("Regulator transfer date"), required=False,
                                     widget=DateInput())
    received_at = forms.DateTimeField(
        label=_("Received at"), required=False, help_text=_("Leave empty for now. A letter: the sign-for date."),
        widget=DateTimeInput(),
    )
    customer_name = forms.CharField(label=_("Customer name"), max_length=100)
    customer_phone = forms.CharField(label=_("Phone"), max_length=30,
                                     widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}))
    policy_numbers = forms.CharField(label=_("Policy numbers"), max_length=200, required=False,
                                     help_text=_("Separate several with commas."))
    customer_id_type = forms.ChoiceField(label=_("ID type"), choices=_blank(IdType.choices), required=False)
    customer_id_number = forms.CharField(label=_("ID number"), max_length=40, required=False,
                                         widget=forms.TextInput(attrs={"autocomplete": "off"}))
    customer_email = forms.EmailField(label=_("Email"), required=False)
    customer_address = forms.CharField(label=_("Address"), max_length=200, required=False)
    agent_name = forms.CharField(label=_("Agent or heir"), max_length=100, required=False)
    agent_relation = forms.CharField(label=_("Relation to the customer"), max_length=50, required=False)
    agent_authorisation = forms.CharField(label=_("Authorisation"), max_length=200, required=False)
    category = forms.ChoiceField(label=_("Category"), choices=_blank(Category.choices))
    misconduct_kind = forms.ChoiceField(label=_("Misconduct kind"), choices=_blank(MisconductKind.choices), required=False)
    dispute_type = forms.ChoiceField(label=_("Dispute type"), choices=_blank(DisputeType.choices), required=False)
    product_line = forms.CharField(label=_("Product line"), max_length=100, required=False)
    complaint_type = forms.ChoiceField(label=_("Type"), choices=ComplaintType.choices, initial=ComplaintType.COMPLAINT,
                                       widget=forms.RadioSelect)
    summary = forms.CharField(label=_("Summary"), max_length=200)
    description = forms.CharField(label=_("What happened"), required=False, widget=_textarea(4))
    expected_resolution = forms.CharField(label=_("What the customer wants"), required=False, widget=_textarea(2))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customer_name"].widget.attrs["autofocus"] = True
        # Hooks for static/portal/portal.js: the duplicate check and the channel/category toggles.
        self.fields["channel"].widget.attrs["data-toggle-group"] = "channel"
        self.fields["category"].widget.attrs["data-toggle-group"] = "category"
        # Required for one choice of another field (clean() below): an asterisk beside them.
        self.fields["regulator_reference"].widget.attrs["data-required-when"] = "channel=regulator"
        self.fields["misconduct_kind"].widget.attrs["data-required-when"] = "category=misconduct"
        for name in ("customer_phone", "policy_numbers"):
            # POST, so that the phone and policy number never appear in a URL or access log.
            self.fields[name].widget.attrs.update({
                "hx-post": reverse("duplicate_check"), "hx-trigger": "change", "hx-target": "#duplicates",
                "hx-params": "customer_phone,policy_numbers", "hx-sync": "closest form:replace",
            })

    def clean(self):
        data = super().clean()
        if data.get("channel") == Channel.REGULATOR and not data.get("regulator_reference"):
            self.add_error("regulator_reference", _("Required for a regulator referral."))
        if data.get("category") == Category.MISCONDUCT and not data.get("misconduct_kind"):
            self.add_error("misconduct_kind", _("Choose the kind of misconduct."))
        received_at = data.get("received_at")
        if received_at and received_at > timezone.now():
            self.add_error("received_at", _("The receipt time cannot be in the future."))
        return data

    def to_data(self):
        data = {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}
        if data.get("channel") != Channel.REGULATOR:
            data.pop("regulator_reference", None)
            data.pop("regulator_date", None)
        return data


class DuplicateCheckForm(forms.Form):
    customer_phone = forms.CharField(required=False, max_length=30)
    policy_numbers = forms.CharField(required=False, max_length=200)


# --- lists ----------------------------------------------------------------------------------

class CaseFilterForm(StyledForm):
    """Queue filters. Read from the query string; only free text the user typed goes there."""

    q = forms.CharField(label=_("Search"), required=False, max_length=100,
                        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Reference, name, phone or policy")}))
    status = forms.ChoiceField(label=_("Status"), required=False, choices=_blank(Status.choices, _("All statuses")))
    category = forms.ChoiceField(label=_("Category"), required=False, choices=_blank(Category.choices, _("All categories")))
    channel = forms.ChoiceField(label=_("Channel"), required=False, choices=_blank(Channel.choices, _("All channels")))
    department = forms.ChoiceField(label=_("Department"), required=False)
    overdue = forms.BooleanField(label=_("Overdue"), required=False)
    due_soon = forms.BooleanField(label=_("Due soon"), required=False)
    sort = forms.ChoiceField(required=False, widget=forms.HiddenInput, choices=[
        (f"{direction}{key}", key) for key in CASE_SORTS for direction in ("", "-")])

    def __init__(self, *args, departments=None, **kwargs):
        super().__init__(*args, **kwargs)
        if departments is None:
            del self.fields["department"]
        else:
            self.fields["department"].choices = _blank([(d.code, d.name) for d in departments], _("All departments"))

    def selector_filters(self):
        if not self.is_valid():
            return {}
        d = self.cleaned_data
        filters = {k: d[k] for k in ("status", "category", "channel", "department") if d.get(k)}
        if d.get("q"):
            filters["search"] = d["q"]
        if d.get("overdue"):
            filters["overdue"] = True
        if d.get("due_soon"):
            filters["due_soon"] = True
        return filters

    def order(self, default=None):
        """The order asked for (a key of cases.selectors.CASE_SORTS), else ``default``."""
        return (self.cleaned_data.get("sort") if self.is_valid() else None) or default

    def chips(self, request):
        """What is applied, for the list's chips: [(label, value shown, the URL without it)]."""
        if not self.is_valid():
            return []
        chips = []
        for name in ("q", "status", "category", "channel", "department", "overdue", "due_soon"):
            value = self.cleaned_data.get(name)
            if not value or name not in self.fields:
                continue
            field = self.fields[name]
            shown = dict(field.choices).get(value, value) if hasattr(field, "choices") else (
                "" if value is True else value)
            chips.append((field.label, shown, querystring(request, **{name: None, "page": None})))
        return chips


# --- case page --------------------------------------------------------------------------------

class AttachmentForm(StyledForm):
    file = forms.FileField(label=_("File"))
    kind = forms.ChoiceField(label=_("Kind"), choices=[
        ("evidence", _("Evidence")), ("letter", _("Letter")), ("recording", _("Call recording")), ("other", _("Other")),
    ])
