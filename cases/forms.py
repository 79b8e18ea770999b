"""HTML forms. They only shape and pre-check input; the services decide (and re-check) everything.

Each action form's `to_data()` returns the `data` dict that cases.services.case_transition
expects for that action, so the browser and the API feed the same handler.
"""
from django import forms
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Decision, Department, Pause
from .models.case import (
    Category,
    Channel,
    ComplaintType,
    DisputeType,
    IdType,
    MisconductKind,
    RootCause,
    Status,
)
from .models.deadlines import Tier
from .services.transitions import DEFAULT_REMEDIES, _round_one_handlers

User = get_user_model()


def _blank(choices, label="—"):
    return [("", label), *choices]


def _textarea(rows=3):
    return forms.Textarea(attrs={"rows": rows})


class StyledForm(forms.Form):
    """Adds the Bootstrap classes so jinja2/includes/field.html can stay generic."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.CheckboxSelectMultiple | forms.RadioSelect):
                continue
            elif isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "form-select")
            else:
                widget.attrs.setdefault("class", "form-control")


# --- intake ---------------------------------------------------------------------------------

class IntakeForm(StyledForm):
    """The clerk's intake form (SPEC §2), in the order a hotline call goes."""

    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices, initial=Channel.HOTLINE)
    regulator_reference = forms.CharField(label=_("Regulator reference"), max_length=60, required=False)
    regulator_date = forms.DateField(label=_("Regulator transfer date"), required=False,
                                     widget=forms.DateInput(attrs={"type": "date"}))
    received_at = forms.DateTimeField(
        label=_("Received at"), required=False, help_text=_("Leave empty for now. A letter: the sign-for date."),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
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


# --- case page --------------------------------------------------------------------------------

class AttachmentForm(StyledForm):
    file = forms.FileField(label=_("File"))
    kind = forms.ChoiceField(label=_("Kind"), choices=[
        ("evidence", _("Evidence")), ("letter", _("Letter")), ("recording", _("Call recording")), ("other", _("Other")),
    ])


class ActionForm(StyledForm):
    """Base of every action form: carries the case version so a stale form is refused."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    # Shown as the button text and the heading; set per subclass.
    title = ""
    confirm = ""
    button_class = "btn-primary"

    def __init__(self, *args, case=None, user=None, **kwargs):
        self.case = case
        self.user = user
        super().__init__(*args, **kwargs)
        if case is not None and not self.is_bound:
            self.initial.setdefault("version", case.version)

    def to_data(self):
        return {k: v for k, v in self.cleaned_data.items() if k != "version" and v not in (None, "")}


def _reason(label=None, required=True):
    return forms.CharField(label=label or _("Reason"), required=required, widget=_textarea(2))


class AcknowledgeForm(ActionForm):
    title = _("Record contact with the customer")
    method = forms.ChoiceField(label=_("Contact method"), choices=Decision.Method.choices)
    note = forms.CharField(label=_("What the customer was told"), required=False, widget=_textarea(2))


def _department_choices(exclude_id=None):
    return [(d.code, d.name) for d in Department.objects.filter(active=True).exclude(pk=exclude_id).order_by("code")]


class AssignForm(ActionForm):
    title = _("Dispatch to a department")
    department = forms.ChoiceField(label=_("Responsible department"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].choices = _blank(_department_choices())


class ReassignForm(ActionForm):
    title = _("Reassign to another department")
    department = forms.ChoiceField(label=_("New department"))
    reason = _reason()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].choices = _blank(_department_choices(self.case.department_id if self.case else None))


class FormTeamForm(ActionForm):
    title = _("Form the investigation team")
    lead = forms.ChoiceField(label=_("Team lead"))
    members = forms.MultipleChoiceField(label=_("Members"), required=False, widget=forms.CheckboxSelectMultiple)
    recusal_attested = forms.BooleanField(
        label=_("Every member attests having no direct interest in this complaint"), required=True,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        case = self.case
        if case is not None and case.round == 1:
            # First round: staff of the responsible department only (the service checks too).
            qs = User.objects.filter(memberships__department_id=case.department_id)
        else:
            # Review: staff of any department who did not handle the first round (the service
            # enforces this too; leaving them out spares the senior manager a refusal).
            qs = User.objects.filter(memberships__isnull=False).exclude(pk__in=_round_one_handlers(case))
            self.fields["members"].help_text = _("Staff who handled the first round are not listed.")
        qs = qs.filter(is_active=True).distinct().order_by("username")
        choices = [(u.username, u.get_full_name() or u.username) for u in qs]
        self.fields["lead"].choices = _blank(choices)
        self.fields["members"].choices = choices

    def to_data(self):
        d = self.cleaned_data
        return {"lead": d["lead"], "members": list(d.get("members") or []), "recusal_attested": d["recusal_attested"]}


class SubmitReportForm(ActionForm):
    title = _("Submit the investigation report")
    facts = forms.CharField(label=_("Facts established"), widget=_textarea(4))
    at_fault = forms.TypedChoiceField(
        label=_("Is the company at fault?"), choices=[("true", _("Yes")), ("false", _("No"))],
        coerce=lambda v: v == "true", widget=forms.RadioSelect,
    )
    responsible_staff = forms.CharField(label=_("Responsible staff"), max_length=200, required=False)
    root_cause = forms.ChoiceField(label=_("Root cause"), choices=_blank(RootCause.choices), required=False)
    recommendation = forms.CharField(label=_("Recommendation"), widget=_textarea(3))

    def to_data(self):
        data = super().to_data()
        data["at_fault"] = self.cleaned_data["at_fault"]
        return data


class ProposePlanForm(ActionForm):
    title = _("Propose a resolution plan")
    plan = forms.CharField(label=_("Plan"), widget=_textarea(4))
    redress_amount = forms.DecimalField(label=_("Redress amount (CNY)"), required=False, min_value=0,
                                        max_digits=12, decimal_places=2)


class ApprovePlanForm(ActionForm):
    title = _("Approve the plan")
    button_class = "btn-success"
    reason = forms.CharField(label=_("Comment"), required=False, widget=_textarea(2))


class RejectPlanForm(ActionForm):
    title = _("Reject the plan")
    button_class = "btn-outline-danger"
    reason = _reason(_("Why it is rejected"))


class NotifyDecisionForm(ActionForm):
    title = _("Record the decision notice")
    method = forms.ChoiceField(label=_("How the customer was told"), choices=Decision.Method.choices)
    decision = forms.CharField(label=_("Decision"), widget=_textarea(4))
    remedies = forms.CharField(label=_("Remedies open to the customer"), required=False, widget=_textarea(2))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["remedies"].initial = DEFAULT_REMEDIES


class CustomerAcceptsForm(ActionForm):
    title = _("Customer accepts the decision")
    button_class = "btn-success"


class CustomerDisputesForm(ActionForm):
    title = _("Customer disputes the decision (open a review)")
    button_class = "btn-outline-danger"
    reason = _reason(_("What the customer disputes"))


class CloseForm(ActionForm):
    title = _("Close (obligations fulfilled)")
    button_class = "btn-outline-secondary"
    confirm = _("Close this case?")
    reason = _reason()


class WithdrawForm(ActionForm):
    title = _("Customer withdraws the complaint")
    button_class = "btn-outline-danger"
    confirm = _("Record the withdrawal? Processing stops today.")
    reason = _reason()


class ArchiveForm(ActionForm):
    title = _("Archive")
    button_class = "btn-outline-secondary"
    confirm = _("Archive this case? It becomes read-only.")


class ExtendForm(ActionForm):
    title = _("Extend the deadline (change tier)")
    tier = forms.ChoiceField(label=_("New tier"))
    reason = _reason()
    customer_told_at = forms.DateTimeField(
        label=_("Customer told at"), required=False, help_text=_("Leave empty for now."),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )

    def __init__(self, *args, tiers=None, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = tiers or [Tier.COMPLEX, Tier.SPECIAL]
        self.fields["tier"].choices = [(t.value, t.label) for t in Tier if t in allowed]


class PauseForm(ActionForm):
    title = _("Pause the deadline")
    kind = forms.ChoiceField(label=_("Why"), choices=Pause.Kind.choices)
    start = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    proof = forms.CharField(label=_("Proof the customer was told"), max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["start"].initial = timezone.localdate()


class ResumeForm(ActionForm):
    title = _("Resume the deadline")
    end = forms.DateField(label=_("Pause ended on"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["end"].initial = timezone.localdate()


class RestartClockForm(ActionForm):
    title = _("New facts received (restart the clock)")
    received_on = forms.DateField(label=_("New facts received on"), widget=forms.DateInput(attrs={"type": "date"}))


class MergeForm(ActionForm):
    title = _("Merge into another case (duplicate)")
    confirm = _("Merge this case into the other one? This case stops here.")
    button_class = "btn-outline-secondary"
    into = forms.CharField(label=_("Reference of the master case"), max_length=20)


class LegalHoldForm(ActionForm):
    title = _("Legal hold")
    button_class = "btn-outline-secondary"
    hold = forms.BooleanField(label=_("Hold (stop disposal)"), required=False)
    reason = _reason(required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.case is not None:
            self.fields["hold"].initial = not self.case.legal_hold

    def to_data(self):
        return {"hold": bool(self.cleaned_data.get("hold")), "reason": self.cleaned_data.get("reason") or ""}


ACTION_FORMS = {
    "acknowledge": AcknowledgeForm,
    "assign": AssignForm,
    "reassign": ReassignForm,
    "form_team": FormTeamForm,
    "submit_report": SubmitReportForm,
    "propose_plan": ProposePlanForm,
    "approve_plan": ApprovePlanForm,
    "reject_plan": RejectPlanForm,
    "notify_decision": NotifyDecisionForm,
    "customer_accepts": CustomerAcceptsForm,
    "customer_disputes": CustomerDisputesForm,
    "close": CloseForm,
    "withdraw": WithdrawForm,
    "archive": ArchiveForm,
    "extend": ExtendForm,
    "pause": PauseForm,
    "resume": ResumeForm,
    "restart_clock": RestartClockForm,
    "merge": MergeForm,
    "legal_hold": LegalHoldForm,
}
