"""Spot checks (SPEC §7): a reproducible random sample of closed cases reviewed against the checklist."""
import math
import random
import secrets
from decimal import Decimal, InvalidOperation

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from assessment.kpi.periods import Period, period_bounds, period_parse
from assessment.selectors import departments_visible_to
from cases.models import Complaint, Department
from complaints_portal.common.errors import (
    ApplicationError,
    NotFound,
    ValidationFailed,
)

from .common import CLOSED_STATES, AlreadyReviewed, SpotCheckExists, require_supervisor
from .models import (
    ChecklistItem,
    Rectification,
    SpotCheck,
    SpotCheckItem,
    SpotCheckResult,
)
from .rectifications import rectification_open

User = get_user_model()

# ---------------------------------------------------------------------------------------------
# Spot checks


def spot_check_population(period, department):
    """Closed (or since archived) cases of `department` closed within `period`, ordered by
    reference: the ordered population a seed is applied to. Merged duplicates are left out:
    they were handled as part of their master case."""
    start, end = period_bounds(period)
    return Complaint.objects.filter(
        department=department, status__in=CLOSED_STATES, closed_at__gte=start, closed_at__lt=end,
        merged_into__isnull=True,
    ).order_by("reference")


def sample_draw(population, count, seed):
    """(sample of `count` items of the ordered `population` for `seed`, took_all): the same on
    every machine (``random.Random(str)`` seeds from the string's SHA-512)."""
    population = list(population)
    if count >= len(population):
        return population, True
    chosen = set(random.Random(str(seed)).sample(range(len(population)), count))
    return [p for i, p in enumerate(population) if i in chosen], False


def _sample_count(population_size, size, percent):
    if size is not None:
        return size
    return math.ceil(population_size * percent / Decimal(100))


def _parse_size(size, percent):
    try:
        size = int(size) if size not in (None, "") else None
        percent = Decimal(str(percent)) if percent not in (None, "") else None
    except (TypeError, ValueError, InvalidOperation):
        raise ValidationFailed(_("Give the sample as a whole number of cases or as a percentage.")) from None
    if (size is None) == (percent is None):
        raise ValidationFailed(_("Give either a sample size or a percentage, not both."),
                               extra={"fields": {"size": [_("Size or percentage.")]}})
    if size is not None and size < 1:
        raise ValidationFailed(_("The sample size must be at least 1."), extra={"fields": {"size": [_("At least 1.")]}})
    if percent is not None and not (Decimal(0) < percent <= Decimal(100)):
        raise ValidationFailed(_("The percentage must be above 0 and at most 100."),
                               extra={"fields": {"percent": [_("Between 0 and 100.")]}})
    return size, percent


def spot_check_draw(*, actor, period, department, size=None, percent=None, seed=None, replace_reason=""):
    """Draw the spot-check sample of `department`'s cases closed in `period` (supervisor only),
    recording the seed. A second draw is refused (SpotCheckExists) unless `replace_reason` is
    given: the earlier draw is then kept, marked replaced and linked with the reason."""
    require_supervisor(actor)
    period = period_parse(period) if isinstance(period, str) else period
    size, percent = _parse_size(size, percent)
    if not isinstance(department, Department):
        department = Department.objects.filter(code=department).first()
        if department is None:
            raise NotFound()
    seed = str(seed).strip() if seed not in (None, "") else secrets.token_hex(8)
    replace_reason = (replace_reason or "").strip()
    with transaction.atomic():
        # Lock the department row: two supervisors drawing at once serialise here.
        Department.objects.select_for_update().filter(pk=department.pk).first()
        current = SpotCheck.objects.filter(period=period.code, department=department,
                                           state=SpotCheck.State.ACTIVE).first()
        if current is not None and not replace_reason:
            raise SpotCheckExists(extra={"spot_check": current.pk, "seed": current.seed})
        if current is not None:
            current.state = SpotCheck.State.REPLACED
            current._history_user = actor
            current.save(update_fields=["state"])
        population = list(spot_check_population(period, department).values_list("pk", flat=True))
        count = _sample_count(len(population), size, percent)
        chosen, took_all = sample_draw(population, count, seed)
        spot_check = SpotCheck(
            period=period.code, department=department, sample_size=size, sample_percent=percent, seed=seed,
            population_size=len(population), drawn_count=len(chosen), took_all=took_all, drawn_by=actor,
            drawn_at=timezone.now(), replaces=current, replace_reason=replace_reason if current else "",
        )
        spot_check._history_user = actor
        spot_check.save()
        SpotCheckItem.objects.bulk_create([SpotCheckItem(spot_check=spot_check, case_id=pk) for pk in chosen])
    return spot_check


def spot_check_get(user, pk):
    """A spot check the user may see (supervisor, senior manager, head of its department)."""
    departments = departments_visible_to(user)
    qs = SpotCheck.objects.select_related("department", "drawn_by", "replaces")
    if departments is not None:
        qs = qs.filter(department__in=departments)
    spot_check = qs.filter(pk=pk).first()
    if spot_check is None:
        raise NotFound()
    return spot_check


def checklist_items():
    return list(ChecklistItem.objects.filter(active=True))


def spot_check_item_review(*, actor, item_id, answers, note=""):
    """Record the review of one sampled case (supervisor only): `answers` maps every active
    checklist code to (passed, note); a failed item opens a rectification for the department."""
    require_supervisor(actor)
    items = checklist_items()
    missing = [c.code for c in items if c.code not in answers]
    if missing:
        raise ValidationFailed(_("Answer every checklist item: %(items)s") % {"items": ", ".join(missing)},
                               extra={"fields": {code: [_("This field is required.")] for code in missing}})
    with transaction.atomic():
        item = (SpotCheckItem.objects.select_for_update(of=("self",)).select_related("spot_check", "case")
                .filter(pk=item_id).first())
        if item is None:
            raise NotFound()
        if item.spot_check.state != SpotCheck.State.ACTIVE:
            raise ApplicationError(_("This draw was replaced; review the cases of the draw in force."),
                                   code="spot_check_replaced")
        if item.result != SpotCheckItem.Result.PENDING:
            raise AlreadyReviewed()
        now = timezone.now()
        failed = []
        SpotCheckResult.objects.bulk_create([
            SpotCheckResult(item=item, checklist_item=c, passed=bool(answers[c.code][0]),
                            note=(answers[c.code][1] or "")[:500])
            for c in items
        ])
        for c in items:
            if not answers[c.code][0]:
                failed.append(c)
        item.result = SpotCheckItem.Result.FAILED if failed else SpotCheckItem.Result.PASSED
        item.note = note or ""
        item.reviewer = actor
        item.reviewed_at = now
        item.save(update_fields=["result", "note", "reviewer", "reviewed_at"])
        if failed:
            department = item.case.department or item.spot_check.department
            details = "; ".join(
                f"{c.label}: {answers[c.code][1]}" if answers[c.code][1] else c.label for c in failed
            )
            rectification_open(
                actor=actor, department=department, item=item,
                description=_("Spot check %(period)s, case %(ref)s failed: %(items)s")
                % {"period": item.spot_check.period, "ref": item.case.reference, "items": details},
            )
    return item


def spot_check_summary(period, departments=None):
    """Per department for `period`: cases drawn, reviewed, passed, failed, and rectifications
    open/closed that came from its draws; plus the fail count per checklist item."""
    period_code = period.code if isinstance(period, Period) else period
    checks = SpotCheck.objects.filter(period=period_code, state=SpotCheck.State.ACTIVE)
    if departments is not None:
        checks = checks.filter(department__in=departments)
    rows = []
    for check in checks.select_related("department").order_by("department__code").annotate(
        reviewed=Count("items", filter=~Q(items__result=SpotCheckItem.Result.PENDING)),
        passed=Count("items", filter=Q(items__result=SpotCheckItem.Result.PASSED)),
        failed=Count("items", filter=Q(items__result=SpotCheckItem.Result.FAILED)),
    ):
        rect = Rectification.objects.filter(item__spot_check=check).aggregate(
            open=Count("id", filter=Q(status=Rectification.Status.OPEN)),
            closed=Count("id", filter=Q(status=Rectification.Status.CLOSED)),
        )
        rows.append({"spot_check": check, "department": check.department, "drawn": check.drawn_count,
                     "reviewed": check.reviewed, "passed": check.passed, "failed": check.failed,
                     "rectifications_open": rect["open"], "rectifications_closed": rect["closed"]})
    by_item = list(
        SpotCheckResult.objects.filter(item__spot_check__in=checks, passed=False)
        .values("checklist_item__code", "checklist_item__label").annotate(n=Count("id")).order_by("-n")
    )
    return {"rows": rows, "failures_by_item": by_item}
