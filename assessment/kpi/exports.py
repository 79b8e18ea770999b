"""KPI table exports.

Two kinds: the `kpi_report` command's CSV is a contract read by programs (SPEC §9: ``HEADER``
and ``kpi_csv_row``, byte for byte); the dashboard's CSV and XLSX are for people
(complaints_portal.common.sheets): a title row with the period, as-of date, scope, who and
when, the departments by name and headers in the reader's language.
"""
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from complaints_portal.common import sheets

# SPEC §9, exactly.
HEADER = ("department,complaints,new_policies,complaint_rate,timeliness_denominator,on_time,pending,timeliness_rate,"
          "revisited,satisfied,satisfaction_rate").split(",")


def kpi_csv_row(row, names=HEADER):
    """One KpiRow as CSV fields ``names`` (its attributes): N/A (None) is empty, a rate the
    decimal as computed."""
    return ["" if value is None else value for value in (getattr(row, name) for name in names)]


# The people's export: (attribute of KpiRow, header).
COLUMNS = [
    ("department", gettext_lazy("Department")),
    ("complaints", gettext_lazy("Complaints")),
    ("new_policies", gettext_lazy("New policies")),
    ("complaint_rate", gettext_lazy("Complaint rate")),
    ("timeliness_denominator", gettext_lazy("Cases due in the period")),
    ("on_time", gettext_lazy("Handled on time")),
    ("pending", gettext_lazy("Pending")),
    ("timeliness_rate", gettext_lazy("On-time rate")),
    ("revisited", gettext_lazy("Customers revisited")),
    ("satisfied", gettext_lazy("Satisfied")),
    ("satisfaction_rate", gettext_lazy("Satisfaction rate")),
    ("revisit_success_rate", gettext_lazy("Revisit success rate")),
    ("regulator_complaints", gettext_lazy("Regulator referrals")),
    ("excluded", gettext_lazy("Excluded")),
    ("late", gettext_lazy("Late")),
]


def _department(row):
    if row.department == "ALL":
        return _("Whole company")
    if row.department == "none":
        return _("Not dispatched")
    return row.name or row.department


def _rows(table):
    for row in table.rows + ([table.company] if table.company else []):
        values = kpi_csv_row(row, [code for code, _label in COLUMNS])
        values[0] = _department(row)
        yield values


def _facts(table, scope):
    return [(_("Period"), table.period.code), (_("As of"), table.as_of.isoformat()), (_("Scope"), scope)]


def kpi_table_csv(table, scope, user):
    return sheets.sheet_csv(_("KPI report"), _facts(table, scope), user, COLUMNS, _rows(table))


def kpi_table_xlsx(table, scope, user):
    # Rates as numbers, so that Excel can chart them; N/A stays empty.
    return sheets.sheet_xlsx(_("KPI report"), _facts(table, scope), user, COLUMNS, _rows(table), sheet_title="KPI")
