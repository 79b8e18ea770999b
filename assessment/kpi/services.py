"""Writes of the assessment app: follow-up visits, targets and KPI snapshots.

Each write checks who may do it inside the operation (so the pages, the API and the tasks
follow one rule), runs in one transaction and records its timeline or history row there.
"""
import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.events import event_record
from cases.permissions import (
    handles_case,
    is_clerk,
    is_department_investigator,
    is_supervisor,
)
from complaints_portal.common.errors import ApplicationError, PermissionDenied, ValidationFailed
from complaints_portal.common.roles import SUPERVISOR, has_role

from . import calculations as calc
from .calculations import KPI_RULES_VERSION
from .models import FollowUpAttempt, FollowUpVisit, KpiSnapshot, Target
from .periods import local_today, period_parse, previous_quarter
from .selectors import CASE_FIGURES, inputs_changed_at, kpi_table

UNREACHABLE_MIN_ATTEMPTS = 3


class FollowUpNotDue(ApplicationError):
    code = "followup_before_decision"
    status_code = 409
    default_message = _("A follow-up visit can only be recorded after the decision was notified.")


class FollowUpInvalid(ValidationFailed):
    code = "followup_invalid"


class FollowUpNeedsAttempts(ApplicationError):
    code = "followup_needs_attempts"
    status_code = 409
    default_message = _("“Unreachable” needs 3 recorded attempts to reach the customer.")


class SnapshotFrozen(ApplicationError):
    code = "snapshot_published"
    status_code = 409
    default_message = _("A published snapshot is frozen and cannot be changed.")


def can_follow_up(user, case):
    """Clerks (customer service), supervisors and the people handling the case's department."""
    return is_clerk(user) or is_supervisor(user) or handles_case(user, case) or is_department_investigator(user, case)


def _check_followup(case, user, at):
    if not can_follow_up(user, case):
        raise PermissionDenied()
    if case.notified_at is None:
        raise FollowUpNotDue()
    if at > timezone.now() + datetime.timedelta(minutes=5):
        raise FollowUpInvalid(_("The time is in the future."), extra={"fields": {"at": ["future"]}})
    if at < case.notified_at:
        raise FollowUpInvalid(_("The time is before the decision was notified."), extra={"fields": {"at": ["before_decision"]}})


@transaction.atomic
def followup_attempt_record(case, user, at=None, channel="phone", result=FollowUpAttempt.Result.NO_ANSWER, note=""):
    """Record one try at reaching the customer after the decision; returns the attempt.

    Three recorded attempts are what allow a visit to be closed as "unreachable"."""
    at = at or timezone.now()
    _check_followup(case, user, at)
    if result not in FollowUpAttempt.Result.values:
        raise FollowUpInvalid(_("Unknown result."), extra={"fields": {"result": ["invalid"]}})
    attempt = FollowUpAttempt.objects.create(case=case, at=at, channel=channel or "phone", result=result, note=note, by=user)
    event_record(case, "followup_attempt", user, data={"result": result, "channel": attempt.channel}, at=at)
    return attempt


@transaction.atomic
def followup_record(case, user, outcome, rating=None, visited_at=None, comment=""):
    """Record the outcome of a follow-up visit (SPEC §5); returns the FollowUpVisit.

    completed needs a rating 1–5; unreachable needs 3 recorded attempts; refused needs
    nothing more. Only after the decision was notified. The first completed visit of a case is
    the one the satisfaction rate counts; later ones are kept for the record."""
    visited_at = visited_at or timezone.now()
    _check_followup(case, user, visited_at)
    if outcome not in FollowUpVisit.Outcome.values:
        raise FollowUpInvalid(_("Unknown outcome."), extra={"fields": {"outcome": ["invalid"]}})
    if outcome == FollowUpVisit.Outcome.COMPLETED:
        if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
            raise FollowUpInvalid(_("A completed visit needs a rating from 1 to 5."), extra={"fields": {"rating": ["required"]}})
    elif rating is not None:
        raise FollowUpInvalid(_("Only a completed visit has a rating."), extra={"fields": {"rating": ["not_allowed"]}})
    if outcome == FollowUpVisit.Outcome.UNREACHABLE:
        attempts = FollowUpAttempt.objects.filter(case=case, at__lte=visited_at).count()
        if attempts < UNREACHABLE_MIN_ATTEMPTS:
            raise FollowUpNeedsAttempts(extra={"attempts": attempts})
    visit = FollowUpVisit(case=case, outcome=outcome, rating=rating, visited_at=visited_at, comment=comment, by=user)
    visit._change_reason = "followup"
    visit.save()
    event_record(case, "followup", user, data={"outcome": outcome, "rating": rating}, at=visited_at)
    return visit


@transaction.atomic
def target_set(user, period, department=None, *, complaint_rate=None, on_time_rate=None, satisfaction_rate=None):
    """Set (or update) the targets of a department (None: the company) for a period."""
    if not has_role(user, SUPERVISOR):
        raise PermissionDenied()
    period = period_parse(period) if isinstance(period, str) else period
    target = Target.objects.select_for_update().filter(period=period.code, department=department).first()
    if target is None:
        target = Target(period=period.code, department=department)
    target.complaint_rate = complaint_rate
    target.on_time_rate = on_time_rate
    target.satisfaction_rate = satisfaction_rate
    target.set_by = user
    target.save()
    return target


def _row_dict(row):
    data = {"department": row.department, "name": row.name}
    for name in CASE_FIGURES:
        data[name] = getattr(row, name)
    for name in ("new_policies", "policies_in_force", "insured_persons"):
        data[name] = getattr(row, name)
    data["premium"] = None if row.premium is None else str(row.premium)
    rates = {
        "complaint_rate": row.complaint_rate,
        "timeliness_rate": row.timeliness_rate,
        "satisfaction_rate": row.satisfaction_rate,
        "revisit_success_rate": row.revisit_success_rate,
        **row.companions,
    }
    data.update({k: calc.format_rate(v) or None for k, v in rates.items()})
    data["stages"] = {
        stage: {"met": v["met"], "denominator": v["denominator"], "rate": calc.format_rate(v["rate"]) or None}
        for stage, v in row.stage_rates.items()
    }
    return data


def kpi_rows_serialised(table):
    """The KPI table as JSON-able rows (departments by code, then ALL)."""
    return [_row_dict(r) for r in table.rows] + [_row_dict(table.company)]


@transaction.atomic
def snapshot_create(period, as_of=None, user=None, publish=False):
    """Compute and store the figures of ``period`` as of ``as_of`` with the rule version."""
    period = period_parse(period) if isinstance(period, str) else period
    as_of = as_of or local_today()
    if user is not None and not has_role(user, SUPERVISOR):
        raise PermissionDenied()
    table = kpi_table(period, as_of)
    return KpiSnapshot.objects.create(
        period=period.code,
        as_of=as_of,
        rule_version=KPI_RULES_VERSION,
        rows=kpi_rows_serialised(table),
        inputs_at=inputs_changed_at(period),
        published=publish,
        created_by=user,
    )


@transaction.atomic
def snapshot_publish(snapshot, user):
    """Publish a snapshot: from then on it is frozen."""
    if not has_role(user, SUPERVISOR):
        raise PermissionDenied()
    updated = KpiSnapshot.objects.filter(pk=snapshot.pk, published=False).update(published=True)
    if not updated:
        raise SnapshotFrozen()
    snapshot.published = True
    return snapshot


def snapshot_delete(snapshot, user):
    if snapshot.published:
        raise SnapshotFrozen()
    if not has_role(user, SUPERVISOR):
        raise PermissionDenied()
    snapshot.delete()


def snapshot_diff(snapshot):
    """Differences between the stored figures and a recomputation now, with the same period
    and as-of date: [{department, figure, stored, now}]. Empty when nothing changed."""
    period = period_parse(snapshot.period)
    current = {r["department"]: r for r in kpi_rows_serialised(kpi_table(period, snapshot.as_of))}
    stored = {r["department"]: r for r in snapshot.rows}
    diffs = []
    for dept in sorted(set(current) | set(stored), key=lambda d: (d == "ALL", d)):
        before, after = stored.get(dept, {}), current.get(dept, {})
        for key in sorted(set(before) | set(after)):
            if key in ("name", "stages"):
                continue
            if before.get(key) != after.get(key):
                diffs.append({"department": dept, "figure": key, "stored": before.get(key), "now": after.get(key)})
    return diffs


def snapshot_previous_quarter(today=None):
    """The quarterly job: store the snapshot of the quarter before today's, as of today.

    Running twice the same day stores nothing twice."""
    today = today or local_today()
    period = previous_quarter(today)
    existing = KpiSnapshot.objects.filter(period=period.code, as_of=today, created_by__isnull=True).first()
    if existing:
        return existing.pk
    return snapshot_create(period, today).pk

