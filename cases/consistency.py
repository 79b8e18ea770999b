"""Inconsistencies the CHECK constraints cannot express, one or two queries each, reported by
reference (`manage.py check_consistency`); legacy cases are exempt from the lifecycle checks."""
from dataclasses import dataclass

from django.db.models import Exists, F, OuterRef, Q

from .models import CaseDeadline, Complaint
from .models.case import BEFORE_DECISION, OPEN_STATUSES, WITH_DEPARTMENT, Status

# Timestamp each state implies on a case that went through the portal's lifecycle. A case
# may skip `acknowledged` (assign straight from received), so acknowledged_at is required only
# while the case sits in `acknowledged`.
# team_formed_at is not among them: a reassignment ends the team at any stage, and the case
# waits for the new department's team with it cleared.
REQUIRED_TIMESTAMPS = {
    Status.ACKNOWLEDGED: ("acknowledged_at",),
    Status.ASSIGNED: ("assigned_at",),
    Status.INVESTIGATING: ("assigned_at",),
    Status.REPORTED: ("assigned_at", "reported_at"),
    Status.PLAN_PENDING: ("assigned_at", "reported_at", "plan_proposed_at"),
    Status.PLAN_APPROVED: ("assigned_at", "reported_at", "plan_proposed_at", "plan_approved_at"),
    Status.RESPONDED: ("notified_at",),
    Status.CLOSED: ("closed_at",),
    Status.ARCHIVED: ("closed_at", "archived_at"),
}
# States in which a responsible department must be set.
NEEDS_DEPARTMENT = (*WITH_DEPARTMENT, Status.RESPONDED)
# Open states in which some stage deadline is still being tracked. `responded` waits for the
# customer, with nothing due; a merged case stops its deadlines.
TRACKED_STATES = BEFORE_DECISION


@dataclass(frozen=True)
class Violation:
    reference: str
    code: str
    message: str

    def __str__(self):
        return f"{self.reference} {self.code}: {self.message}"


def _lifecycle_cases():
    return Complaint.objects.filter(is_legacy=False)


def check_status_timestamps():
    for status, fields in REQUIRED_TIMESTAMPS.items():
        missing = Q()
        for field in fields:
            missing |= Q(**{f"{field}__isnull": True})
        rows = _lifecycle_cases().filter(missing, status=status).values("reference", *fields)
        for row in rows:
            absent = ", ".join(f for f in fields if row[f] is None)
            yield Violation(row["reference"], "status_timestamp_missing", f"status {status} without {absent}")
    closed_while_open = Complaint.objects.filter(status__in=OPEN_STATUSES).filter(
        Q(closed_at__isnull=False) | Q(archived_at__isnull=False))
    for ref, status in closed_while_open.values_list("reference", "status"):
        yield Violation(ref, "open_case_has_closure_date", f"status {status} but closed_at/archived_at is set")


def check_department():
    rows = _lifecycle_cases().filter(status__in=NEEDS_DEPARTMENT, department__isnull=True)
    for ref, status in rows.values_list("reference", "status"):
        yield Violation(ref, "department_missing", f"status {status} without a responsible department")


def check_outcome():
    rows = Complaint.objects.filter(
        Q(outcome="withdrawn", withdrawn_at__isnull=True) | Q(outcome="merged", merged_into__isnull=True)
    )
    for ref, outcome in rows.values_list("reference", "outcome"):
        yield Violation(ref, "outcome_without_its_record", f"outcome {outcome} without its date or master case")


def check_open_deadlines():
    open_rows = CaseDeadline.objects.filter(case=OuterRef("pk"), met_at__isnull=True, stopped_at__isnull=True)
    rows = (
        _lifecycle_cases()
        .filter(status__in=TRACKED_STATES, merged_into__isnull=True)
        .annotate(tracked=Exists(open_rows))
        .filter(tracked=False)
    )
    for ref, status in rows.values_list("reference", "status"):
        yield Violation(ref, "open_case_without_open_deadline", f"status {status} but no deadline is tracked")


def check_deadlines_after_clock_start():
    rows = CaseDeadline.objects.filter(due_on__lt=F("case__clock_start")).values_list(
        "case__reference", "stage", "due_on", "case__clock_start")
    for ref, stage, due, start in rows:
        yield Violation(ref, "deadline_before_clock_start", f"{stage} due {due} before D0 {start}")


def check_review_rounds():
    rows = Complaint.objects.filter(round__gt=1, disputed_at__isnull=True)
    for ref, rnd in rows.values_list("reference", "round"):
        yield Violation(ref, "review_without_dispute", f"round {rnd} without disputed_at")


def check_merges():
    chained = Complaint.objects.filter(merged_into__merged_into__isnull=False)
    for ref, master in chained.values_list("reference", "merged_into__reference"):
        yield Violation(ref, "merged_into_merged_case", f"merged into {master}, which is itself merged")
    for ref in Complaint.objects.filter(merged_into=F("pk")).values_list("reference", flat=True):
        yield Violation(ref, "merged_into_itself", "merged into itself")


CHECKS = (
    check_status_timestamps,
    check_department,
    check_outcome,
    check_open_deadlines,
    check_deadlines_after_clock_start,
    check_review_rounds,
    check_merges,
)


def consistency_scan():
    """Every violation found, sorted by case reference then code."""
    found = [v for check in CHECKS for v in check()]
    return sorted(found, key=lambda v: (v.reference, v.code, v.message))
