"""Writes of the KPI package: targets and snapshots (permission checked inside, one transaction
with the timeline or history row); follow-up visits are followups.py."""

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from complaints_portal.common.errors import ApplicationError, PermissionDenied
from complaints_portal.common.roles import SUPERVISOR, has_role

from . import calculations as calc
from .calculations import KPI_RULES_VERSION
from .models import KpiSnapshot, Target
from .periods import local_today, period_parse, previous_quarter
from .selectors import CASE_FIGURES, inputs_changed_at, kpi_table


class SnapshotFrozen(ApplicationError):
    code = "snapshot_published"
    status_code = 409
    default_message = _("A published snapshot is frozen and cannot be changed.")


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

