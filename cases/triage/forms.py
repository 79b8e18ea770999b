"""Forms of the triage suggestions on the intake page."""
from django import forms
from django.utils.translation import gettext_lazy as _

from complaints_portal.common.forms import StyledForm

from ..models import Department
from .selectors import case_text


class TriageTextForm(forms.Form):
    """The intake form's three text fields, as the suggestion endpoint receives them."""

    summary = forms.CharField(required=False, max_length=200)
    description = forms.CharField(required=False, max_length=20000)
    expected_resolution = forms.CharField(required=False, max_length=20000)

    def text(self):
        data = self.cleaned_data
        return case_text(data["summary"], data["description"], data["expected_resolution"])


class IntakeDepartmentForm(StyledForm):
    """The responsible department, chosen on the intake form where the clerk already knows it
    (or takes the suggestion): the case is dispatched right after it is registered."""

    department = forms.ModelChoiceField(
        label=_("Dispatch to"), required=False, to_field_name="code", empty_label="—",
        queryset=Department.objects.filter(active=True).order_by("code"),
        help_text=_("Optional: dispatch to the responsible department right away."),
    )
