"""Exports for people (CSV and XLSX): a title row, what the figures are (period, as-of date,
scope, filters), who exported them and when, then the table under headers in the reader's
language. CSV starts with a UTF-8 BOM, so that Excel opens Chinese text correctly.

Files read by programs keep their own fixed format instead (the `kpi_report` command's CSV,
SPEC §9): none of this applies to them.
"""
import csv
import io

from django.utils import timezone
from django.utils.translation import gettext as _

BOM = "\ufeff"


def person(user):
    """How an export names a person: the full name, else the username."""
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def local_time(value=None):
    """A moment in local time to the minute ("2026-12-07 15:04")."""
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


def title_rows(title, facts, user):
    """The rows above a table: the title, each (label, value) of ``facts``, who exported the
    file and when, and an empty row."""
    return [
        [str(title)],
        *([str(label), str(value)] for label, value in facts),
        [_("Exported by"), person(user)],
        [_("Exported at"), local_time()],
        [],
    ]


def header_row(columns):
    """The labels of ``columns`` ((code, label) pairs), in the active language."""
    return [str(label) for _code, label in columns]


def csv_lines(title, facts, user, columns, rows):
    """Yield the CSV text of the export piece by piece (BOM first), for a streamed response."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")

    def flush():
        text = out.getvalue()
        out.seek(0)
        out.truncate()
        return text

    yield BOM
    for row in title_rows(title, facts, user):
        writer.writerow(row)
    writer.writerow(header_row(columns))
    yield flush()
    for row in rows:
        writer.writerow(row)
        yield flush()


def sheet_csv(title, facts, user, columns, rows):
    """The whole CSV text of the export."""
    return "".join(csv_lines(title, facts, user, columns, rows))


def sheet_xlsx(title, facts, user, columns, rows, *, sheet_title=None):
    """The XLSX bytes of the export: one sheet, the title rows above the table."""
    from openpyxl import Workbook  # with numpy when installed: loaded by the first export, not at start-up

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(str(sheet_title or title)[:31])
    for row in title_rows(title, facts, user):
        sheet.append(row)
    sheet.append(header_row(columns))
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
