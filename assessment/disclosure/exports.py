"""The disclosure page's exports: XLSX (openpyxl) and PDF (reportlab, with a CJK font embedded)."""
import io

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.notices.pdf import embedded_font

DIMENSION_LABELS = {
    "channel": gettext_lazy("Channel"), "category": gettext_lazy("Category"), "dispute_type": gettext_lazy("Dispute type"),
    "product_line": gettext_lazy("Product line"), "department": gettext_lazy("Department"), "total": gettext_lazy("Total"),
}


def _sections(page):
    """The page's tables as (title, header, rows) of plain strings: one source for both formats."""
    counts = [[str(DIMENSION_LABELS[dimension]), str(label), str(n)] for dimension, _key, label, n in page["rows"]]
    bench = [[b.label, _text(b.company), _text(b.median), _text(b.deviation), _text(b.deviation_percent)]
             for b in page["benchmarks"]]
    redress = [[str(label), str(n), _text(total)] for _kind, label, n, total in page["redress"]]
    return [
        (_("Complaints by dimension"), [_("Dimension"), _("Key"), _("Complaints")], counts),
        (_("Company and industry medians"), [_("Figure"), _("Company"), _("Industry median"), _("Deviation"),
                                             _("Deviation (%)")], bench),
        (_("Redress paid by kind"), [_("Kind"), _("Decisions"), _("Amount (CNY)")], redress),
    ]


def _text(value):
    return "—" if value is None else str(value)


def disclosure_xlsx(page):
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for title, header, rows in _sections(page):
        sheet = book.create_sheet(title[:31])
        sheet.append(header)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def disclosure_pdf(page):
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = embedded_font()
    styles = getSampleStyleSheet()
    for style in styles.byName.values():
        style.fontName = font
    title = _("Complaint disclosure %(year)s") % {"year": page["year"]}
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, title=title)
    story = [Paragraph(title, styles["Title"])]
    for heading, header, rows in _sections(page):
        story += [Paragraph(heading, styles["Heading2"]), Table([header, *rows], repeatRows=1, style=TableStyle([
            ("FONTNAME", (0, 0), (-1, -1), font), ("FONTSIZE", (0, 0), (-1, -1), 8),
            ("GRID", (0, 0), (-1, -1), 0.5, colors.grey), ("BACKGROUND", (0, 0), (-1, 0), colors.lightgrey),
        ])), Spacer(1, 8)]
    doc.build(story)
    return buffer.getvalue()
