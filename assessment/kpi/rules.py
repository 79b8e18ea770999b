"""The KPI rules of SPEC §5, each defined once, as query expressions over the read model
(models.KpiCase: one row per case, deadlines as local dates) and the follow-up visits. The
counts, drill-downs, exports, snapshots, dashboard, kpi_report and the bonus and promotion
figures all build on these (the arithmetic is calculations.py): a formula changes here only,
and needs no rebuild. "As of A" means by the end of local day A, a date comparison."""
from django.db.models import Case, CharField, F, Q, Value, When

from cases.models.case import Channel, ComplaintType
from cases.models.deadlines import STAGE_ORDER

from .calculations import Timeliness
from .models import FollowUpVisit
from .periods import day_end_exclusive, period_bounds

STAGES = tuple(stage.value for stage in STAGE_ORDER)
STAGE_STATES = ("met", "late", "excluded", "pending")


def _range(period, as_of):
    """The period's instants up to the end of ``as_of``: [start, end) for a range filter."""
    start, end = period_bounds(period)
    return start, min(end, day_end_exclusive(as_of))


def cohort(period, as_of):
    """Complaints of a period (SPEC §5): complaint type, original receipt in the period (and
    by the end of ``as_of``), not merged into another case. Withdrawn cases count; a review
    is the same case continuing, so each case counts once whatever its round."""
    start, end = _range(period, as_of)
    return COUNTED & Q(received_at__gte=start, received_at__lt=end)


# What is counted as a complaint, whatever the time range (the cohort above; the surge alerts of
# assessment/warning count the same way over their own windows).
COUNTED = Q(complaint_type=ComplaintType.COMPLAINT, merged=False)


REGULATOR = Q(channel=Channel.REGULATOR)


def decided(as_of):
    """The first round's decision was notified by the end of ``as_of``: ``notified_on`` is the
    date of the decision notice's proof (SPEC §10; readmodel._derived), not of its recording."""
    return Q(notified_on__lte=as_of)


def timeliness(as_of):
    """How a cohort case counts in the on-time rate as of ``as_of`` (a Timeliness value):
    excluded (withdrawn by the due date before any decision notice); on time / late (the first
    round's decision notified by / after the due date; a review changes nothing); pending (no
    decision and not yet due, or no known due date); else late (undecided past the due date)."""
    notified = decided(as_of)
    withdrawn_first = Q(withdrawn_on__lte=as_of, withdrawn_before_decision=True)
    return Case(
        When(withdrawn_first & Q(withdrawn_on__lte=F("due_overall")), then=Value(Timeliness.EXCLUDED.value)),
        When(notified & Q(notified_on__lte=F("due_overall")), then=Value(Timeliness.ON_TIME.value)),
        When(notified & Q(due_overall__isnull=False), then=Value(Timeliness.LATE.value)),
        When(notified, then=Value(Timeliness.PENDING.value)),
        When(Q(due_overall__isnull=True) | Q(due_overall__gte=as_of), then=Value(Timeliness.PENDING.value)),
        default=Value(Timeliness.LATE.value),
        output_field=CharField(),
    )


# Figures of the cohort: the timeliness classes each counts (None: every cohort case).
COHORT_FIGURES = {
    "complaints": None,
    "regulator_complaints": None,
    "excluded": (Timeliness.EXCLUDED.value,),
    "pending": (Timeliness.PENDING.value,),
    "on_time": (Timeliness.ON_TIME.value,),
    "late": (Timeliness.LATE.value,),
    "timeliness_denominator": (Timeliness.ON_TIME.value, Timeliness.LATE.value),
}


def stage_state(stage, as_of):
    """How a cohort case's ``stage`` deadline counts as of ``as_of``: met (done by the due date),
    late (done after it, or undone past it), excluded (tracking stopped by the due date without
    the act) or pending; NULL when the case has no deadline for the stage."""
    due, met, stopped = f"{stage}_due", f"{stage}_met", f"{stage}_stopped"
    done = Q(**{f"{met}__lte": as_of})
    return Case(
        When(Q(**{f"{due}__isnull": True}), then=Value(None)),
        When(done & Q(**{f"{met}__lte": F(due)}), then=Value("met")),
        When(done, then=Value("late")),
        When(Q(**{f"{stopped}__lte": as_of}) & Q(**{f"{stopped}__lte": F(due)}), then=Value("excluded")),
        When(Q(**{f"{due}__lt": as_of}), then=Value("late")),
        default=Value("pending"),
        output_field=CharField(),
    )


# A stage's compliance figures: the stage classes each counts (the rate is met ÷ denominator).
STAGE_FIGURES = {"met": ("met",), "denominator": ("met", "late")}


def revisited(period, as_of):
    """Read-model rows whose case's first completed follow-up visit (the one the satisfaction
    rate counts; unreachable and refused visits never are) took place in the period."""
    start, end = _range(period, as_of)
    return Q(first_visit_at__gte=start, first_visit_at__lt=end)


def revisited_by(as_of):
    """Read-model rows whose case's first completed visit took place by the end of ``as_of``."""
    return Q(first_visit_at__lt=day_end_exclusive(as_of))


SATISFIED = Q(first_visit_rating__gte=4)  # on the 1–5 scale

FAILED_OUTCOMES = (FollowUpVisit.Outcome.UNREACHABLE.value, FollowUpVisit.Outcome.REFUSED.value)


def failed_visits(period, as_of, outcomes=FAILED_OUTCOMES):
    """Follow-up visits that did not reach or were refused by the customer, in the period:
    each one counts, for the case's department (they feed the revisit success rate)."""
    start, end = _range(period, as_of)
    return Q(outcome__in=outcomes, visited_at__gte=start, visited_at__lt=end)
