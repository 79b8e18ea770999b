"""Monthly department reports as PDF (reportlab, the portal's Chinese font embedded:
cases.notices.pdf) and XLSX (openpyxl), from the stored figures, in the request's language."""
import io

from django.utils.translation import gettext as _

from cases.models.case import RootCause
from cases.notices.pdf import embedded_font

from .reports import FIGURE_LABELS

ROWS = ("received", "regulator", "closed", "in_progress", "on_time", "overdue", "pending", "timeliness_rate",
        "decisions", "revisited", "satisfied", "satisfaction_rate", "mediations_started", "mediation_agreements",
        "mediation_agreement_rate", "mediation_performed_on_time")


def _table(report):
    """[[label, this month, last month], ...] plus the top causes, as plain strings."""
    figures = report.figures
    previous = figures.get("previous") or {}
    rows = [[str(FIGURE_LABELS[key]), str(figures.get(key, "")), str(previous.get(key, ""))] for key in ROWS]
    causes = dict(RootCause.choices)
    top = [[str(causes.get(code, code)), str(n)] for code, n in figures.get("top_causes", [])]
    return rows, top


def _title(report):
    return _("Complaint report %(month)s — %(department)s") % {
        "month": report.figures.get("month", report.month.strftime("%Y-%m")),
        "department": f"{report.department.code} {report.department.name}",
    }


def report_pdf(report):
    """The report as PDF bytes."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = embedded_font()
    styles = getSampleStyleSheet()
    for style in styles.byName.values():
        style.fontName = font
    rows, top = _table(report)
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, title=_title(report))
    table_style = TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), font),
        ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.lightgrey),
        ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
    ])
    story = [
        Paragraph(_title(report), styles["Title"]),
        Paragraph(_("Figures as of %(date)s") % {"date": report.figures.get("as_of", "")}, styles["Normal"]),
        Spacer(1, 12),
        Table([[_("Figure"), _("This month"), _("Last month")], *rows], colWidths=[220, 100, 100], style=table_style),
        Spacer(1, 12),
        Paragraph(_("Top root causes"), styles["Heading2"]),
    ]
    if top:
        story.append(Table([[_("Root cause"), _("Cases")], *top], colWidths=[320, 100], style=table_style))
    else:
        story.append(Paragraph(_("No root cause recorded."), styles["Normal"]))
    doc.build(story)
    return buffer.getvalue()


def reports_xlsx(reports):
    """One sheet per department report (side by side in one workbook for the supervisor)."""
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.remove(workbook.active)
    for report in reports:
        sheet = workbook.create_sheet(title=report.department.code[:31])
        rows, top = _table(report)
        sheet.append([_title(report)])
        sheet.append([_("Figure"), _("This month"), _("Last month")])
        figures, previous = report.figures, report.figures.get("previous") or {}
        for key, row in zip(ROWS, rows, strict=True):
            sheet.append([row[0], figures.get(key), previous.get(key)])
        sheet.append([])
        sheet.append([_("Top root causes"), _("Cases")])
        for row in top:
            sheet.append([row[0], int(row[1])])
        sheet.column_dimensions["A"].width = 36
    if not workbook.sheetnames:
        workbook.create_sheet(title=_("Empty")[:31])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
