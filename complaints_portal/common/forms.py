"""What every form of the portal shares: Bootstrap classes on its widgets (so the one field
template renders any field) and the browser's date pickers.

An `<input type="date">` accepts only ISO values (2026-12-07); Django renders a date in the
active language's first input format (2026/12/07 in Chinese), which the browser discards, so
a default date vanished from the form. Every date and date-time field uses these widgets."""
from django import forms


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


class StyledForm(forms.Form):
    """Bootstrap classes on every widget (check boxes and radio lists style their own items);
    a text field's ``max_length`` also limits what the browser lets one type."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxSelectMultiple | forms.RadioSelect):
                continue
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()
            if getattr(field, "max_length", None):
                widget.attrs.setdefault("maxlength", field.max_length)
