"""The case list as CSV or XLSX for people (complaints_portal.common.sheets): a title row with
the filters, the as-of date, who exported it and when, then the cases under headers in the
reader's language, values by their label and departments by their name.

No personal data is exported (no names, phones, ID numbers), nor the search text (it may be a
phone number): the list is for statistics and follow-up, and each case's details stay behind
the case page's permission checks. Rows are streamed from the database (`iterator()`), so
memory does not grow with the number of cases.
"""
from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from complaints_portal.common import sheets


def _moment(value):
    return sheets.local_time(value) if value else ""


COLUMNS = [
    ("reference", gettext_lazy("Reference"), lambda c: c.reference),
    ("received_at", gettext_lazy("Received"), lambda c: _moment(c.received_at)),
    ("status", gettext_lazy("Status"), lambda c: c.get_status_display()),
    ("department", gettext_lazy("Department"), lambda c: c.department.name if c.department_id else ""),
    ("channel", gettext_lazy("Channel"), lambda c: c.get_channel_display()),
    ("category", gettext_lazy("Category"), lambda c: c.get_category_display()),
    ("dispute_type", gettext_lazy("Dispute type"), lambda c: c.get_dispute_type_display()),
    ("complaint_type", gettext_lazy("Complaint type"), lambda c: c.get_complaint_type_display()),
    ("tier", gettext_lazy("Tier"), lambda c: c.get_tier_display()),
    ("next_due", gettext_lazy("Next due"), lambda c: c.next_due.isoformat() if c.next_due else ""),
    ("overdue", gettext_lazy("Overdue"), lambda c: _("yes") if c.next_due and c.next_due < timezone.localdate() else ""),
    ("regulatory_due", gettext_lazy("Regulatory due date"), lambda c: c.due_overall.isoformat() if c.due_overall else ""),
    ("decision_notified_at", gettext_lazy("Decision notified"), lambda c: _moment(c.notified_at)),
    ("outcome", gettext_lazy("Outcome"), lambda c: c.get_outcome_display()),
]
HEADERS = [(code, label) for code, label, _value in COLUMNS]


def describe_filters(form):
    """The filters of the list form in words: "Status: Assigned; Overdue"; the search text is
    named, not written."""
    if not form.is_valid():
        return _("none")
    parts = []
    for name, value in form.cleaned_data.items():
        if value in (None, "", False):
            continue
        field = form.fields[name]
        if value is True or name == "q":
            parts.append(str(field.label))
            continue
        choices = dict(getattr(field, "choices", ()) or ())
        parts.append(f"{field.label}: {choices.get(value, value)}")
    return "; ".join(parts) or _("none")


def _facts(form):
    return [(_("As of"), timezone.localdate().isoformat()), (_("Filters"), describe_filters(form))]


def _rows(queryset):
    for case in queryset.select_related("department").iterator(chunk_size=2000):
        yield [value(case) for _code, _label, value in COLUMNS]


def case_list_csv(queryset, form, user):
    lines = sheets.csv_lines(_("Case list"), _facts(form), user, HEADERS, _rows(queryset))
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="cases.csv"'
    return response


def case_list_xlsx(queryset, form, user):
    content = sheets.sheet_xlsx(_("Case list"), _facts(form), user, HEADERS, _rows(queryset), sheet_title=_("Cases"))
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = 'attachment; filename="cases.xlsx"'
    return response
