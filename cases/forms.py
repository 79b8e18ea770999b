"""HTML forms. They only shape and pre-check input; the services decide (and re-check) everything.
The actions' forms are built from their rows (cases.actions.forms)."""
from django import forms
from django.urls import reverse
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
from .models.flags import CustomerFlag
from .searches import PERSONAL, SEARCH_PARAM
from .selectors import CASE_SORTS
from .services.intake import intake_rule_errors
from .services.submissions import form_submission, form_token


def _blank(choices, label="—"):
    return [("", label), *choices]


def _textarea(rows=3):
    return forms.Textarea(attrs={"rows": rows})


class OneTimeForm(forms.Form):
    """A form whose POST registers a complaint: it carries a one-time token drawn when the form
    is shown (kept when it comes back with errors), so a double click or a resent POST
    registers one case (cases.services.submissions)."""

    submission_token = forms.CharField(widget=forms.HiddenInput, required=False, max_length=255)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["submission_token"] = form_token()

    def submission(self, scope):
        return form_submission(scope, self.cleaned_data.get("submission_token"))


# --- intake ---------------------------------------------------------------------------------

class IntakeForm(OneTimeForm, StyledForm):
    """The clerk's intake form (SPEC §2), in the order a hotline call goes."""

    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices, initial=Channel.HOTLINE)
    regulator_reference = forms.CharField(label=_("Regulator reference"), max_length=60, required=False)
    regulator_date = forms.DateField(label=_("Regulator transfer date"), required=False,
                                     widget=DateInput())
    customer_flags = forms.MultipleChoiceField(
        label=_("The customer needs particular care"), choices=CustomerFlag.choices, required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Elderly is also set from a resident ID: 60 or older on the day received."))
    customer_flags_note = forms.CharField(label=_("What the customer needs"), max_length=200, required=False)
    # A group complaint (SPEC §12), checked by cases.groups through intake_rule_errors.
    complainant_count = forms.IntegerField(label=_("Number of complainants"), min_value=1, initial=1, required=False)
    representatives = forms.CharField(label=_("Representatives (at most 5)"), required=False, widget=_textarea(3),
                                      help_text=_("One per line: name, phone number."))
    received_at = forms.DateTimeField(
        label=_("Received at"), required=False, help_text=_("Leave empty for now. A letter: the sign-for date. "
                                       "A regulator referral: leave empty for its transfer date."),
        widget=DateTimeInput(),
    )
    customer_name = forms.CharField(label=_("Customer name"), max_length=100)
    customer_phone = forms.CharField(label=_("Phone"), max_length=30, required=False,
                                     help_text=_("Mobile or landline with area code. Not needed for a complaint by email."),
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
        if "channel" not in data:
            return data
        # The rules of intake across fields and the phone/ID checks are the service's, for
        # every channel: shown here on their fields, and the numbers normalised.
        for name, message in intake_rule_errors(data).items():
            if name in self.fields and name not in self.errors:
                self.add_error(name, str(message))
        return data

    def to_data(self):
        data = {k: v for k, v in self.cleaned_data.items() if v not in (None, "") and k != "submission_token"}
        if data.get("channel") != Channel.REGULATOR:
            data.pop("regulator_reference", None)
            data.pop("regulator_date", None)
        return data


class DuplicateCheckForm(forms.Form):
    customer_phone = forms.CharField(required=False, max_length=30)
    policy_numbers = forms.CharField(required=False, max_length=200)


# --- lists ----------------------------------------------------------------------------------

class CaseFilterForm(StyledForm):
    """Queue filters. POSTed and kept server-side (cases.searches): the search text may be a
    phone, ID number or name, which never goes into a URL."""

    q = forms.CharField(label=_("Search"), required=False, max_length=100,
                        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Reference, name, phone or policy")}))
    status = forms.ChoiceField(label=_("Status"), required=False, choices=_blank(Status.choices, _("All statuses")))
    category = forms.ChoiceField(label=_("Category"), required=False, choices=_blank(Category.choices, _("All categories")))
    channel = forms.ChoiceField(label=_("Channel"), required=False, choices=_blank(Channel.choices, _("All channels")))
    department = forms.ChoiceField(label=_("Department"), required=False)
    overdue = forms.BooleanField(label=_("Overdue"), required=False)
    due_soon = forms.BooleanField(label=_("Due soon"), required=False)
    major = forms.BooleanField(label=_("Major complaints"), required=False)
    # A key of cases.selectors.CASE_SORTS, "-" first for descending; another value is ignored.
    sort = forms.CharField(required=False, widget=forms.HiddenInput, max_length=40)

    def __init__(self, *args, departments=None, **kwargs):
        super().__init__(*args, **kwargs)
        if departments is None:
            del self.fields["department"]
        else:
            self.fields["department"].choices = _blank([(d.code, d.name) for d in departments], _("All departments"))

    def stored(self):
        """The valid values, JSON-safe, to bind the form with again (cases.searches)."""
        return {name: value for name, value in self.cleaned_data.items() if value not in ("", None, False)}

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
        if d.get("major"):
            filters["major"] = True
        return filters

    def order(self, default=None):
        """The order asked for (a key of cases.selectors.CASE_SORTS), else ``default``."""
        sort = self.cleaned_data.get("sort") if self.is_valid() else None
        return sort if sort and sort.removeprefix("-") in CASE_SORTS else default

    def chips(self, request):
        """What is applied, for the list's chips: [(label, value shown, the URL without it)]."""
        if not self.is_valid():
            return []
        chips = []
        for name in ("q", "status", "category", "channel", "department", "overdue", "due_soon", "major"):
            value = self.cleaned_data.get(name)
            if not value or name not in self.fields:
                continue
            field = self.fields[name]
            shown = dict(field.choices).get(value, value) if hasattr(field, "choices") else (
                "" if value is True or name in PERSONAL else value)  # the search text is never shown
            # A stored search (cases.searches) is dropped with its key; over a stored search another
            # filter is emptied in the query string (which applies over the stored ones), else removed.
            stored = SEARCH_PARAM in request.GET
            removal = {SEARCH_PARAM: None} if name in PERSONAL else {name: "" if stored else None}
            chips.append((field.label, shown, querystring(request, **removal, page=None)))
        return chips


# --- case page --------------------------------------------------------------------------------

class AttachmentForm(StyledForm):
    file = forms.FileField(label=_("File"))
    kind = forms.ChoiceField(label=_("Kind"), choices=[
        ("evidence", _("Evidence")), ("letter", _("Letter")), ("recording", _("Call recording")), ("other", _("Other")),
    ])
