from django import forms
from django.utils.translation import gettext_lazy as _

from cases.models import Department
from complaints_portal.common.forms import StyledForm

from .models import FollowUpAttempt, FollowUpVisit
from .periods import PERIOD_VALIDATOR


class TargetForm(StyledForm):
    period = forms.CharField(
        label=_("Period"), validators=[PERIOD_VALIDATOR], max_length=6,
        help_text=_("A quarter such as 2026Q4; preset to the last completed quarter, the one being assessed."))
    department = forms.ModelChoiceField(
        label=_("Department"), queryset=Department.objects.filter(active=True), required=False,
        empty_label=_("Whole company"),
    )
    complaint_rate = forms.DecimalField(label=_("Complaint rate target (%)"), max_digits=9, decimal_places=4, required=False, min_value=0)
    on_time_rate = forms.DecimalField(label=_("On-time rate target (%)"), max_digits=5, decimal_places=2, required=False, min_value=0, max_value=100)
    satisfaction_rate = forms.DecimalField(label=_("Satisfaction target (%)"), max_digits=5, decimal_places=2, required=False, min_value=0, max_value=100)


class AttemptForm(forms.Form):
    result = forms.ChoiceField(label=_("Result of the call"), choices=FollowUpAttempt.Result.choices,
                               widget=forms.Select(attrs={"class": "form-select"}))
    channel = forms.CharField(label=_("Channel"), initial="phone", max_length=20, widget=forms.HiddenInput)
    note = forms.CharField(label=_("Note"), required=False, max_length=200,
                           widget=forms.TextInput(attrs={"class": "form-control"}))


# The customer's rating of a completed visit, in words (the satisfaction rate counts 4 and 5).
RATINGS = [
    ("1", _("1 – very dissatisfied")), ("2", _("2 – dissatisfied")), ("3", _("3 – neutral")),
    ("4", _("4 – satisfied")), ("5", _("5 – very satisfied")),
]


class VisitForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=FollowUpVisit.Outcome.choices,
                                widget=forms.Select(attrs={"class": "form-select"}))
    rating = forms.TypedChoiceField(
        label=_("Rating"), choices=RATINGS, coerce=int, required=False, empty_value=None,
        widget=forms.RadioSelect(attrs={"data-required-when": "outcome=completed"}),
        help_text=_("Required for a completed visit."),
    )
    comment = forms.CharField(label=_("Comment"), required=False,
                              widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}))
