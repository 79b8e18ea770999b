"""The case list as CSV or XLSX with its filters and export time, streamed (`iterator()`), and
without personal data (the details stay behind the case page's permission checks)."""
import csv

from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

COLUMNS = [
    ("reference", lambda c: c.reference),
    ("received_at", lambda c: timezone.localtime(c.received_at).strftime("%Y-%m-%d %H:%M")),
    ("status", lambda c: c.get_status_display()),
    ("department", lambda c: c.department.code if c.department_id else ""),
    ("channel", lambda c: c.get_channel_display()),
    ("category", lambda c: c.get_category_display()),
    ("dispute_type", lambda c: c.get_dispute_type_display()),
    ("complaint_type", lambda c: c.get_complaint_type_display()),
    ("tier", lambda c: c.get_tier_display()),
    ("next_due", lambda c: c.next_due.isoformat() if c.next_due else ""),
    ("overdue", lambda c: _("yes") if c.next_due and c.next_due < timezone.localdate() else ""),
    ("regulatory_due", lambda c: c.due_overall.isoformat() if c.due_overall else ""),
    ("decision_notified_at", lambda c: timezone.localtime(c.notified_at).strftime("%Y-%m-%d %H:%M") if c.notified_at else ""),
    ("outcome", lambda c: c.get_outcome_display()),
]


def preamble(filters, user):
    # The search text may be a phone, ID number or name: the file says a search was applied, not what.
    hidden = _("(not shown)")
    described = "; ".join(f"{k}={hidden if k == 'search' else v}" for k, v in sorted(filters.items())) or _("none")
    return [
        [_("Case list")],
        [_("Exported at"), timezone.localtime().strftime("%Y-%m-%d %H:%M %Z")],
        [_("As of"), timezone.localdate().isoformat()],
        [_("Filters"), described],
        [_("Exported by"), user.get_username()],
        [],
        [name for name, _value in COLUMNS],
    ]


def _rows(queryset):
    for case in queryset.select_related("department").iterator(chunk_size=2000):
        yield [value(case) for _name, value in COLUMNS]


class _Echo:
    def write(self, value):
        return value


def case_list_csv(queryset, filters, user):
    writer = csv.writer(_Echo())

    def lines():
        yield "\ufeff"  # BOM, so that Excel opens the UTF-8 file with Chinese text correctly
        for row in preamble(filters, user):
            yield writer.writerow(row)
        for row in _rows(queryset):
            yield writer.writerow(row)

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="cases.csv"'
    return response


def case_list_xlsx(queryset, filters, user):
    from io import BytesIO

    from django.http import HttpResponse

    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Cases"))
    for row in preamble(filters, user):
        sheet.append(row)
    for row in _rows(queryset):
        sheet.append(row)
    out = BytesIO()
    book.save(out)
    response = HttpResponse(out.getvalue(),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = 'attachment; filename="cases.xlsx"'
    return response
