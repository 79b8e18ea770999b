"""Rectifications and corrective actions (SPEC §7), tracked to closure, with their reminders."""
import datetime

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessment.kpi.periods import local_today, period_bounds
from assessment.selectors import departments_visible_to
from cases.deadlines import DUE_SOON_DAYS
from cases.models import Complaint, DepartmentMembership
from cases.models.case import RootCause, Status
from cases.notification_texts import local_date, register
from cases.notifications import notify
from cases.permissions import department_ids, is_supervisor
from complaints_portal.common.errors import (
    ApplicationError,
    CalendarMissing,
    NotFound,
    ReadOnlyCase,
    ValidationFailed,
)

from .common import (
    CLOSED_STATES,
    AlreadyClosed,
    ClosingNoteRequired,
    active_supervisors,
    heads_of,
    setting,
    working_days_from,
)
from .models import (
    CorrectiveAction,
    Rectification,
)

User = get_user_model()

# ---------------------------------------------------------------------------------------------
# Rectifications



def _dated(params):
    return {**params, "due": local_date(params.get("due"))}


# What the notifications of rectifications and corrective actions say (cases.notification_texts).
RECTIFICATION_OPENED = register("rectification_opened", gettext_lazy("Rectification required (due %(due)s)"),
                                "%(description)s", prepare=_dated)
CORRECTIVE_ACTION = register("corrective_action", gettext_lazy("Corrective action for %(ref)s (due %(due)s)"),
                             "%(description)s", prepare=_dated)
register("rectification_overdue", gettext_lazy("Overdue rectification #%(id)s (due %(due)s)"), "%(description)s",
         prepare=_dated)
register("corrective_action_overdue", gettext_lazy("Overdue corrective action #%(id)s (due %(due)s)"),
         "%(description)s", prepare=_dated)
register("rectification_due", gettext_lazy("Rectification #%(id)s is due on %(due)s"), "%(description)s",
         prepare=_dated)
register("corrective_action_due", gettext_lazy("Corrective action #%(id)s is due on %(due)s"), "%(description)s",
         prepare=_dated)

def rectification_open(*, actor, department, description, item=None, owner=None, working_days=None):
    """Open a rectification for `department`, owned by its head (else the actor), due in
    `working_days` working days (setting SUPERVISION_RECTIFICATION_WORKING_DAYS, default 10)."""
    working_days = working_days or setting("SUPERVISION_RECTIFICATION_WORKING_DAYS", 10)
    owner = owner or heads_of(department).first() or actor
    now = timezone.now()
    rectification = Rectification(
        item=item, department=department, owner=owner, description=description,
        due_on=working_days_from(timezone.localdate(now), working_days), created_by=actor, created_at=now,
    )
    rectification._history_user = actor
    rectification.save()
    notify(owner, RECTIFICATION_OPENED, params={"due": rectification.due_on.isoformat(), "description": description},
           dedupe_key=f"rectification_opened:{rectification.pk}")
    return rectification


def _may_work_on(user, department_id):
    return is_supervisor(user) or department_id in department_ids(user, DepartmentMembership.Role.HEAD)


def rectification_list(user, *, status=None):
    departments = departments_visible_to(user)
    qs = Rectification.objects.select_related("department", "owner", "item__case", "item__spot_check")
    if departments is not None:
        qs = qs.filter(Q(department__in=departments) | Q(owner=user))
    if status:
        qs = qs.filter(status=status)
    return qs


def rectification_close(*, actor, rectification_id, note):
    """Close an open rectification with a note saying what was done (supervisor, the owner or
    the department's head). Refused without a note (ClosingNoteRequired) or when closed."""
    note = (note or "").strip()
    if not note:
        raise ClosingNoteRequired(extra={"fields": {"note": [_("This field is required.")]}})
    with transaction.atomic():
        rectification = Rectification.objects.select_for_update().filter(pk=rectification_id).first()
        if rectification is None:
            raise NotFound()
        if not (_may_work_on(actor, rectification.department_id) or rectification.owner_id == actor.pk):
            raise NotFound()
        if rectification.status != Rectification.Status.OPEN:
            raise AlreadyClosed()
        rectification.status = Rectification.Status.CLOSED
        rectification.closing_note = note
        rectification.closed_by = actor
        rectification.closed_at = timezone.now()
        rectification._history_user = actor
        rectification.save(update_fields=["status", "closing_note", "closed_by", "closed_at"])
    return rectification


# ---------------------------------------------------------------------------------------------
# Root cause and corrective action


def corrective_missing(departments=None):
    """Closed (or archived) at-fault cases that have no corrective action yet."""
    qs = Complaint.objects.filter(status__in=CLOSED_STATES, at_fault=True, merged_into__isnull=True,
                                  corrective__isnull=True).select_related("department").order_by("closed_at")
    if departments is not None:
        qs = qs.filter(department__in=departments)
    return qs


def corrective_open(departments=None):
    qs = CorrectiveAction.objects.filter(status=CorrectiveAction.Status.OPEN).select_related(
        "case", "department", "owner")
    if departments is not None:
        qs = qs.filter(department__in=departments)
    return qs


def corrective_action_create(*, actor, reference, root_cause, description, owner, due_on):
    """Record the corrective action of a closed at-fault case (supervisor, senior manager or the
    head of its department). Sets the case's root cause when it has none; an archived case is
    read-only, so its root cause must already be set."""
    from cases.permissions import is_head_of, is_senior

    description = (description or "").strip()
    errors = {}
    if root_cause not in RootCause.values:
        errors["root_cause"] = [_("Not a valid choice.")]
    if not description:
        errors["description"] = [_("This field is required.")]
    if not isinstance(due_on, datetime.date):
        errors["due_on"] = [_("Invalid date.")]
    owner_user = owner if isinstance(owner, User) else User.objects.filter(username=owner, is_active=True).first()
    if owner_user is None:
        errors["owner"] = [_("Unknown user.")]
    if errors:
        raise ValidationFailed(extra={"fields": errors})
    with transaction.atomic():
        case = Complaint.objects.select_for_update(of=("self",)).filter(reference=reference).first()
        if case is None:
            raise NotFound()
        if not (is_supervisor(actor) or is_senior(actor) or is_head_of(actor, case)):
            raise NotFound()
        if case.status not in CLOSED_STATES or not case.at_fault:
            raise ValidationFailed(_("Only closed cases found at fault take a corrective action."),
                                   code="not_at_fault_closed")
        if CorrectiveAction.objects.filter(case=case).exists():
            raise ApplicationError(_("This case already has a corrective action."), code="corrective_exists")
        if case.root_cause != root_cause:
            if case.status == Status.ARCHIVED:
                raise ReadOnlyCase()
            case.root_cause = root_cause
            case.corrective_action = description
            case.version += 1
            case._history_user = actor
            case.save(update_fields=["root_cause", "corrective_action", "version", "updated_at"])
        action = CorrectiveAction(case=case, department=case.department, root_cause=root_cause,
                                  description=description, owner=owner_user, due_on=due_on, created_by=actor,
                                  created_at=timezone.now())
        action._history_user = actor
        action.save()
        notify(owner_user, CORRECTIVE_ACTION, case=case,
               params={"ref": case.reference, "due": due_on.isoformat(), "description": description},
               dedupe_key=f"corrective_action:{action.pk}")
    return action


def corrective_action_complete(*, actor, action_id, note):
    """Mark a corrective action done with a note (its owner, the head or the supervisor)."""
    note = (note or "").strip()
    if not note:
        raise ClosingNoteRequired(extra={"fields": {"note": [_("This field is required.")]}})
    with transaction.atomic():
        action = CorrectiveAction.objects.select_for_update().filter(pk=action_id).first()
        if action is None or not (_may_work_on(actor, action.department_id) or action.owner_id == actor.pk):
            raise NotFound()
        if action.status != CorrectiveAction.Status.OPEN:
            raise AlreadyClosed()
        action.status = CorrectiveAction.Status.DONE
        action.completion_note = note
        action.completed_at = timezone.now()
        action._history_user = actor
        action.save(update_fields=["status", "completion_note", "completed_at"])
    return action


# A threshold above this lists nothing anyway; the cap keeps the number a database integer.
RECURRING_THRESHOLD_MAX = 1_000_000


def recurring_threshold(requested=None):
    """How many at-fault cases with one root cause make it recurring: ``requested`` (a page's
    ``?min``, a caller's argument) when it is a whole number from 1 up, else the setting
    SUPERVISION_RECURRING_THRESHOLD (default 3). Missing, empty or malformed input is "not
    asked", never a threshold of 1 that would list every single occurrence as recurring."""
    try:
        value = int(str(requested).strip()) if requested not in (None, "") else 0
    except ValueError:
        value = 0
    return min(value, RECURRING_THRESHOLD_MAX) if value >= 1 else setting("SUPERVISION_RECURRING_THRESHOLD", 3)


def recurring_root_causes(period, threshold=None, departments=None):
    """(department code, root cause, count) where the same root cause was recorded on at least
    `threshold` (see recurring_threshold: default the setting SUPERVISION_RECURRING_THRESHOLD,
    3) at-fault cases of the same department closed within `period`. For the dashboard and
    the supervision page."""
    threshold = recurring_threshold(threshold)
    start, end = period_bounds(period)
    qs = Complaint.objects.filter(at_fault=True, closed_at__gte=start, closed_at__lt=end,
                                  merged_into__isnull=True).exclude(root_cause="")
    if departments is not None:
        qs = qs.filter(department__in=departments)
    rows = (qs.values("department__code", "department__name", "root_cause").annotate(n=Count("id")).filter(n__gte=threshold)
            .order_by("-n", "department__code", "root_cause"))
    labels = dict(RootCause.choices)
    return [{"department": r["department__code"], "department_name": r["department__name"], "root_cause": r["root_cause"],
             "label": labels.get(r["root_cause"], r["root_cause"]), "count": r["n"]} for r in rows]


# ---------------------------------------------------------------------------------------------
# Reminders (beat)


def supervision_reminders(today=None):
    """Remind owners of open rectifications and corrective actions due within DUE_SOON_DAYS working
    days and escalate overdue ones to heads and supervisors; idempotent (dedupe keys, markers
    set by conditional updates)."""
    today = today or local_today()
    try:
        soon = working_days_from(today, DUE_SOON_DAYS)
    except CalendarMissing:
        soon = today + datetime.timedelta(days=DUE_SOON_DAYS)
    sent = {"reminded": 0, "escalated": 0}
    for model, kind in ((Rectification, "rectification"), (CorrectiveAction, "corrective_action")):
        open_status = model.Status.OPEN
        for item in model.objects.filter(status=open_status, due_on__lte=soon).select_related("owner", "department"):
            params = {"id": item.pk, "due": item.due_on.isoformat(), "description": item.description}
            if item.due_on < today:
                recipients = {item.owner, *(heads_of(item.department) if item.department_id else []), *active_supervisors()}
                for user in recipients:
                    notify(user, f"{kind}_overdue", params=params,
                           dedupe_key=f"{kind}_overdue:{item.pk}:{item.due_on}:{user.pk}")
                if model.objects.filter(pk=item.pk, status=open_status, escalated_on__isnull=True).update(
                        escalated_on=today):
                    sent["escalated"] += 1
            else:
                notify(item.owner, f"{kind}_due", params=params, dedupe_key=f"{kind}_due:{item.pk}:{item.due_on}")
                if model.objects.filter(pk=item.pk, status=open_status, reminded_on__isnull=True).update(
                        reminded_on=today):
                    sent["reminded"] += 1
    return sent
