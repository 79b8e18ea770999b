"""Promotion and awards per employee and year."""
import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import Case, F, When
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessment.kpi import calculations as calc
from assessment.kpi import rules
from assessment.kpi.drilldown import judged_cohort
from assessment.kpi.periods import local_today, period_bounds, period_parse
from cases.models import DepartmentMembership, Report, TeamMember
from complaints_portal.common import sheets
from complaints_portal.common.errors import ValidationFailed

from .. import rules as bonus
from ..models import (
    PromotionPolicy,
)


def promotion_thresholds():
    policy = PromotionPolicy.objects.order_by("-created_at", "-id").first()
    if policy is None:
        return bonus.PromotionThresholds()
    return bonus.PromotionThresholds(policy.below_average_ratio, policy.min_cases, policy.on_time_min,
                                     policy.satisfaction_min, policy.plus_points)


@dataclass
class EmployeeReview:
    user: object
    figures: bonus.EmployeeFigures
    decision: bonus.PromotionDecision
    cases: list = field(default_factory=list)  # references handled
    disqualifying: list = field(default_factory=list)  # references


@dataclass
class PromotionReport:
    year: str
    as_of: object
    thresholds: bonus.PromotionThresholds
    average_rate: Decimal | None
    rows: list
    unmatched_names: list


_NAME_SPLIT = re.compile(r"[,，;；、/\n]+")


def _disqualifications(period):
    """user id -> references of major-negative-impact complaints the user was found at fault in: by
    an at-fault report of the year, each user named as responsible staff (username or full name)
    and the lead of the report round's team; unmatched names are returned for a person to check."""
    start, end = period_bounds(period)
    reports = (Report.objects.filter(at_fault=True, submitted_at__gte=start, submitted_at__lt=end,
                                     case__major_negative_impact=True)
               .select_related("case").order_by("submitted_at"))
    users = list(get_user_model().objects.filter(is_active=True))
    by_name = {}
    for user in users:
        by_name.setdefault(user.get_username().lower(), user.pk)
        if user.get_full_name().strip():
            by_name.setdefault(user.get_full_name().strip().lower(), user.pk)
            by_name.setdefault(user.get_full_name().replace(" ", "").lower(), user.pk)
    result, unmatched = {}, []
    for report in reports:
        ref = report.case.reference
        for name in filter(None, (n.strip() for n in _NAME_SPLIT.split(report.responsible_staff or ""))):
            # A piece is a full name ("Wang Wei") or several usernames separated by spaces.
            ids = [by_name.get(name.lower())] if name.lower() in by_name else [
                by_name.get(token.lower()) for token in name.split()]
            if not ids or None in ids:
                unmatched.append((name, ref))
            for user_id in filter(None, ids):
                result.setdefault(user_id, []).append(ref)
        leads = TeamMember.objects.filter(case=report.case, round=report.round, role=TeamMember.Role.LEAD)
        for user_id in leads.values_list("user_id", flat=True):
            result.setdefault(user_id, []).append(ref)
    return {k: sorted(set(v)) for k, v in result.items()}, unmatched


def promotion_review(year, as_of=None):
    """Each employee's plus points or disqualification for a year, with the reasons. Their cases:
    the year's cohort where they were on the team or reported; their at-fault share is compared
    with all handled cases'; on-time and satisfaction follow the KPI rules on their cases."""
    period = period_parse(year)
    if not period.is_year:
        raise ValidationFailed(_("Promotion is reviewed per year, like 2026."), code="invalid_period")
    as_of = as_of or min(local_today(), period.end)
    cohort = judged_cohort(period, as_of).annotate(
        judged=F("timeliness"), rating=Case(When(rules.revisited_by(as_of), then=F("first_visit_rating"))))
    cases = {c["case_id"]: c for c in cohort.values("case_id", "case__reference", "case__at_fault", "judged", "rating")}
    handlers = set(TeamMember.objects.filter(case_id__in=cases).values_list("user_id", "case_id"))
    handlers |= set(Report.objects.filter(case_id__in=cases).values_list("submitted_by_id", "case_id"))
    ratings = {case_id: c["rating"] for case_id, c in cases.items() if c["rating"] is not None}
    per_user = {}
    for user_id, case_id in handlers:
        per_user.setdefault(user_id, set()).add(case_id)
    handled_ids = {case_id for _u, case_id in handlers}
    average = bonus.EmployeeFigures(handled=len(handled_ids),
                                    at_fault=sum(1 for i in handled_ids if cases[i]["case__at_fault"])).complaint_rate
    disqualified, unmatched = _disqualifications(period)
    member_ids = set(DepartmentMembership.objects.values_list("user_id", flat=True))
    thresholds = promotion_thresholds()
    users = get_user_model().objects.filter(pk__in=member_ids | set(per_user) | set(disqualified)).order_by("username")
    rows = []
    for user in users:
        ids = per_user.get(user.pk, set())
        timeliness = [cases[i]["judged"] for i in ids]
        rated = [ratings[i] for i in ids if i in ratings]
        figures = bonus.EmployeeFigures(
            handled=len(ids), at_fault=sum(1 for i in ids if cases[i]["case__at_fault"]),
            on_time=timeliness.count(calc.Timeliness.ON_TIME.value),
            judged=sum(1 for t in timeliness if t in (calc.Timeliness.ON_TIME.value, calc.Timeliness.LATE.value)),
            satisfied=sum(1 for r in rated if r >= 4), revisited=len(rated),
        )
        refs = disqualified.get(user.pk, [])
        decision = bonus.promotion_decide(figures, average, thresholds, refs)
        rows.append(EmployeeReview(user, figures, decision, sorted(cases[i]["case__reference"] for i in ids), refs))
    return PromotionReport(period.code, as_of, thresholds, average, rows, unmatched)



PROMOTION_COLUMNS = [
    ("year", gettext_lazy("Year")), ("username", gettext_lazy("Username")), ("name", gettext_lazy("Name")),
    ("cases_handled", gettext_lazy("Cases handled")), ("at_fault", gettext_lazy("At fault")),
    ("at_fault_rate", gettext_lazy("At-fault rate")), ("average_rate", gettext_lazy("Average at-fault rate")),
    ("on_time_rate", gettext_lazy("On-time rate")), ("satisfaction_rate", gettext_lazy("Satisfaction rate")),
    ("plus_points", gettext_lazy("Plus points")), ("disqualified", gettext_lazy("Disqualified")),
    ("reasons", gettext_lazy("Reasons")), ("disqualifying_cases", gettext_lazy("Disqualifying cases")),
    ("cases", gettext_lazy("Cases")),
]


def _promotion_rows(report):
    for row in report.rows:
        f = row.figures
        yield [report.year, row.user.get_username(), row.user.get_full_name(), f.handled, f.at_fault,
               calc.format_rate(f.complaint_rate), calc.format_rate(report.average_rate),
               calc.format_rate(f.on_time_rate), calc.format_rate(f.satisfaction_rate), row.decision.plus_points,
               _("yes") if row.decision.disqualified else _("no"), "; ".join(row.decision.reasons),
               " ".join(row.disqualifying), " ".join(row.cases)]


def _promotion_facts(report):
    return [(_("Year"), report.year), (_("As of"), report.as_of.isoformat())]


def promotion_csv(report, user=None):
    return sheets.sheet_csv(_("Promotion review"), _promotion_facts(report), user, PROMOTION_COLUMNS,
                            _promotion_rows(report))


def promotion_xlsx(report, user=None):
    return sheets.sheet_xlsx(_("Promotion review"), _promotion_facts(report), user, PROMOTION_COLUMNS,
                             _promotion_rows(report), sheet_title=f"promotion {report.year}")
