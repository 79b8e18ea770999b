"""case_transition: the one mutator of a case's status (STYLE "one mutator for status")."""
import datetime

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from complaints_portal.common.errors import (
    ApplicationError,
    ConcurrentModification,
    PermissionDenied,
    ReadOnlyCase,
    TransitionNotAllowed,
    ValidationFailed,
)
from complaints_portal.common.roles import SENIOR_MANAGER

from .. import deadlines, workflow
from ..events import event_record
from ..models import (
    Decision,
    Department,
    DepartmentMembership,
    Extension,
    Pause,
    Plan,
    PlanApproval,
    Report,
    TeamMember,
)
from ..models.case import Outcome, RootCause, Status
from ..models.deadlines import Tier
from ..permissions import can_act, has_active_team, is_head_of
from ..selectors import case_get_for_user
from ..signals import case_changed
from .common import choice, require

User = get_user_model()

DEFAULT_REMEDIES = gettext_lazy(
    "If you do not accept this decision you may ask for a review within 30 days, apply for mediation, "
    "arbitration, or bring the matter before a court."
)


class ExtensionTooLate(ApplicationError):
    code = "extension_too_late"
    status_code = 409


def _date(value, name, default=None):
    if value in (None, ""):
        return default
    if isinstance(value, datetime.date):
        return value
    parsed = parse_date(str(value))
    if parsed is None:
        raise ValidationFailed(_("%(field)s is not a valid date (YYYY-MM-DD).") % {"field": name},
                               extra={"fields": {name: [_("Invalid date.")]}})
    return parsed


def _datetime(value, name, default):
    if value in (None, ""):
        return default
    if isinstance(value, datetime.datetime):
        parsed = value
    else:
        parsed = parse_datetime(str(value))
        if parsed is None:
            raise ValidationFailed(_("%(field)s is not a valid date and time.") % {"field": name},
                                   extra={"fields": {name: [_("Invalid date and time.")]}})
    return timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed


def _users(usernames, name):
    usernames = [u for u in usernames if u]
    found = {u.username: u for u in User.objects.filter(username__in=usernames, is_active=True)}
    unknown = [u for u in usernames if u not in found]
    if unknown:
        raise ValidationFailed(_("Unknown users: %(names)s") % {"names": ", ".join(unknown)},
                               extra={"fields": {name: [_("Unknown user.")]}})
    return [found[u] for u in usernames]


def _round_one_handlers(case):
    """Everyone who handled the first round: a review must be done by others (SPEC §3)."""
    ids = set(case.team.filter(round=1).values_list("user_id", flat=True))
    ids |= set(case.reports.filter(round=1).values_list("submitted_by_id", flat=True))
    ids |= set(case.plans.filter(round=1).values_list("proposed_by_id", flat=True))
    ids |= set(PlanApproval.objects.filter(plan__case=case, plan__round=1).values_list("approver_id", flat=True))
    ids |= set(case.decisions.filter(round=1).values_list("notified_by_id", flat=True))
    return ids


# --- one handler per action: validate `data`, change the case and its parts, return event data.

def _acknowledge(case, actor, data, now):
    case.acknowledged_at = now
    case.ack_method = (data.get("method") or "phone")[:30]
    case.ack_note = data.get("note") or ""
    return {"method": case.ack_method}


def _department(data):
    require(data, "department")
    code = data["department"].code if isinstance(data["department"], Department) else str(data["department"])
    department = Department.objects.filter(code=code, active=True).first()
    if department is None:
        raise ValidationFailed(_("Unknown department: %(code)s") % {"code": code},
                               extra={"fields": {"department": [_("Unknown department.")]}})
    return department


def _assign(case, actor, data, now):
    case.department = _department(data)
    case.assigned_at = now
    return {"department": case.department.code}


def _end_team(case, now):
    """End the case's active team (kept as the record of who handled it): its members lose the
    case from now on (SPEC §1). Row by row, so that each end is in the team's history."""
    ended = []
    for member in TeamMember.objects.filter(case=case, ended_at__isnull=True).select_related("user"):
        member.ended_at = now
        member.save(update_fields=["ended_at"])
        ended.append(member.user.username)
    return ended


def _reassign(case, actor, data, now):
    department = _department(data)
    require(data, "reason")
    if department.pk == case.department_id:
        raise ValidationFailed(_("The case is already with this department."),
                               extra={"fields": {"department": [_("Same department.")]}})
    old = case.department.code if case.department else None
    case.department = department
    case.assigned_at = now
    ended = _end_team(case, now)
    # The new department's head forms a new team; until then nobody investigates.
    case.team_formed_at = None
    return {"from": old, "to": department.code, "reason": data["reason"], "team_ended": ended}


def _form_team(case, actor, data, now):
    require(data, "lead")
    lead = _users([data["lead"]], "lead")[0]
    members = _users(list(dict.fromkeys(data.get("members") or [])), "members")
    everyone = [lead] + [m for m in members if m.pk != lead.pk]
    if case.round == 1:
        allowed = set(DepartmentMembership.objects.filter(department=case.department).values_list("user_id", flat=True))
        outsiders = [u.username for u in everyone if u.pk not in allowed]
        if outsiders:
            raise ValidationFailed(_("Not members of the responsible department: %(names)s") % {"names": ", ".join(outsiders)},
                                   extra={"fields": {"members": [_("Not in the department.")]}})
    else:
        handled = _round_one_handlers(case)
        conflicted = [u.username for u in everyone if u.pk in handled]
        if conflicted:
            raise ValidationFailed(
                _("A review must be done by staff who did not handle the first round: %(names)s") % {"names": ", ".join(conflicted)},
                code="review_conflict", extra={"fields": {"members": [_("Handled the first round.")]}},
            )
    if has_active_team(case):
        raise TransitionNotAllowed(_("The case already has its investigation team."))
    attested = bool(data.get("recusal_attested"))
    for u in everyone:
        # One save per member (not bulk_create): each row gets its history entry.
        TeamMember.objects.create(
            case=case, round=case.round, user=u,
            role=TeamMember.Role.LEAD if u.pk == lead.pk else TeamMember.Role.MEMBER,
            recusal_attested=attested, attested_at=now if attested else None, named_by=actor, named_at=now,
        )
    case.__dict__.pop("_team_cache", None)
    case.__dict__.pop("_team_empty", None)
    case.team_formed_at = now
    return {"lead": lead.username, "members": [u.username for u in everyone], "recusal_attested": attested}


def _bool(data, name):
    value = data.get(name)
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false", "1", "0", "yes", "no", "on"):
        return value.lower() in ("true", "1", "yes", "on")
    raise ValidationFailed(_("%(field)s must be true or false.") % {"field": name},
                           extra={"fields": {name: [_("Must be true or false.")]}})


def _submit_report(case, actor, data, now):
    require(data, "facts", "recommendation")
    at_fault = _bool(data, "at_fault")
    root_cause = choice(data, "root_cause", RootCause, required=False)
    Report.objects.create(case=case, round=case.round, facts=data["facts"], at_fault=at_fault,
                          responsible_staff=data.get("responsible_staff") or "", recommendation=data["recommendation"],
                          root_cause=root_cause, submitted_by=actor, submitted_at=now)
    case.at_fault = at_fault
    case.root_cause = root_cause
    case.reported_at = now
    return {"at_fault": at_fault, "root_cause": root_cause}


def _propose_plan(case, actor, data, now):
    require(data, "plan")
    amount = data.get("redress_amount")
    Plan.objects.create(case=case, round=case.round, text=data["plan"], redress_amount=amount or None,
                        proposed_by=actor, proposed_at=now)
    case.plan_proposed_at = now
    return {"redress_amount": str(amount) if amount else None}


def _pending_plan(case):
    plan = case.plans.filter(round=case.round, state=Plan.State.PENDING).order_by("-proposed_at").first()
    if plan is None:
        raise TransitionNotAllowed(_("There is no plan awaiting approval."))
    return plan


def _approver_role(actor, case):
    return "senior_manager" if not is_head_of(actor, case) else "department_head"


def _approve_plan(case, actor, data, now):
    plan = _pending_plan(case)
    plan.state = Plan.State.APPROVED
    plan.save(update_fields=["state"])
    PlanApproval.objects.create(plan=plan, approver=actor, approver_role=_approver_role(actor, case), approved=True,
                                reason=data.get("reason") or "", decided_at=now)
    case.plan_approved_at = now
    case.redress_amount = plan.redress_amount
    return {}


def _reject_plan(case, actor, data, now):
    require(data, "reason")
    plan = _pending_plan(case)
    plan.state = Plan.State.REJECTED
    plan.save(update_fields=["state"])
    PlanApproval.objects.create(plan=plan, approver=actor, approver_role=_approver_role(actor, case), approved=False,
                                reason=data["reason"], decided_at=now)
    return {"reason": data["reason"]}


def _notify_decision(case, actor, data, now):
    require(data, "method", "decision")
    method = choice(data, "method", Decision.Method)
    Decision.objects.create(case=case, round=case.round, method=method, text=data["decision"],
                            remedies=data.get("remedies") or str(DEFAULT_REMEDIES), notified_by=actor, notified_at=now)
    case.notified_at = now
    if case.round == 1:
        case.first_notified_at = now
    return {"method": method, "round": case.round}


def _customer_accepts(case, actor, data, now):
    case.outcome = Outcome.ACCEPTED
    case.closed_at = now
    return {}


def _customer_disputes(case, actor, data, now):
    require(data, "reason")
    case.disputed_at = _datetime(data.get("received_at"), "received_at", now)
    # The first round's team does not act in the review (it is done by others, SPEC §3).
    _end_team(case, now)
    case.round += 1
    case.team_formed_at = case.reported_at = case.plan_proposed_at = case.plan_approved_at = None
    return {"reason": data["reason"], "round": case.round}


def _close(case, actor, data, now):
    require(data, "reason")
    case.outcome = Outcome.CLOSED
    case.closed_at = now
    return {"reason": data["reason"]}


def _withdraw(case, actor, data, now):
    require(data, "reason")
    case.outcome = Outcome.WITHDRAWN
    case.withdrawn_at = case.closed_at = now
    return {"reason": data["reason"]}


def _archive(case, actor, data, now):
    case.archived_at = now
    case.retention_until = timezone.localdate(now) + relativedelta(years=settings.RETENTION_YEARS)
    return {"retention_until": case.retention_until.isoformat()}


TIER_ORDER = [Tier.SIMPLE, Tier.COMPLEX, Tier.SPECIAL]


def _extend(case, actor, data, now):
    require(data, "tier", "reason")
    tier = choice(data, "tier", [Tier.COMPLEX, Tier.SPECIAL])
    if TIER_ORDER.index(tier) <= TIER_ORDER.index(case.tier):
        raise ValidationFailed(_("The case is already at this tier or higher."), extra={"fields": {"tier": [_("Not higher.")]}})
    told_at = _datetime(data.get("customer_told_at"), "customer_told_at", now)
    counts, due_before = deadlines.extension_check(case, tier, now)
    if not counts:
        raise ExtensionTooLate(
            _("The extension is recorded after the due date it extends (%(due)s) and does not count; the case is late.")
            % {"due": due_before.isoformat()}, extra={"due": due_before.isoformat()},
        )
    Extension.objects.create(case=case, from_tier=case.tier, to_tier=tier, reason=data["reason"], decided_by=actor,
                             decided_at=now, customer_told_at=told_at, due_before=due_before, counts=True)
    old = case.tier
    case.tier = tier
    deadlines.apply_deadlines(case)
    return {"from": old, "to": tier, "due_before": due_before.isoformat()}


def _pause(case, actor, data, now):
    require(data, "kind", "proof")
    if case.pauses.filter(end__isnull=True).exists():
        raise TransitionNotAllowed(_("The deadline is already paused."))
    start = _date(data.get("start"), "start", timezone.localdate(now))
    Pause.objects.create(case=case, kind=choice(data, "kind", Pause.Kind), start=start,
                         customer_told_proof=data["proof"], created_by=actor)
    deadlines.apply_deadlines(case)
    return {"start": start.isoformat()}


def _resume(case, actor, data, now):
    pause = case.pauses.filter(end__isnull=True).first()
    if pause is None:
        raise TransitionNotAllowed(_("The deadline is not paused."))
    end = _date(data.get("end"), "end", timezone.localdate(now))
    if end < pause.start:
        raise ValidationFailed(_("A pause cannot end before it started."), extra={"fields": {"end": [_("Before the start.")]}})
    pause.end = end
    pause.save(update_fields=["end"])
    deadlines.apply_deadlines(case)
    return {"start": pause.start.isoformat(), "end": end.isoformat()}


def _restart_clock(case, actor, data, now):
    require(data, "received_on")
    received_on = _date(data["received_on"], "received_on")
    if received_on < case.clock_start or received_on > timezone.localdate(now):
        raise ValidationFailed(_("The new facts must be dated between the current clock start and today."),
                               extra={"fields": {"received_on": [_("Out of range.")]}})
    old = case.clock_start
    case.clock_start = received_on
    deadlines.apply_deadlines(case)
    return {"from": old.isoformat(), "to": received_on.isoformat()}


def _merge(case, actor, data, now):
    require(data, "into")
    master = case_get_for_user(actor, data["into"])
    if master.pk == case.pk or master.merged_into_id or not master.is_open:
        raise ValidationFailed(_("A case can only be merged into another open case that is not itself merged."),
                               extra={"fields": {"into": [_("Not a valid master case.")]}})
    case.merged_into = master
    case.outcome = Outcome.MERGED
    event_record(master, "merged_duplicate", actor, data={"duplicate": case.reference})
    return {"into": master.reference}


def _legal_hold(case, actor, data, now):
    hold = _bool(data, "hold")
    if hold:
        require(data, "reason")
    case.legal_hold = hold
    case.legal_hold_reason = data.get("reason") or ""
    return {"hold": hold, "reason": case.legal_hold_reason}


HANDLERS = {
    "acknowledge": _acknowledge,
    "acknowledge_late": _acknowledge,
    "assign": _assign,
    "reassign": _reassign,
    "form_team": _form_team,
    "submit_report": _submit_report,
    "propose_plan": _propose_plan,
    "approve_plan": _approve_plan,
    "reject_plan": _reject_plan,
    "notify_decision": _notify_decision,
    "customer_accepts": _customer_accepts,
    "customer_disputes": _customer_disputes,
    "close": _close,
    "withdraw": _withdraw,
    "archive": _archive,
    "extend": _extend,
    "pause": _pause,
    "resume": _resume,
    "restart_clock": _restart_clock,
    "merge": _merge,
    "legal_hold": _legal_hold,
}
if set(HANDLERS) != set(workflow.TRANSITIONS):
    # Checked at import (not with assert, which `python -O` strips): a table entry without a
    # handler would otherwise only fail when someone first tries that action.
    raise ImproperlyConfigured("every transition in cases.workflow.TRANSITIONS needs a handler")


def _resolve_action(case, action):
    if action == "acknowledge" and case.status != Status.RECEIVED:
        if case.acknowledged_at is None:
            return "acknowledge_late"
    return action


def case_transition(*, actor, reference, action, data=None, expected_version=None, at=None):
    """Perform `action` on the case `reference` as `actor`.

    Locks the row, refuses a stale form (expected_version), checks the TRANSITIONS table and
    the actor's permission, applies the handler, records deadlines, history and the timeline
    event, and schedules notifications after commit. On any error nothing is written.
    Raises NotFound, TransitionNotAllowed, PermissionDenied, ConcurrentModification,
    ValidationFailed (and subclasses), CalendarMissing.
    `at` backdates the act; only demo data and migrations use it, never a user request.
    """
    data = dict(data or {})
    if action not in workflow.PUBLIC_ACTIONS:
        raise ValidationFailed(_("Unknown action: %(action)s") % {"action": action},
                               code="unknown_action", extra={"actions": list(workflow.PUBLIC_ACTIONS)})
    with transaction.atomic():
        case = case_get_for_user(actor, reference, for_update=True)
        if expected_version is not None and int(expected_version) != case.version:
            raise ConcurrentModification(extra={"version": case.version})
        if case.status == Status.ARCHIVED and action != "legal_hold":
            raise ReadOnlyCase()
        name = _resolve_action(case, action)
        transition = workflow.TRANSITIONS[name]
        if case.status not in transition.sources or (name == "acknowledge" and case.acknowledged_at):
            raise TransitionNotAllowed(
                _("“%(action)s” is not allowed while the case is “%(status)s”.")
                % {"action": action, "status": case.get_status_display()},
                extra={"status": case.status, "allowed": workflow.allowed_actions(case.status)},
            )
        if case.merged_into_id and action != "legal_hold":
            raise TransitionNotAllowed(_("The case was merged into %(ref)s.") % {"ref": case.merged_into.reference})
        if not can_act(actor, case, name, data):
            raise PermissionDenied()
        now = at or timezone.now()
        from_status = case.status
        event_data = HANDLERS[name](case, actor, data, now)
        case.status = transition.target_from(case.status)
        case.version += 1
        # A late acknowledgement fulfils the same stage as an ordinary one.
        deadlines.on_action(case, "acknowledge" if name == "acknowledge_late" else name, now)
        case._history_user = actor
        case.save()
        case_changed.send(sender=type(case), case=case)
        event_record(case, name, actor, from_status=from_status, to_status=case.status, data=event_data, at=now)
        _notify_after(case, name, actor)
    return case


def _notify_after(case, action, actor):
    """Staff notifications for the steps that need someone else to act."""
    from .. import notifications

    recipients, kind, subject = User.objects.none(), None, None
    if action in ("assign", "reassign"):
        recipients = User.objects.filter(memberships__department=case.department, memberships__role=DepartmentMembership.Role.HEAD)
        kind, subject = "case_assigned", _("New case for your department: %(ref)s")
    elif action == "propose_plan":
        if case.round > 1:
            recipients = User.objects.filter(groups__name=SENIOR_MANAGER)
        else:
            recipients = User.objects.filter(memberships__department=case.department, memberships__role=DepartmentMembership.Role.HEAD)
        kind, subject = "approval_requested", _("Plan awaiting your approval: %(ref)s")
    elif action == "customer_disputes":
        recipients = User.objects.filter(groups__name=SENIOR_MANAGER)
        kind, subject = "review_opened", _("Customer disputed the decision, review needed: %(ref)s")
    for user in recipients.distinct():
        if user.pk == getattr(actor, "pk", None):
            continue
        notifications.notify(
            user, kind, subject % {"ref": case.reference}, body="", case=case,
            dedupe_key=f"{kind}:{case.pk}:{case.version}:{user.pk}",
        )
