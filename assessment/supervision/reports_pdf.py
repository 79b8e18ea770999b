"""Monthly department reports as PDF (reportlab, the portal's Chinese font embedded:
cases.notices.pdf) and XLSX (openpyxl), from the stored figures, in the request's language;
``chart_data`` is what the charts show, on the page (Chart.js) and in the PDF (reportlab) alike."""
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
    causes = chart_data(report)["causes"]
    top = [[label, str(n)] for label, n in zip(causes["labels"], causes["n"], strict=True)]
    return rows, top


# The rates the report's first chart sets side by side, this month against last month.
CHART_RATES = ("timeliness_rate", "satisfaction_rate", "mediation_agreement_rate")
THIS_MONTH_COLOUR, LAST_MONTH_COLOUR = "#0d6efd", "#adb5bd"


def _number(value):
    """A stored figure as a number for a chart; a rate without cases ("") has no bar."""
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def chart_data(report):
    """The two charts of a report as JSON-ready lists: the rates (this month, last month) and
    the top root causes with their case counts."""
    figures = report.figures
    previous = figures.get("previous") or {}
    causes = dict(RootCause.choices)
    top = figures.get("top_causes", [])
    return {
        "rates": {
            "labels": [str(FIGURE_LABELS[key]) for key in CHART_RATES],
            "this": [_number(figures.get(key)) for key in CHART_RATES],
            "last": [_number(previous.get(key)) for key in CHART_RATES],
        },
        "causes": {"labels": [str(causes.get(code, code)) for code, _n in top], "n": [n for _code, n in top]},
    }


def _rates_drawing(data, font):
    """The rates as grouped vertical bars (0–100 %) with a legend."""
    from reportlab.graphics.charts.barcharts import VerticalBarChart
    from reportlab.graphics.charts.legends import Legend
    from reportlab.graphics.shapes import Drawing
    from reportlab.lib import colors

    drawing = Drawing(440, 180)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 40, 30, 290, 140
    chart.data = [data["this"], data["last"]]
    chart.categoryAxis.categoryNames = data["labels"]
    chart.categoryAxis.labels.fontName = font
    chart.categoryAxis.labels.fontSize = 8
    chart.valueAxis.valueMin, chart.valueAxis.valueMax, chart.valueAxis.valueStep = 0, 100, 20
    chart.valueAxis.labels.fontName = font
    chart.bars[0].fillColor = colors.HexColor(THIS_MONTH_COLOUR)
    chart.bars[1].fillColor = colors.HexColor(LAST_MONTH_COLOUR)
    chart.barLabelFormat = "%.1f"
    chart.barLabels.fontName = font
    chart.barLabels.fontSize = 7
    chart.barLabels.nudge = 6
    legend = Legend()
    legend.x, legend.y = 345, 160
    legend.fontName = font
    legend.fontSize = 9
    legend.colorNamePairs = [(colors.HexColor(THIS_MONTH_COLOUR), _("This month")),
                             (colors.HexColor(LAST_MONTH_COLOUR), _("Last month"))]
    drawing.add(chart)
    drawing.add(legend)
    return drawing


def _causes_drawing(data, font):
    """The top root causes as horizontal bars with their counts."""
    from reportlab.graphics.charts.barcharts import HorizontalBarChart
    from reportlab.graphics.shapes import Drawing
    from reportlab.lib import colors

    rows = len(data["n"])
    drawing = Drawing(440, rows * 22 + 30)
    chart = HorizontalBarChart()
    chart.x, chart.y, chart.width, chart.height = 150, 20, 260, rows * 22
    # reportlab draws the first category at the bottom: reversed, the largest cause is on top.
    chart.data = [list(reversed(data["n"]))]
    chart.categoryAxis.categoryNames = list(reversed(data["labels"]))
    chart.categoryAxis.labels.fontName = font
    chart.categoryAxis.labels.fontSize = 8
    # Whole-number ticks: at most five steps up to the largest count.
    largest = max(data["n"], default=1) or 1
    step = -(-largest // 5)
    chart.valueAxis.valueMin, chart.valueAxis.valueMax, chart.valueAxis.valueStep = 0, step * 5, step
    chart.valueAxis.labels.fontName = font
    chart.valueAxis.labelTextFormat = "%d"
    chart.bars[0].fillColor = colors.HexColor(THIS_MONTH_COLOUR)
    chart.barLabelFormat = "%d"
    chart.barLabels.fontName = font
    chart.barLabels.fontSize = 8
    chart.barLabels.nudge = 8
    drawing.add(chart)
    return drawing


def _title(report):
    return _("Complaint report %(month)s — %(department)s") % {
        "month": report.figures.get("month", report.month.strftime("%Y-%m")),
        "department": report.department.name,
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
    charts = chart_data(report)
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
        Paragraph(_("Rates, this month and last month"), styles["Heading2"]),
        _rates_drawing(charts["rates"], font),
        Paragraph(_("Top root causes"), styles["Heading2"]),
    ]
    if top:
        # Each bar carries its cause and count: the chart is the table.
        story.append(_causes_drawing(charts["causes"], font))
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
