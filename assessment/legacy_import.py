"""import_complaints: migrating cases from a legacy system (SPEC §9).

A legacy row is history taken as recorded: its tier stands as given, a visit's outcome stands
as given, and the dates decide the status. Due dates come from the calendar and the deadline
policy in force on the receipt date, through cases.deadlines.compute_deadlines, the same
computation apply_deadlines runs for portal cases.

Speed: every line is parsed, validated and has its deadlines computed in Python first (a bad
line stops there, nothing written); valid lines are written in batches with bulk inserts and
explicit history rows (simple-history records nothing for bulk writes by itself). If a batch
fails in the database, it is replayed one line per transaction so that only the offending
line is reported and the others still import.
"""
import zoneinfo
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from cases.calendar import load_calendar
from cases.deadlines import compute_deadlines
from cases.models import CaseDeadline, Complaint, DeadlinePolicy, Department
from cases.models.case import Category, Channel, ComplaintType, Outcome, Status
from cases.models.deadlines import Stage, Tier
from complaints_portal.common.errors import CalendarMissing

from .imports import ImportResult, LineError, local_datetime, read_rows
from .models import FollowUpVisit

REQUIRED = ("reference", "received_at", "channel", "category", "department")
OPTIONAL = (
    "complaint_type", "tier", "notified_at", "withdrawn_at", "closed_at", "revisit_at", "revisit_outcome",
    "revisit_rating", "customer_name", "customer_phone", "policy_number", "summary",
)
CHANGE_REASON = "legacy import"

# Case fields an import writes (and a re-import overwrites).
CASE_FIELDS = [
    "received_at", "clock_start", "channel", "category", "department", "complaint_type", "tier",
    "deadline_policy", "notified_at", "first_notified_at", "withdrawn_at", "closed_at", "status", "outcome",
    "customer_name", "customer_phone", "policy_numbers", "summary", "due_overall", "next_due", "is_legacy",
]


@dataclass
class ParsedRow:
    line: int
    case: Complaint  # unsaved, fully populated
    deadlines: list  # [(stage, due_on, met_at, stopped_at, explanation)]
    visit: dict | None


def _choice(value, choices, column, default=None):
    if value == "" and default is not None:
        return default
    if value not in choices.values:
        raise LineError(
            _("%(col)s: “%(value)s” is not one of %(choices)s.")
            % {"col": column, "value": value, "choices": "|".join(choices.values)}
        )
    return value


def _text(value, column, max_length):
    if len(value) > max_length:
        raise LineError(_("%(col)s is longer than %(n)s characters.") % {"col": column, "n": max_length})
    return value


class _Context:
    def __init__(self):
        self.tz = zoneinfo.ZoneInfo(settings.TIME_ZONE)
        self.departments = {d.code: d for d in Department.objects.all()}
        self.policies = list(DeadlinePolicy.objects.order_by("-version"))
        self.calendar = load_calendar()
        self.rules_cache = {}
        self.deadline_cache = {}

    def deadlines_for(self, case):
        """compute_deadlines of an unsaved legacy case. Such a case has no extensions or
        pauses, so its deadlines depend only on the key below: computed once per key."""
        key = (case.deadline_policy.pk, case.clock_start, case.tier, case.category, case.channel)
        if key not in self.deadline_cache:
            try:
                self.deadline_cache[key] = compute_deadlines(case, self.calendar, _rules_cache=self.rules_cache)
            except CalendarMissing as exc:
                self.deadline_cache[key] = LineError(exc.message)
        computed = self.deadline_cache[key]
        if isinstance(computed, LineError):
            raise computed
        return computed

    def policy_for(self, day):
        for policy in self.policies:
            if policy.effective_from <= day:
                return policy
        raise LineError(_("no deadline policy is in effect on %(date)s.") % {"date": day.isoformat()})


def parse_row(line, row, ctx):
    """Validate one CSV line and build the unsaved case, its deadline rows and its visit."""
    reference = _text(row["reference"], "reference", 20)
    if not reference:
        raise LineError(_("reference is required."))
    received_at = local_datetime(row["received_at"], "received_at", ctx.tz)
    if received_at is None:
        raise LineError(_("received_at is required."))
    d0 = timezone.localdate(received_at, ctx.tz)
    department = None
    if row["department"]:
        department = ctx.departments.get(row["department"])
        if department is None:
            raise LineError(_("unknown department “%(code)s”.") % {"code": row["department"]})
    dates = {}
    for column in ("notified_at", "withdrawn_at", "closed_at", "revisit_at"):
        dates[column] = local_datetime(row.get(column, ""), column, ctx.tz)
        if dates[column] is not None and dates[column] < received_at:
            raise LineError(_("%(col)s is before received_at.") % {"col": column})
    notified_at, withdrawn_at, closed_at = dates["notified_at"], dates["withdrawn_at"], dates["closed_at"]

    if closed_at or withdrawn_at:
        status = Status.CLOSED
    elif notified_at:
        status = Status.RESPONDED
    elif department:
        status = Status.ASSIGNED
    else:
        status = Status.RECEIVED
    if withdrawn_at:
        outcome = Outcome.WITHDRAWN
    elif closed_at:
        outcome = Outcome.CLOSED
    else:
        outcome = ""

    case = Complaint(
        reference=reference,
        received_at=received_at,
        clock_start=d0,
        channel=_choice(row["channel"], Channel, "channel"),
        category=_choice(row["category"], Category, "category"),
        department=department,
        complaint_type=_choice(row.get("complaint_type", ""), ComplaintType, "complaint_type", ComplaintType.COMPLAINT),
        tier=_choice(row.get("tier", ""), Tier, "tier", Tier.SIMPLE),
        deadline_policy=ctx.policy_for(d0),
        notified_at=notified_at,
        first_notified_at=notified_at,
        withdrawn_at=withdrawn_at,
        closed_at=closed_at or withdrawn_at,
        status=status,
        outcome=outcome,
        customer_name=_text(row.get("customer_name", ""), "customer_name", 100),
        customer_phone=_text(row.get("customer_phone", ""), "customer_phone", 30),
        policy_numbers=_text(row.get("policy_number", ""), "policy_number", 200),
        summary=_text(row.get("summary", ""), "summary", 200),
        is_legacy=True,
    )

    visit = None
    outcome_text, rating_text = row.get("revisit_outcome", ""), row.get("revisit_rating", "")
    if outcome_text:
        visit_outcome = _choice(outcome_text, FollowUpVisit.Outcome, "revisit_outcome")
        if dates["revisit_at"] is None:
            raise LineError(_("revisit_at is required with revisit_outcome."))
        rating = None
        if visit_outcome == FollowUpVisit.Outcome.COMPLETED:
            if rating_text not in {"1", "2", "3", "4", "5"}:
                raise LineError(_("revisit_rating must be 1–5 for a completed visit."))
            rating = int(rating_text)
        elif rating_text:
            raise LineError(_("revisit_rating is only given for a completed visit."))
        visit = {"outcome": visit_outcome, "rating": rating, "visited_at": dates["revisit_at"]}
    elif rating_text or dates["revisit_at"]:
        raise LineError(_("revisit_at and revisit_rating need revisit_outcome."))

    computed = ctx.deadlines_for(case)

    # What happened to each stage is known only for the decision. The other stages were done
    # outside the portal: once the case has a decision or ended, their tracking is stopped
    # (excluded from stage compliance) so the reminder job never chases a migrated case.
    ended_at = notified_at or withdrawn_at or closed_at
    deadlines = []
    for stage, (due_on, text) in computed.items():
        met_at = notified_at if stage in (Stage.DECISION.value, Stage.OVERALL.value) else None
        stopped_at = ended_at if met_at is None else None
        deadlines.append((stage, due_on, met_at, stopped_at, text))
    case.due_overall = computed[Stage.OVERALL.value][0]
    open_dues = [d for _s, d, met, stopped, _t in deadlines if met is None and stopped is None]
    case.next_due = min(open_dues) if open_dues else None
    return ParsedRow(line=line, case=case, deadlines=deadlines, visit=visit)


def _write_batch(batch, result):
    """Write parsed rows in one transaction; new cases bulk-inserted, existing ones updated."""
    existing = {
        c.reference: c
        for c in Complaint.objects.filter(reference__in=[p.case.reference for p in batch]).only(
            "id", "reference", "is_legacy", "created_at", "version"
        )
    }
    new, updated = [], []
    for parsed in batch:
        old = existing.get(parsed.case.reference)
        if old is None:
            parsed.case.pk = None  # a replay after a failed batch must not reuse a rolled-back id
            new.append(parsed)
            continue
        if not old.is_legacy:
            raise LineError(_("reference %(ref)s belongs to a case registered in the portal.") % {"ref": old.reference})
        parsed.case.pk = old.pk
        parsed.case.created_at = old.created_at
        parsed.case.version = old.version + 1
        parsed.case.updated_at = timezone.now()
        updated.append(parsed)

    with transaction.atomic():
        if new:
            bulk_create_with_history([p.case for p in new], Complaint, default_change_reason=CHANGE_REASON)
            if any(p.case.pk is None for p in new):  # backends that return no ids
                ids = dict(Complaint.objects.filter(reference__in=[p.case.reference for p in new]).values_list("reference", "id"))
                for p in new:
                    p.case.pk = ids[p.case.reference]
        if updated:
            bulk_update_with_history(
                [p.case for p in updated], Complaint, CASE_FIELDS + ["version", "updated_at"],
                # bulk_update builds one CASE per field and row: small batches keep it linear.
                batch_size=100, default_change_reason=CHANGE_REASON,
            )
            ids = [p.case.pk for p in updated]
            # Deadlines are derived data of the legacy row: recomputed from scratch.
            CaseDeadline.objects.filter(case_id__in=ids).delete()
        CaseDeadline.objects.bulk_create(
            CaseDeadline(case_id=p.case.pk, stage=stage, due_on=due, met_at=met, stopped_at=stopped, explanation=text)
            for p in batch for stage, due, met, stopped, text in p.deadlines
        )
        _write_visits(batch, {p.case.pk for p in updated})
    result.created += len(new)
    result.updated += len(updated)


def _write_visits(batch, updated_ids):
    previous = {}
    if updated_ids:
        for visit in FollowUpVisit.objects.filter(case_id__in=updated_ids, by__isnull=True).order_by("visited_at", "id"):
            previous.setdefault(visit.case_id, visit)
    to_create, to_update = [], []
    for parsed in batch:
        old = previous.get(parsed.case.pk)
        if parsed.visit is None:
            if old is not None:
                old.delete()  # per object, so the history keeps the removal
            continue
        if old is None:
            to_create.append(FollowUpVisit(case_id=parsed.case.pk, **parsed.visit))
        else:
            for key, value in parsed.visit.items():
                setattr(old, key, value)
            to_update.append(old)
    if to_create:
        bulk_create_with_history(to_create, FollowUpVisit, default_change_reason=CHANGE_REASON)
    if to_update:
        bulk_update_with_history(to_update, FollowUpVisit, ["outcome", "rating", "visited_at"],
                                 batch_size=100, default_change_reason=CHANGE_REASON)


def _flush(batch, result):
    if not batch:
        return
    try:
        _write_batch(batch, result)
        return
    except (LineError, IntegrityError, DatabaseError):
        pass
    # Replay line by line so that only the offending line fails.
    for parsed in batch:
        try:
            _write_batch([parsed], result)
        except LineError as exc:
            result.errors.append((parsed.line, str(exc)))
        except (IntegrityError, DatabaseError) as exc:
            result.errors.append((parsed.line, _("could not be saved: %(error)s") % {"error": exc}))


def complaints_import(lines, batch_size=1000, progress=None, progress_every=10_000):
    """Import legacy complaints from CSV ``lines``; return an ImportResult.

    Idempotent by reference: a reference already imported is updated, never duplicated; the
    reference counter is not touched (legacy references keep their own numbering). A second
    line with the same reference in one file is reported and not imported.
    ``progress(n)`` is called every ``progress_every`` lines read.
    """
    ctx = _Context()
    result = ImportResult()
    seen = {}
    batch = []
    count = 0
    for line, row in read_rows(lines, REQUIRED, OPTIONAL):
        count += 1
        if progress and count % progress_every == 0:
            progress(count)
        try:
            if row is None:
                raise LineError(_("too many fields"))
            reference = row["reference"]
            if reference in seen:
                raise LineError(_("duplicate reference %(ref)s (first on line %(line)s).") % {"ref": reference, "line": seen[reference]})
            seen[reference] = line
            batch.append(parse_row(line, row, ctx))
        except LineError as exc:
            result.errors.append((line, str(exc)))
            continue
        if len(batch) >= batch_size:
            _flush(batch, result)
            batch = []
    _flush(batch, result)
    if progress:
        progress(count)
    result.errors.sort()
    return result
