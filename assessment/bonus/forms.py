"""Forms of the results pages: rule set editor (form + tier formset), approval, correction,
training plans."""
from decimal import Decimal

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from cases.models import Department
from cases.templatetags.case_tags import user_label
from complaints_portal.common.forms import DateInput, StyledForm

from .models import QUARTER_VALIDATOR, BonusTier, Operator, TrainingTopic

OPERATOR_CHOICES = [("", _("— no condition —")), *Operator.choices]


class RuleSetForm(StyledForm):
    name = forms.CharField(label=_("Rule set name"), max_length=100)
    effective_from = forms.CharField(label=_("In force from (quarter)"), max_length=6, validators=[QUARTER_VALIDATOR])
    effective_to = forms.CharField(label=_("In force until (quarter, blank = open)"), max_length=6, required=False,
                                   validators=[QUARTER_VALIDATOR])
    weight_complaint_rate = forms.DecimalField(label=_("Weight: complaint rate"), max_digits=5, decimal_places=2,
                                               min_value=0, initial=Decimal("0.40"))
    weight_on_time_rate = forms.DecimalField(label=_("Weight: on-time rate"), max_digits=5, decimal_places=2,
                                             min_value=0, initial=Decimal("0.30"))
    weight_satisfaction_rate = forms.DecimalField(label=_("Weight: satisfaction rate"), max_digits=5,
                                                  decimal_places=2, min_value=0, initial=Decimal("0.30"))
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def clean_effective_from(self):
        return self.cleaned_data["effective_from"].upper()

    def clean_effective_to(self):
        return (self.cleaned_data.get("effective_to") or "").upper()

    @property
    def weights(self):
        return {
            "complaint_rate": self.cleaned_data["weight_complaint_rate"],
            "on_time_rate": self.cleaned_data["weight_on_time_rate"],
            "satisfaction_rate": self.cleaned_data["weight_satisfaction_rate"],
        }


class TierForm(StyledForm):
    label = forms.CharField(label=_("Label"), max_length=100)
    combine = forms.ChoiceField(label=_("Combine"), choices=BonusTier.Combine.choices)
    complaint_op = forms.ChoiceField(label=_("Complaint rate"), choices=OPERATOR_CHOICES, required=False)
    complaint_delta = forms.DecimalField(label=_("target ± points"), max_digits=9, decimal_places=4, required=False,
                                         help_text=_("−0.01 = at least 0.01 points below target"))
    on_time_op = forms.ChoiceField(label=_("On-time rate"), choices=OPERATOR_CHOICES, required=False)
    on_time_threshold = forms.DecimalField(label=_("%"), max_digits=6, decimal_places=2, required=False)
    satisfaction_op = forms.ChoiceField(label=_("Satisfaction rate"), choices=OPERATOR_CHOICES, required=False)
    satisfaction_threshold = forms.DecimalField(label=_("%"), max_digits=6, decimal_places=2, required=False)
    adjustment_percent = forms.DecimalField(label=_("Adjustment (%)"), max_digits=6, decimal_places=2)

    def clean(self):
        data = super().clean()
        for op, value in (("complaint_op", "complaint_delta"), ("on_time_op", "on_time_threshold"),
                          ("satisfaction_op", "satisfaction_threshold")):
            if data.get(op) and data.get(value) is None:
                self.add_error(value, _("A condition needs a threshold."))
        return data


class BaseTierFormSet(forms.BaseFormSet):
    def tiers(self):
        """The filled tier forms in order (blank extra rows and deleted rows left out)."""
        return [f.cleaned_data for f in self.forms
                if f.cleaned_data and not f.cleaned_data.get("DELETE")]


TierFormSet = forms.formset_factory(TierForm, formset=BaseTierFormSet, extra=2, can_delete=True, max_num=20,
                                    validate_max=True)


class ApproveForm(StyledForm):
    confirm = forms.BooleanField(label=_("I confirm approving anyway"), required=False)
    note = forms.CharField(label=_("Note"), required=False, max_length=500)


class CorrectionForm(StyledForm):
    department = forms.ModelChoiceField(label=_("Department"), queryset=Department.objects.all())
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))
    adjustment_percent = forms.DecimalField(
        label=_("Adjustment (%)"), max_digits=6, decimal_places=2, required=False,
        help_text=_("Blank: re-evaluate with today's KPIs and the rules in force."))


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return user_label(obj)


class TrainingPlanForm(StyledForm):
    topic = forms.ModelChoiceField(label=_("Topic"), queryset=TrainingTopic.objects.filter(active=True),
                                   empty_label=_("Choose a topic"))
    department = forms.ModelChoiceField(label=_("Department"), queryset=Department.objects.filter(active=True),
                                        empty_label=_("Choose a department"))
    audience = forms.CharField(label=_("Audience"), max_length=200)
    date = forms.DateField(label=_("Training date"), widget=DateInput())
    owner = PersonChoiceField(label=_("Owner"), empty_label=_("Choose who runs it"),
                              queryset=get_user_model().objects.filter(is_active=True).order_by("username"))


class TrainingCompleteForm(StyledForm):
    note = forms.CharField(label=_("Completion note"), required=False, max_length=500)
