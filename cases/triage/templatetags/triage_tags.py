from django import template

from .. import selectors

register = template.Library()


@register.inclusion_tag("triage/_case_panel.html")
def triage_panel(case):
    """The case page's panel: what was suggested at registration and what the clerk took.
    One query on a case without a suggestion (most cases: API, public form, legacy)."""
    record = selectors.triage_suggestion_for_case(case)
    if record is None:
        return {"record": None}
    rows = selectors.triage_display({target: [tuple(v) for v in values] for target, values in record.ranked.items()})
    return {
        "record": record,
        "rows": [(target, label, values, getattr(record, f"{target}_accepted")) for target, label, values in rows],
    }
