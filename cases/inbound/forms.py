from django import forms
from django.utils.translation import gettext_lazy as _

from complaints_portal.common.forms import StyledForm

from ..models.case import Category, DisputeType, MisconductKind


def _blank(choices):
    return [("", "—"), *choices]


class ClassifyForm(StyledForm):
    """The clerk's confirmation of an email complaint's category (the department follows by dispatch)."""

    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    misconduct_kind = forms.ChoiceField(label=_("Misconduct kind"), choices=_blank(MisconductKind.choices),
                                        required=False)
    dispute_type = forms.ChoiceField(label=_("Dispute type"), choices=_blank(DisputeType.choices), required=False)
