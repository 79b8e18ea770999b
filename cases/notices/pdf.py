"""A notice as PDF (reportlab), its font embedded; ``embedded_font`` serves every PDF of the
portal (notices, monthly reports, the annual disclosure).

A CID font such as reportlab's STSong-Light is only named in the PDF: a reader without Chinese
fonts shows blanks. The portal's PDFs carry their glyphs: WenQuanYi Micro Hei (Apache-2.0,
fonts/LICENSE-wqy-microhei.txt), embedded as a subset of the characters used.
"""
import io
from pathlib import Path

FONT_NAME = "WenQuanYiMicroHei"
FONT_FILE = Path(__file__).resolve().parent / "fonts" / "wqy-microhei.ttc"


def embedded_font():
    """The registered name of the embedded Chinese font (registered on first use)."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if FONT_NAME not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(FONT_NAME, str(FONT_FILE), subfontIndex=0))
    return FONT_NAME


def notice_pdf(title, body, reference):
    """The PDF bytes of a notice: its title, then each line of its text as a paragraph."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

    font = embedded_font()
    heading = ParagraphStyle("notice-title", fontName=font, fontSize=16, leading=22, alignment=1, spaceAfter=12)
    normal = ParagraphStyle("notice-text", fontName=font, fontSize=11, leading=17, wordWrap="CJK", spaceAfter=4)
    small = ParagraphStyle("notice-ref", parent=normal, fontSize=9, alignment=2)
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, title=title, subject=reference, leftMargin=25 * mm,
                            rightMargin=25 * mm, topMargin=25 * mm, bottomMargin=25 * mm)
    story = [Paragraph(_escape(reference), small), Paragraph(_escape(title), heading), Spacer(1, 6)]
    for line in body.splitlines():
        story.append(Paragraph(_escape(line), normal) if line.strip() else Spacer(1, 8))
    doc.build(story)
    return buffer.getvalue()


def _escape(text):
    """Plain text for reportlab's paragraph markup."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
