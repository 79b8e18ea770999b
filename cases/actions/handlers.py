"""What each action does to the case and its parts, one handler per action (named on its row in
cases.actions.table), run only by cases.services.case_transition after its checks. A handler
takes (case, access, data, now), changes the case in memory, writes the parts the action
creates and returns the event's data (never personal data)."""
from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, override

from complaints_portal.common.errors import ApplicationError, TransitionNotAllowed, ValidationFailed

from .. import deadlines, flags
from ..events import event_record
from ..inputs import invalid, require
from ..mediations import late_performance_notify
from ..models import (
    Decision,
    Department,
    DepartmentMembership,
    Extension,
    Mediation,
    Pause,
    Plan,
    PlanApproval,
    Report,
    TeamMember,
)
from ..models.case import Outcome
from ..models.deadlines import Tier
from ..notices import proof as notices
from ..permissions import is_head_of
from ..selectors import case_get_for_user, round_one_handlers

User = get_user_model()

DEFAULT_REMEDIES = gettext_lazy(
    "If you do not accept this decision you may ask for a review within 30 days, apply for mediation, "
    "arbitration, or bring the matter before a court."
)
TIER_ORDER = [Tier.SIMPLE, Tier.COMPLEX, Tier.SPECIAL]


class RecusalRequired(ValidationFailed):
    code = "recusal_required"


class ExtensionTooLate(ApplicationError):
    code = "extension_too_late"
    status_code = 409


def _users(usernames, name):
    found = {u.username: u for u in User.objects.filter(username__in=usernames, is_active=True)}
    unknown = [u for u in usernames if u not in found]
    if unknown:
        raise invalid(name, _("Unknown users: %(names)s") % {"names": ", ".join(unknown)}, _("Unknown user."))
    return [found[u] for u in usernames]


def _department(data):
    code = data["department"].code if isinstance(data["department"], Department) else str(data["department"])
    department = Department.objects.filter(code=code, active=True).first()
    if department is None:
        raise invalid("department", _("Unknown department: %(code)s") % {"code": code}, _("Unknown department."))
    return department


def _end_team(case, now):
    """End the case's active team (kept as the record of who handled it): its members lose the
    case from now on (SPEC §1). Row by row, so that each end is in the team's history."""
    ended = []
    for member in TeamMember.objects.filter(case=case, ended_at__isnull=True).select_related("user"):
        member.ended_at = now
        member.save(update_fields=["ended_at"])
        ended.append(member.user.username)
    # Until a new team is formed nobody investigates.
    case.team_formed_at = None
    return ended


# -- the lifecycle ---------------------------------------------------------------------------
def acknowledge(case, access, data, now):
    case.acknowledged_at = now
    case.ack_method = data.get("method") or Decision.Method.PHONE
    case.ack_note = data.get("note") or ""
    return {"method": case.ack_method}


def assign(case, access, data, now):
    case.department = _department(data)
    case.assigned_at = now
    return {"department": case.department.code}


def reassign(case, access, data, now):
    department = _department(data)
    if department.pk == case.department_id:
        raise invalid("department", _("The case is already with this department."), _("Same department."))
    old = case.department.code if case.department else None
    case.department = department
    case.assigned_at = now
    return {"from": old, "to": department.code, "reason": data["reason"], "team_ended": _end_team(case, now)}


def form_team(case, access, data, now):
    lead = _users([data["lead"]], "lead")[0]
    members = _users(data.get("members") or [], "members")
    everyone = [lead] + [m for m in members if m.pk != lead.pk]
    if case.round == 1:
        allowed = set(DepartmentMembership.objects.filter(department=case.department).values_list("user_id", flat=True))
        outsiders = [u.username for u in everyone if u.pk not in allowed]
        if outsiders:
            raise invalid("members", _("Not members of the responsible department: %(names)s")
                          % {"names": ", ".join(outsiders)}, _("Not in the department."))
    else:
        handled = round_one_handlers(case)
        conflicted = [u.username for u in everyone if u.pk in handled]
        if conflicted:
            raise ValidationFailed(
                _("A review must be done by staff who did not handle the first round: %(names)s") % {"names": ", ".join(conflicted)},
                code="review_conflict", extra={"fields": {"members": [_("Handled the first round.")]}},
            )
    _require_recusal(everyone, data.get("recusal_attested_by") or [])
    for u in everyone:
        # One save per member (not bulk_create): each row gets its history entry.
        TeamMember.objects.create(
            case=case, round=case.round, user=u,
            role=TeamMember.Role.LEAD if u.pk == lead.pk else TeamMember.Role.MEMBER,
            recusal_attested=True, attested_at=now, named_by=access.user, named_at=now,
        )
    case.team_formed_at = now
    return {"lead": lead.username, "members": [u.username for u in everyone],
            "recusal_attested_by": [u.username for u in everyone]}


def _require_recusal(team, attested):
    """Every member of the team, the lead included, attests having no direct interest in the
    complaint (SPEC §2), each recorded on their own team row: a team is not formed without it."""
    missing = [u for u in team if u.username not in set(attested)]
    if missing:
        message = _("Every team member must attest having no direct interest in this complaint. Not attested: %(names)s") \
            % {"names": ", ".join(u.get_full_name() or u.username for u in missing)}
        missing = [u.username for u in missing]
        raise RecusalRequired(message, extra={"fields": {"recusal_attested_by": [message]}, "missing": missing})


def submit_report(case, access, data, now):
    root_cause = data.get("root_cause", "")
    Report.objects.create(case=case, round=case.round, facts=data["facts"], at_fault=data["at_fault"],
                          responsible_staff=data.get("responsible_staff") or "", recommendation=data["recommendation"],
                          root_cause=root_cause, submitted_by=access.user, submitted_at=now)
    case.at_fault = data["at_fault"]
    case.root_cause = root_cause
    case.reported_at = now
    return {"at_fault": data["at_fault"], "root_cause": root_cause}


def propose_plan(case, access, data, now):
    amount = data.get("redress_amount")
    Plan.objects.create(case=case, round=case.round, text=data["plan"], redress_amount=amount,
                        proposed_by=access.user, proposed_at=now)
    case.plan_proposed_at = now
    return {"redress_amount": str(amount) if amount else None}


def _decide_plan(case, access, approved, reason, now):
    """Approve or reject the round's pending plan; the approval records the approver's role."""
    plan = case.plans.filter(round=case.round, state=Plan.State.PENDING).order_by("-proposed_at").first()
    if plan is None:
        raise TransitionNotAllowed(_("There is no plan awaiting approval."))
    plan.state = Plan.State.APPROVED if approved else Plan.State.REJECTED
    plan.save(update_fields=["state"])
    role = "department_head" if is_head_of(access, case) else "senior_manager"
    PlanApproval.objects.create(plan=plan, approver=access.user, approver_role=role, approved=approved,
                                reason=reason, decided_at=now)
    return plan


def approve_plan(case, access, data, now):
    plan = _decide_plan(case, access, True, data.get("reason") or "", now)
    case.plan_approved_at = now
    case.redress_amount = plan.redress_amount
    return {}


def reject_plan(case, access, data, now):
    _decide_plan(case, access, False, data["reason"], now)
    return {"reason": data["reason"]}


def notify_decision(case, access, data, now):
    """The decision and its notice's parts (Art. 19); notified at its proof's time (SPEC §10),
    which the notice issued after this (the row's letter) records."""
    kind, paid = data.get("redress_kind") or "", data.get("redress_amount")
    if paid and not kind:
        raise invalid("redress_kind", _("Say how the redress was paid."), _("Required with an amount."))
    with override(notices.notice_language(data)):  # the default remedies in the notice's language
        remedies = data.get("remedies") or str(DEFAULT_REMEDIES)
    parts = notices.decision_parts(case, {**data, "remedies": remedies})
    proof = notices.proof_from(data, case, now)
    Decision.objects.create(case=case, round=case.round, method=data["method"], facts=parts["facts"],
                            basis=parts["basis"], text=parts["decision"], remedies=parts["remedies"],
                            notified_by=access.user, notified_at=proof["sent_at"], redress_kind=kind,
                            redress_amount=paid)
    case.notified_at = now
    if case.round == 1:
        case.first_notified_at = now
    return {"method": data["method"], "round": case.round, "sent_at": proof["sent_at"].isoformat()}


def notice_attempt(case, access, data, now):
    """An attempt to tell the customer the decision that did not reach them (SPEC §10): on the
    timeline, counted; it proves nothing."""
    attempts = case.events.filter(kind="notice_attempt", data__round=case.round).count() + 1
    return {"round": case.round, "attempt": attempts, "at": (data.get("attempted_at") or now).isoformat()}


def customer_accepts(case, access, data, now):
    case.outcome = Outcome.ACCEPTED
    case.closed_at = now
    return {}


def customer_disputes(case, access, data, now):
    case.disputed_at = data.get("received_at") or now
    # The first round's team does not act in the review (it is done by others, SPEC §3).
    _end_team(case, now)
    case.round += 1
    case.reported_at = case.plan_proposed_at = case.plan_approved_at = None
    return {"reason": data["reason"], "round": case.round}


def close(case, access, data, now):
    case.outcome = Outcome.CLOSED
    case.closed_at = now
    return {"reason": data["reason"]}


def withdraw(case, access, data, now):
    case.outcome = Outcome.WITHDRAWN
    case.withdrawn_at = case.closed_at = now
    return {"reason": data["reason"]}


def archive(case, access, data, now):
    case.archived_at = now
    case.retention_until = timezone.localdate(now) + relativedelta(years=settings.RETENTION_YEARS)
    return {"retention_until": case.retention_until.isoformat()}


# -- the clock and the file ------------------------------------------------------------------
def extend(case, access, data, now):
    tier = data["tier"]
    if TIER_ORDER.index(tier) <= TIER_ORDER.index(case.tier):
        raise invalid("tier", _("The case is already at this tier or higher."), _("Not higher."))
    counts, due_before = deadlines.extension_check(case, tier, now)
    if not counts:
        raise ExtensionTooLate(
            _("The extension is recorded after the due date it extends (%(due)s) and does not count; the case is late.")
            % {"due": due_before.isoformat()}, extra={"due": due_before.isoformat()},
        )
    Extension.objects.create(case=case, from_tier=case.tier, to_tier=tier, reason=data["reason"], decided_by=access.user,
                             decided_at=now, customer_told_at=data.get("customer_told_at") or now,
                             due_before=due_before, counts=True)
    old, case.tier = case.tier, tier
    return {"from": old, "to": tier, "due_before": due_before.isoformat()}


def pause(case, access, data, now):
    if data["kind"] == Pause.Kind.MEDIATION:
        raise invalid("kind", _("A mediation stops the clock when it is started (mediation_start)."), _("Not here."))
    start = data.get("start") or timezone.localdate(now)
    Pause.objects.create(case=case, kind=data["kind"], start=start, customer_told_proof=data["proof"],
                         reason=data.get("reason") or "", created_by=access.user)
    return {"start": start.isoformat()}


def resume(case, access, data, now):
    # The end's window (from the pause's start to today) is checked with the action's fields.
    running = case.pauses.filter(end__isnull=True).first()
    end = data.get("end") or timezone.localdate(now)
    running.end = end
    running.save(update_fields=["end"])
    return {"start": running.start.isoformat(), "end": end.isoformat()}


def restart_clock(case, access, data, now):
    received_on = data["received_on"]  # between the current clock start and today (its field's window)
    old, case.clock_start = case.clock_start, received_on
    return {"from": old.isoformat(), "to": received_on.isoformat()}


def merge(case, access, data, now):
    master = case_get_for_user(access, data["into"])
    if master.pk == case.pk or master.merged_into_id or not master.is_open:
        raise invalid("into", _("A case can only be merged into another open case that is not itself merged."),
                      _("Not a valid master case."))
    case.merged_into = master
    case.outcome = Outcome.MERGED
    event_record(master, "merged_duplicate", access.user, data={"duplicate": case.reference})
    return {"into": master.reference}


def legal_hold(case, access, data, now):
    if data["hold"]:
        require(data, "reason")
    case.legal_hold = data["hold"]
    case.legal_hold_reason = data.get("reason") or ""
    return {"hold": case.legal_hold, "reason": case.legal_hold_reason}


def set_flags(case, access, data, now):
    old = case.flags
    case.customer_flags = flags.stored(flags.checked(data.get("flags") or [], "flags"))
    case.customer_flags_note = data.get("note") or ""
    return {"from": old, "to": case.flags, "note": case.customer_flags_note}


# -- mediation (SPEC §11): the clock stops from its start to its end, as a pause does ------------
def mediation_start(case, access, data, now):
    if not data.get("consent"):
        raise invalid("consent", _("A mediation needs the customer's consent."), _("The customer must consent."))
    if case.pauses.filter(end__isnull=True).exists():
        raise TransitionNotAllowed(_("The deadline is already paused."))
    start = data.get("start") or timezone.localdate(now)
    stop = Pause.objects.create(case=case, kind=Pause.Kind.MEDIATION, start=start, created_by=access.user,
                                customer_told_proof=data["organisation"][:200])
    Mediation.objects.create(case=case, organisation=data["organisation"], mediator=data.get("mediator") or "",
                             consent=True, started_on=start, pause=stop, started_by=access.user)
    case.mediation_state = "under_way"
    return {"start": start.isoformat()}


def mediation_end(case, access, data, now):
    mediation = case.mediations.filter(ended_on__isnull=True).select_related("pause").first()
    end = data.get("end") or timezone.localdate(now)
    if end < mediation.started_on:
        raise invalid("end", _("A mediation cannot end before it started."), _("Before the start."))
    outcome = data["outcome"]
    if outcome == Mediation.Outcome.AGREEMENT:
        require(data, "terms", "performance_due")
        if data["performance_due"] < end:
            raise invalid("performance_due", _("The agreement cannot be due before the mediation ended."),
                          _("Before the end."))
    mediation.ended_on, mediation.outcome = end, outcome
    agreed = outcome == Mediation.Outcome.AGREEMENT
    mediation.terms = data["terms"] if agreed else ""
    mediation.performance_due = data["performance_due"] if agreed else None
    mediation.save()
    if mediation.pause is not None and mediation.pause.end is None:
        mediation.pause.end = end
        mediation.pause.save(update_fields=["end"])
    case.mediation_state = "agreed" if agreed else ""
    due = mediation.performance_due
    return {"start": mediation.started_on.isoformat(), "end": end.isoformat(), "outcome": outcome,
            "performance_due": due.isoformat() if due else None}


def mediation_performed(case, access, data, now):
    mediation = case.mediations.filter(outcome=Mediation.Outcome.AGREEMENT, performed_on__isnull=True).first()
    performed = data.get("performed_on") or timezone.localdate(now)
    if performed < mediation.ended_on or performed > timezone.localdate(now):
        raise invalid("performed_on", _("The agreement is performed between the end of the mediation and today."),
                      _("Out of range."))
    mediation.performed_on = performed
    mediation.save(update_fields=["performed_on"])
    case.mediation_state = ""
    if mediation.performed_late:
        late_performance_notify(mediation, now)
    return {"performed_on": performed.isoformat(), "late": mediation.performed_late}
