"""The placeholders of the notice templates, their values for a case, and the default texts.

A template names a fact of the case as ``{name}``; only the names below are replaced (no
attribute access, no format specification: an administrator's text cannot reach anything
else). An unknown name is refused when the template is saved (``unknown_placeholders``).
"""
import datetime
import re

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override

from ..models.notices import NoticeKind

PLACEHOLDER = re.compile(r"\{(\w+)\}")

PLACEHOLDERS = {
    "reference": _("Case reference"),
    "customer_name": _("Customer name"),
    "received_date": _("Date the complaint was received"),
    "due_date": _("Regulatory due date"),
    "notice_date": _("Date of the notice"),
    "company_name": _("Company name"),
    "hotline": _("Customer hotline"),
    "new_due_date": _("Due date after the extension"),
    "extension_reason": _("Reason of the extension"),
    "pause_kind": _("What is appraised"),
    "pause_start": _("Pause start date"),
    "pause_reason": _("Why the appraisal is needed"),
    "facts": _("Facts verified"),
    "basis": _("Basis and reasons of the decision"),
    "decision": _("Decision"),
    "remedies": _("Remedies open to the customer"),
}

SAMPLE = {
    "reference": "TS-2026-000123", "customer_name": "张三", "received_date": "2026-03-02",
    "due_date": "2026-04-01", "notice_date": "2026-03-20", "new_due_date": "2026-05-06",
    "extension_reason": "需调取医院病历 / medical records are needed", "pause_kind": "伤残鉴定 / disability appraisal",
    "pause_start": "2026-03-10", "pause_reason": "核定赔付比例 / to set the benefit rate",
    "facts": "2026年1月5日出险，1月20日提交理赔申请。", "basis": "《保险合同》第十二条。",
    "decision": "补付理赔款人民币3,000元。", "remedies": "如不接受，可在30日内申请核查。",
}

_ZH = {
    NoticeKind.ACKNOWLEDGEMENT: ("投诉受理告知书", "{customer_name}：\n我司已于{received_date}受理您的投诉（编号{reference}），"
                                 "将于{due_date}前作出处理决定。\n咨询电话：{hotline}\n{company_name}\n{notice_date}"),
    NoticeKind.EXTENSION: ("投诉处理延期告知书", "{customer_name}：\n您的投诉（编号{reference}）因{extension_reason}，"
                           "处理期限延长至{new_due_date}。\n咨询电话：{hotline}\n{company_name}\n{notice_date}"),
    NoticeKind.PAUSE: ("投诉处理中止告知书", "{customer_name}：\n您的投诉（编号{reference}）需进行{pause_kind}，"
                       "原因：{pause_reason}。自{pause_start}起，鉴定期间不计入处理期限。\n咨询电话：{hotline}\n"
                       "{company_name}\n{notice_date}"),
    NoticeKind.DECISION: ("投诉处理决定告知书", "{customer_name}：\n关于您的投诉（编号{reference}），\n"
                          "一、经核实的事实：{facts}\n二、处理依据及理由：{basis}\n三、处理决定：{decision}\n"
                          "四、救济途径：{remedies}\n咨询电话：{hotline}\n{company_name}\n{notice_date}"),
    NoticeKind.REVIEW_DECISION: ("投诉核查决定告知书", "{customer_name}：\n关于您的核查申请（编号{reference}），\n"
                                 "一、经核实的事实：{facts}\n二、核查依据及理由：{basis}\n三、核查决定：{decision}\n"
                                 "四、救济途径：{remedies}\n咨询电话：{hotline}\n{company_name}\n{notice_date}"),
    NoticeKind.MEDIATION_PROPOSAL: ("调解建议书", "{customer_name}：\n关于您的投诉（编号{reference}），"
                                    "我司建议提交调解组织调解。如您同意，请致电{hotline}。\n{company_name}\n{notice_date}"),
}
_EN = {
    NoticeKind.ACKNOWLEDGEMENT: ("Complaint acknowledged", "Dear {customer_name},\nWe received your complaint "
                                 "{reference} on {received_date} and will decide on it by {due_date}.\n"
                                 "Hotline: {hotline}\n{company_name}\n{notice_date}"),
    NoticeKind.EXTENSION: ("Extension of the time to decide", "Dear {customer_name},\nBecause {extension_reason}, "
                           "we will decide on your complaint {reference} by {new_due_date}.\nHotline: {hotline}\n"
                           "{company_name}\n{notice_date}"),
    NoticeKind.PAUSE: ("Pause for an appraisal", "Dear {customer_name},\nYour complaint {reference} needs a "
                       "{pause_kind} because {pause_reason}. From {pause_start} the appraisal does not count toward "
                       "the time to decide.\nHotline: {hotline}\n{company_name}\n{notice_date}"),
    NoticeKind.DECISION: ("Decision on your complaint", "Dear {customer_name},\nOn your complaint {reference}:\n"
                          "1. Facts verified: {facts}\n2. Basis and reasons: {basis}\n3. Decision: {decision}\n"
                          "4. Remedies: {remedies}\nHotline: {hotline}\n{company_name}\n{notice_date}"),
    NoticeKind.REVIEW_DECISION: ("Decision on your review", "Dear {customer_name},\nOn the review of your complaint "
                                 "{reference}:\n1. Facts verified: {facts}\n2. Basis and reasons: {basis}\n"
                                 "3. Decision: {decision}\n4. Remedies: {remedies}\nHotline: {hotline}\n"
                                 "{company_name}\n{notice_date}"),
    NoticeKind.MEDIATION_PROPOSAL: ("Proposal of mediation", "Dear {customer_name},\nWe propose that your complaint "
                                    "{reference} go to a mediation organisation. If you agree, please call {hotline}."
                                    "\n{company_name}\n{notice_date}"),
}
DEFAULTS = {"zh-hans": _ZH, "en": _EN}


def default_text(kind, language):
    """(title, body) of the built-in template of ``kind`` in ``language`` (the first the
    administrator edits; used while none is stored)."""
    texts = DEFAULTS.get(language) or DEFAULTS["en"]
    return texts[NoticeKind(kind)]


def unknown_placeholders(text):
    return sorted({name for name in PLACEHOLDER.findall(text or "") if name not in PLACEHOLDERS})


def render(text, values):
    """``text`` with each known ``{name}`` replaced by its value (an unknown one is left)."""
    return PLACEHOLDER.sub(lambda m: str(values.get(m.group(1), m.group(0))), text)


def _day(value):
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        value = timezone.localdate(value)
    return value.isoformat()


def company_name():
    """The name a notice is signed with: COMPANY_NAME, else "the company" in the notice's language."""
    return settings.COMPANY_NAME or str(_("the company"))


def case_values(case, language, extra=None, at=None):
    """The values of the placeholders for ``case``: its own facts, the company's, and
    ``extra`` (what the action knows: the decision's parts, the extension's reason...)."""
    with override(language):
        values = {
            "reference": case.reference, "customer_name": case.customer_name,
            "received_date": _day(case.received_at), "due_date": _day(case.due_overall),
            "notice_date": _day(at or timezone.now()), "company_name": company_name(),
            "hotline": settings.CUSTOMER_HOTLINE,
        }
        values.update({key: str(value) for key, value in (extra or {}).items()})
    return {name: values.get(name, "") for name in PLACEHOLDERS}
