"""Forms of the public pages. Every field has a maximum length; files are checked by content
here, before anything is written, so a refused file leaves no case behind."""
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from complaints_portal.common.forms import StyledForm

from ..fields import normalise_public_code
from ..forms import OneTimeForm
from ..identity import InvalidNumber, customer_numbers_check, phone_clean
from ..models.case import Category, DisputeType, IdType, MisconductKind
from ..services.attachments import AttachmentRefused, attachment_check

HONEYPOT_FIELD = "website"
ACCEPT = ".pdf,.jpg,.jpeg,.png,.docx,.xlsx,.mp3,.wav,.m4a"

class PhoneField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 30)
        kwargs.setdefault("widget", forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "tel"}))
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return value
        try:
            return phone_clean(value)
        except InvalidNumber as exc:
            raise ValidationError(exc.message, code="bad_phone") from None


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ACCEPT}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(item, initial) for item in data if item]
        return [super().clean(data, initial)] if data else []


def _choices(enum, empty):
    return [("", empty), *enum.choices]




class PublicComplaintForm(OneTimeForm, StyledForm):
    # About you
    customer_name = forms.CharField(label=_("Your name"), max_length=100,
                                    widget=forms.TextInput(attrs={"autocomplete": "name"}))
    customer_phone = PhoneField(label=_("Mobile phone"),
                                help_text=_("We call or text you on this number. You also need it to check the status."))
    customer_email = forms.EmailField(label=_("Email (optional)"), required=False, max_length=254,
                                      widget=forms.EmailInput(attrs={"autocomplete": "email"}),
                                      help_text=_("If you give an address we send you a confirmation."))
    customer_id_type = forms.ChoiceField(label=_("ID type (optional)"), required=False,
                                         choices=_choices(IdType, _("Not given")))
    customer_id_number = forms.CharField(label=_("ID number (optional)"), required=False, max_length=30,
                                         widget=forms.TextInput(attrs={"autocomplete": "off"}))
    # Your policy
    policy_numbers = forms.CharField(label=_("Policy number(s) (optional)"), required=False, max_length=200)
    product_line = forms.CharField(label=_("Product (optional)"), required=False, max_length=100,
                                   help_text=_("For example: whole life, critical illness, annuity."))
    # Your complaint
    category = forms.ChoiceField(label=_("What is the complaint about?"), choices=_choices(Category, _("Please choose")))
    misconduct_kind = forms.ChoiceField(label=_("Kind of misconduct (optional)"), required=False,
                                        choices=_choices(MisconductKind, _("Not sure")),
                                        help_text=_("Only if the complaint is about staff misconduct."))
    dispute_type = forms.ChoiceField(label=_("Type of dispute (optional)"), required=False,
                                     choices=_choices(DisputeType, _("Not sure")))
    summary = forms.CharField(label=_("Your complaint in one sentence"), max_length=200)
    description = forms.CharField(label=_("What happened"), max_length=5000,
                                  widget=forms.Textarea(attrs={"rows": 5}),
                                  help_text=_("When, where, who was involved, and what went wrong."))
    expected_resolution = forms.CharField(label=_("What would you like us to do?"), max_length=2000,
                                          widget=forms.Textarea(attrs={"rows": 3}))
    # Acting for someone else
    agent_name = forms.CharField(label=_("Your name, if you complain for someone else (optional)"),
                                 required=False, max_length=100,
                                 help_text=_("For an agent or heir. Above, give the policyholder's or insured's name."))
    agent_relation = forms.CharField(label=_("Your relation to them"), required=False, max_length=50)
    agent_authorisation = forms.CharField(label=_("Your authorisation"), required=False, max_length=200,
                                          help_text=_("For example: power of attorney, certificate of succession. "
                                                      "You can attach a copy below."))
    attachments = MultipleFileField(label=_("Attachments (optional)"), required=False)
    consent = forms.BooleanField(
        label=_("I have read the privacy notice and agree that my personal data is used to handle this complaint."),
        error_messages={"required": _("Please agree to the privacy notice, or we cannot handle your complaint.")},
    )
    # Honeypot: hidden by CSS, so people leave it empty and naive bots fill it in.
    website = forms.CharField(required=False, max_length=200, label=_("Leave this field empty"),
                              widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attachments"].help_text = _(
            "Up to %(count)d files, each at most %(mb)d MB: PDF, JPG, PNG, DOCX, XLSX, MP3, WAV, M4A."
        ) % {"count": settings.PUBLIC_MAX_ATTACHMENTS, "mb": settings.ATTACHMENT_MAX_BYTES // (1024 * 1024)}
        self.checked_files = []

    def clean_attachments(self):
        files = self.cleaned_data.get("attachments") or []
        if len(files) > settings.PUBLIC_MAX_ATTACHMENTS:
            raise ValidationError(_("Attach at most %(count)d files.") % {"count": settings.PUBLIC_MAX_ATTACHMENTS},
                                  code="too_many_files")
        checked, errors = [], []
        for uploaded in files:
            try:
                data, mime = attachment_check(uploaded)
            except AttachmentRefused as exc:
                errors.append(ValidationError("%(name)s: %(message)s", code="attachment_refused",
                                              params={"name": (uploaded.name or "")[:100], "message": exc.message}))
            else:
                checked.append((data, mime, uploaded.name))
        if errors:
            raise ValidationError(errors)
        self.checked_files = checked
        return files

    def clean(self):
        data = super().clean()
        for name, message in customer_numbers_check(data).items():
            if name not in self.errors:
                self.add_error(name, message)
        if data.get("agent_name") and not data.get("agent_relation"):
            self.add_error("agent_relation", _("Tell us how you are related to the person you complain for."))
        if data.get("category") != Category.MISCONDUCT:
            data["misconduct_kind"] = ""
        return data

    def case_data(self):
        """The cleaned values in the shape `case_create` takes."""
        names = ("customer_name", "customer_phone", "customer_email", "customer_id_type", "customer_id_number",
                 "policy_numbers", "product_line", "category", "misconduct_kind", "dispute_type", "summary",
                 "description", "expected_resolution", "agent_name", "agent_relation", "agent_authorisation")
        return {name: self.cleaned_data.get(name) or "" for name in names}


class StatusLookupForm(StyledForm):
    code = forms.CharField(
        label=_("Status look-up code"), max_length=20,
        help_text=_("The 12-character code in our confirmation message, e.g. K7Q4-MZ9T-P2X8."),
        widget=forms.TextInput(attrs={"placeholder": "K7Q4-MZ9T-P2X8", "autocomplete": "off",
                                      "autocapitalize": "characters", "spellcheck": "false"}),
    )
    phone = PhoneField(label=_("The phone number you gave us"))

    def clean_code(self):
        code = normalise_public_code(self.cleaned_data["code"])
        if code is None:
            raise ValidationError(_("A status look-up code has 12 letters and digits, e.g. K7Q4-MZ9T-P2X8."),
                                  code="bad_code")
        return code
