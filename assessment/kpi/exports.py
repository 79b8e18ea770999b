"""KPI table exports (CSV and XLSX) with the period, as-of date and scope written in the file."""
import csv
import io

from django.utils.translation import gettext as _
from openpyxl import Workbook

# SPEC §9, exactly.
HEADER = ("department,complaints,new_policies,complaint_rate,timeliness_denominator,on_time,pending,timeliness_rate,"
          "revisited,satisfied,satisfaction_rate").split(",")


def kpi_csv_row(row, names=HEADER):
    """One KpiRow as CSV fields ``names`` (its attributes): N/A (None) is empty, a rate the
    decimal as computed."""
    return ["" if value is None else value for value in (getattr(row, name) for name in names)]


EXTRA = ["revisit_success_rate", "regulator_complaints", "excluded", "late"]


def _rows(table):
    for row in table.rows + ([table.company] if table.company else []):
        yield kpi_csv_row(row, HEADER + EXTRA)


def _preamble(table, scope):
    return [
        [_("Period"), table.period.code],
        [_("As of"), table.as_of.isoformat()],
        [_("Scope"), scope],
        [],
    ]


def kpi_table_csv(table, scope):
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for line in _preamble(table, scope):
        writer.writerow(line)
    writer.writerow(HEADER + EXTRA)
    writer.writerows(_rows(table))
    return out.getvalue()


def kpi_table_xlsx(table, scope):
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "KPI"
    for line in _preamble(table, scope):
        sheet.append(line)
    sheet.append(HEADER + EXTRA)
    for row in _rows(table):
        sheet.append(row)  # rates as numbers, so that Excel can chart them; N/A stays empty
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
