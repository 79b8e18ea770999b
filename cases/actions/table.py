"""The case lifecycle as data (SPEC §3): one row per action, saying everything about it — the
states it starts from and leads to, its guard, who may do it, its fields (form, API body and
schema, the service's check), its handler, its deadline effect, its timeline label, whether
the case page opens it first, and whom it notifies. cases.services.case_transition applies a
row; pages, API, schema, tests and `manage.py workflow_graph` read them. To add an action,
add its row here and its handler in cases.actions.handlers."""
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from complaints_portal.common.errors import TransitionNotAllowed
from complaints_portal.common.roles import Access

from .. import groups, notification_texts, notifications, selectors
from .. import permissions as who
from ..deadlines import Clock
from ..events import EVENT_LABELS
from ..models import Decision, Mediation, NoticeKind, Pause
from ..models.case import BEFORE_DECISION, OPEN_STATUSES, WITH_DEPARTMENT, RootCause, Status
from ..models.deadlines import Stage, Tier
from ..models.flags import CustomerFlag, MajorReason
from ..models.notices import NoticeLanguage
from ..routing import routed_department_code
from . import handlers, major
from .fields import amount, count, date, flag, line, moment, names, people, pick, text

S = Status


@dataclass(frozen=True)
class Guard:
    """A condition on the case beside its state: ``test(case, paused)``, where ``paused()``
    tells (at most one query) whether the deadline is paused now; ``refusal``: why not."""

    test: Any
    refusal: Any = ""


@dataclass(frozen=True)
class Notice:
    """A notification the action sends, after it is done, to ``to(case)`` (the actor excepted).
    Its subject is the text of its kind (cases.notification_texts), shown in the reader's
    language; until the reason is gone (cases.notifications.STILL_CURRENT) it stays open."""

    kind: str
    subject: Any  # with %(ref)s
    to: Any

    def __post_init__(self):
        notification_texts.register(self.kind, self.subject)


@dataclass(frozen=True)
class Action:
    name: str
    sources: tuple
    target: str | None  # None: the state stays as it is
    may: Any  # (who, case, data) -> bool: cases.permissions
    handler: Any  # (case, access, data, now) -> event data: cases.actions.handlers
    label: Any  # the timeline's
    title: Any = ""  # the form's heading and button
    fields: tuple = ()
    primary: bool = False  # a step of the lifecycle: the case page opens it first
    button: str = "btn-primary"
    confirm: Any = ""
    guard: Guard | None = None
    keeps: tuple = ()  # sources from which the action keeps the state although it has a target
    meets: tuple = ()  # the stages it fulfils
    meets_in_review: tuple | None = None  # ... in a review round, where they differ
    clock: str | None = None  # cases.deadlines.Clock
    notice: Notice | None = None
    public: bool = True  # False: chosen by the service itself, never named by a client
    later: str = ""  # the action this one becomes once the case has left its sources
    on_frozen_case: bool = False  # also on an archived or merged case
    bulk: bool = False  # may be applied to the cases ticked in a queue (cases.services.bulk)
    letter: str | None = None  # the notice to the customer it issues (cases.notices, a NoticeKind)
    met_at: Any = None  # (data, now) -> when the stages it fulfils count as met (default: now)

    def target_from(self, status):
        return status if self.target is None or status in self.keeps else self.target

    def stages_met(self, round_):
        return self.meets if round_ <= 1 or self.meets_in_review is None else self.meets_in_review


NOT_CONTACTED = Guard(lambda case, paused: case.acknowledged_at is None)
NO_TEAM = Guard(lambda case, paused: not who.has_active_team(case), _("The case already has its investigation team."))
NOT_PAUSED = Guard(lambda case, paused: not paused(), _("The deadline is already paused."))
# A mediation's pause ends with mediation_end, not with resume.
PAUSED = Guard(lambda case, paused: paused() and case.mediation_state != "under_way", _("The deadline is not paused."))
MEDIATING = Guard(lambda case, paused: case.mediation_state == "under_way", _("No mediation is under way."))
NOT_MEDIATING = Guard(lambda case, paused: case.mediation_state != "under_way", _("A mediation is already under way."))
NOT_MAJOR = Guard(lambda case, paused: not case.major_reason, _("The case is already marked major."))
REPORT_OWED = Guard(lambda case, paused: bool(case.major_reason) and case.emergency_reported_at is None,
                    _("No emergency report is owed on this case."))
AGREED = Guard(lambda case, paused: case.mediation_state == "agreed",
               _("No mediation agreement is waiting to be performed."))

# The earliest date each dated field allows (cases.actions.fields checks it, and that none is
# in the future): (date or datetime, what it is).
def _pause_since(case):
    """A pause starts within the running clock: not before its start (in a review, the
    dispute's receipt) nor before the end of an earlier pause, so no day is counted twice."""
    candidates = [(case.clock_start, _("the start of the deadline clock"))]
    if case.round > 1 and case.disputed_at:
        candidates.append((timezone.localdate(case.disputed_at), _("the receipt of the dispute")))
    last_end = case.pauses.filter(end__isnull=False).order_by("-end").values_list("end", flat=True).first()
    if last_end is not None:
        candidates.append((last_end, _("the end of the previous pause")))
    return max(candidates, key=lambda c: c[0])


def _running_pause_since(case):
    start = case.pauses.filter(end__isnull=True).values_list("start", flat=True).first()
    return (start or case.clock_start), _("the start of the pause")


def _clock_start_since(case):
    return case.clock_start, _("the current start of the deadline clock")


def _receipt_since(case):
    return case.received_at, _("the receipt of the complaint")


def _decision_since(case):
    return case.notified_at or case.received_at, _("the decision notice")


REASON = text("reason", _("Reason"))
DEPARTMENT_HEADS = Notice("case_assigned", _("New case for your department: %(ref)s"), notifications.department_heads)
# The proof of notice an action carries (SPEC §10): how, when, the evidence.
# A phone call recorded here reached the customer; one that did not is a notice_attempt.
PROOF = (moment("sent_at", _("Sent or handed over at"), help=_("Leave empty for now.")),
         line("evidence", _("Evidence (tracking number, recording reference, receipt)"), required=False))
LANGUAGE = pick("language", _("Language of the notice"), choices=NoticeLanguage, required=False,
                initial=lambda case: settings.LANGUAGE_CODE)
CONTACT = (pick("method", _("Contact method"), choices=Decision.Method, required=False, initial=Decision.Method.PHONE),
           text("note", _("What the customer was told"), required=False))

ROWS = (
    # The acknowledgement clock keeps running when a clerk dispatches first, so contacting the
    # customer stays possible (once) after assignment; it then does not change the state.
    Action("acknowledge", (S.RECEIVED,), S.ACKNOWLEDGED, who.is_clerk, handlers.acknowledge, _("Customer contacted"),
           _("Record contact with the customer"), CONTACT, primary=True, guard=NOT_CONTACTED,
           meets=(Stage.ACKNOWLEDGE,), later="acknowledge_late", bulk=True),
    Action("acknowledge_late", WITH_DEPARTMENT, None, who.is_clerk, handlers.acknowledge, _("Customer contacted"),
           _("Record contact with the customer"), CONTACT, guard=NOT_CONTACTED, meets=(Stage.ACKNOWLEDGE,),
           public=False),
    Action("assign", (S.RECEIVED, S.ACKNOWLEDGED), S.ASSIGNED, who.is_clerk, handlers.assign, _("Dispatched to department"),
           _("Dispatch to a department"),
           (pick("department", _("Responsible department"), options=selectors.department_options,
                 initial=routed_department_code),),
           primary=True, meets=(Stage.DISPATCH,), notice=DEPARTMENT_HEADS, bulk=True),
    # After a reassignment the new department forms a new team whatever stage the case is at
    # (SPEC §1); the state stays. It is allowed there only while no team is active.
    Action("form_team", WITH_DEPARTMENT, S.INVESTIGATING, who.senior_or_first_round_head, handlers.form_team,
           _("Investigation team formed"), _("Form the investigation team"),
           (pick("lead", _("Team lead"), options=selectors.team_options),
            names("members", _("Members"), options=selectors.team_options,
                  help=_("In a review, staff who handled the first round are not listed.")),
            names("recusal_attested_by", _("Members who attest having no direct interest in this complaint"),
                  options=selectors.team_options, attest=True,
                  help=_("Tick each member of the team, the lead included, who attested it. Each attestation is "
                         "recorded; a team is formed only when every member has attested."))),
           primary=True, guard=NO_TEAM, keeps=WITH_DEPARTMENT[1:], meets=(Stage.FORM_TEAM,)),
    Action("submit_report", (S.INVESTIGATING,), S.REPORTED, who.handles_case, handlers.submit_report,
           _("Investigation report submitted"), _("Submit the investigation report"),
           (text("facts", _("Facts established"), lines=4), flag("at_fault", _("Is the company at fault?"), required=True),
            line("responsible_staff", _("Responsible staff"), required=False),
            pick("root_cause", _("Root cause"), choices=RootCause, required=False),
            text("recommendation", _("Recommendation"), lines=3)),
           primary=True, meets=(Stage.REPORT,)),
    Action("propose_plan", (S.REPORTED,), S.PLAN_PENDING, who.handles_case, handlers.propose_plan,
           _("Resolution plan proposed"), _("Propose a resolution plan"),
           (text("plan", _("Plan"), lines=4), amount("redress_amount", _("Redress amount (CNY)"))),
           primary=True, meets=(Stage.PLAN,),
           notice=Notice("approval_requested", _("Plan awaiting your approval: %(ref)s"), notifications.plan_approvers)),
    Action("approve_plan", (S.PLAN_PENDING,), S.PLAN_APPROVED, who.senior_or_first_round_head, handlers.approve_plan,
           _("Plan approved"), _("Approve the plan"), (text("reason", _("Comment"), required=False),),
           primary=True, button="btn-success", meets=(Stage.APPROVAL,)),
    Action("reject_plan", (S.PLAN_PENDING,), S.REPORTED, who.senior_or_first_round_head, handlers.reject_plan, _("Plan rejected"),
           _("Reject the plan"), (text("reason", _("Why it is rejected")),), primary=True, button="btn-outline-danger"),
    # The decision notice states what Art. 19 names (the facts and the basis default from the
    # round's report) and is notified on the date of its proof (SPEC §10).
    Action("notify_decision", (S.PLAN_APPROVED,), S.RESPONDED, who.clerk_or_case_handler, handlers.notify_decision,
           _("Decision notified to the customer"), _("Record the decision notice"),
           (pick("method", _("How the customer was told"), choices=Decision.Method), *PROOF,
            text("facts", _("Facts verified"), required=False, lines=3, help=_("Leave empty for the report's facts.")),
            text("basis", _("Basis and reasons"), required=False, lines=3,
                 help=_("Leave empty for the report's recommendation.")),
            text("decision", _("Decision"), lines=4),
            text("remedies", _("Remedies open to the customer"), required=False, initial=handlers.DEFAULT_REMEDIES),
            pick("redress_kind", _("Redress kind"), choices=Decision.RedressKind, required=False),
            amount("redress_amount", _("Redress paid (CNY)"), required=False), LANGUAGE),
           primary=True, meets=(Stage.DECISION, Stage.OVERALL), meets_in_review=(Stage.REVIEW,),
           letter=NoticeKind.DECISION, met_at=lambda data, now: data.get("sent_at") or now),
    Action("notice_attempt", (S.PLAN_APPROVED,), None, who.clerk_or_case_handler, handlers.notice_attempt,
           _("Customer not reached"), _("Record an attempt that did not reach the customer"),
           (moment("attempted_at", _("Attempted at"), help=_("Leave empty for now.")),),
           button="btn-outline-secondary"),
    Action("customer_accepts", (S.RESPONDED,), S.CLOSED, who.clerk_or_case_handler, handlers.customer_accepts,
           _("Customer accepted the decision"), _("Customer accepts the decision"), primary=True,
           button="btn-success", clock=Clock.STOP),
    Action("customer_disputes", (S.RESPONDED,), S.ASSIGNED, who.clerk_or_case_handler, handlers.customer_disputes,
           _("Customer disputed the decision: review opened"), _("Customer disputes the decision (open a review)"),
           (text("reason", _("What the customer disputes")),
            moment("received_at", _("Dispute received at"), help=_("Leave empty for now."), since=_decision_since)),
           primary=True, button="btn-outline-danger", clock=Clock.OPEN_REVIEW,
           notice=Notice("review_opened", _("Customer disputed the decision, review needed: %(ref)s"),
                         notifications.senior_managers)),
    Action("close", (S.RESPONDED,), S.CLOSED, who.clerk_or_case_handler, handlers.close, _("Case closed"),
           _("Close (obligations fulfilled)"), (REASON,), primary=True, button="btn-outline-secondary",
           confirm=_("Close this case?"), clock=Clock.STOP),
    Action("withdraw", OPEN_STATUSES, S.CLOSED, who.clerk_or_case_handler, handlers.withdraw, _("Complaint withdrawn"),
           _("Customer withdraws the complaint"), (REASON,), button="btn-outline-danger",
           confirm=_("Record the withdrawal? Processing stops today."), clock=Clock.STOP),
    Action("archive", (S.CLOSED,), S.ARCHIVED, who.is_supervisor, handlers.archive, _("Case archived"), _("Archive"),
           primary=True, button="btn-outline-secondary", confirm=_("Archive this case? It becomes read-only."),
           clock=Clock.STOP),
    # Actions that do not change the state.
    Action("extend", BEFORE_DECISION, None, who.extender, handlers.extend, _("Deadline extended"),
           _("Extend the deadline (change tier)"),
           (pick("tier", _("New tier"), choices=Tier, options=lambda case, access: [
               (t, Tier(t).label) for t in who.extend_tiers(access, case)]),
            REASON, moment("customer_told_at", _("Customer told at"), help=_("Leave empty for now."), since=_receipt_since),
            LANGUAGE),
           clock=Clock.RECOMPUTE, letter=NoticeKind.EXTENSION),
    Action("pause", BEFORE_DECISION, None, who.handles_case, handlers.pause, _("Deadline paused"),
           _("Pause the deadline"),
           (pick("kind", _("Why"), choices=Pause.Kind),
            date("start", _("From"), initial=lambda case: timezone.localdate(), since=_pause_since),
            line("proof", _("Proof the customer was told")),
            text("reason", _("Why the appraisal is needed"), required=False), LANGUAGE),
           guard=NOT_PAUSED, clock=Clock.RECOMPUTE, letter=NoticeKind.PAUSE),
    Action("resume", BEFORE_DECISION, None, who.handles_case, handlers.resume, _("Deadline resumed"),
           _("Resume the deadline"),
           (date("end", _("Pause ended on"), initial=lambda case: timezone.localdate(), since=_running_pause_since),),
           guard=PAUSED, clock=Clock.RECOMPUTE),
    Action("restart_clock", BEFORE_DECISION, None, who.clerk_or_case_handler, handlers.restart_clock,
           _("New facts received: deadline clock restarted"), _("New facts received (restart the clock)"),
           (date("received_on", _("New facts received on"), required=True, since=_clock_start_since),),
           clock=Clock.RECOMPUTE),
    Action("merge", BEFORE_DECISION, None, who.clerk_senior_or_head, handlers.merge, _("Merged into another case"),
           _("Merge into another case (duplicate)"), (line("into", _("Reference of the master case"), max_length=20),),
           button="btn-outline-secondary", confirm=_("Merge this case into the other one? This case stops here."),
           clock=Clock.STOP),
    Action("reassign", WITH_DEPARTMENT, None, who.clerk_or_supervisor, handlers.reassign,
           _("Reassigned to another department"), _("Reassign to another department"),
           (pick("department", _("New department"), options=partial(selectors.department_options, other=True)), REASON),
           clock=Clock.RECOMPUTE, notice=DEPARTMENT_HEADS, bulk=True),
    Action("set_flags", OPEN_STATUSES, None, who.may_set_flags, handlers.set_flags, _("Customer flags changed"),
           _("Customer flags"),
           (names("flags", _("The customer needs particular care"), required=False,
                  options=lambda case, access: CustomerFlag.choices, initial=lambda case: case.flags),
            line("note", _("What the customer needs"), required=False)),
           button="btn-outline-secondary", clock=Clock.RECOMPUTE),
    # Mediation (SPEC §11): the state stays; the clock stops from the start to the end.
    Action("mediation_start", OPEN_STATUSES, None, who.may_mediate, handlers.mediation_start, _("Mediation started"),
           _("Start a mediation"),
           (line("organisation", _("Mediation organisation")), line("mediator", _("Mediator"), required=False,
                                                                    max_length=100),
            flag("consent", _("The customer consents to the mediation"), attest=True),
            date("start", _("From"), initial=lambda case: timezone.localdate())),
           guard=NOT_MEDIATING, clock=Clock.RECOMPUTE),
    Action("mediation_end", OPEN_STATUSES, None, who.may_mediate, handlers.mediation_end, _("Mediation ended"),
           _("End the mediation"),
           (pick("outcome", _("Outcome"), choices=Mediation.Outcome),
            text("terms", _("Terms agreed"), required=False, help=_("Required with an agreement.")),
            date("performance_due", _("To be performed by"), help=_("Required with an agreement."), future=True),
            date("end", _("Mediation ended on"), initial=lambda case: timezone.localdate())),
           guard=MEDIATING, clock=Clock.RECOMPUTE),
    Action("mediation_performed", (*OPEN_STATUSES, S.CLOSED), None, who.may_mediate, handlers.mediation_performed,
           _("Mediation agreement performed"), _("Record the agreement performed"),
           (date("performed_on", _("Performed on"), initial=lambda case: timezone.localdate()),),
           button="btn-success", guard=AGREED),
    # Group and major complaints (SPEC §12): the state stays. Marking opens the emergency report's
    # deadline (hours, the policy's emergency_report_hours), which the report meets.
    Action("set_group", OPEN_STATUSES, None, who.may_mark_major, major.set_group, _("Group complaint changed"),
           _("Group complaint"),
           (count("complainant_count", _("Number of complainants"), required=True,
                  initial=lambda case: case.complainant_count),
            people("representatives", _("Representatives (at most 5)"),
                   help=_("One per line: name, phone number."),
                   # Masked as everywhere (SPEC §1); a line left as shown keeps its stored number.
                   initial=lambda case: groups.masked(case.representatives))),
           button="btn-outline-secondary"),
    Action("mark_major", OPEN_STATUSES, None, who.may_mark_major, major.mark_major, _("Marked as a major complaint"),
           _("Mark as a major complaint"),
           (pick("reason", _("Why it is major"), choices=MajorReason),
            line("note", _("Details"), required=False)),
           button="btn-outline-danger", guard=NOT_MAJOR, clock=Clock.OPEN_EMERGENCY,
           confirm=_("Mark this case major? Every senior manager and supervisor is told now, and the emergency "
                     "report falls due."),
           notice=Notice("major_complaint", _("Major complaint, emergency report due: %(ref)s"),
                         notifications.seniors_and_supervisors)),
    Action("submit_emergency_report", OPEN_STATUSES, None, who.may_report_emergency, major.submit_emergency_report,
           _("Emergency report submitted"), _("Submit the emergency report"),
           (text("report", _("Emergency report"), lines=5),),
           guard=REPORT_OWED, meets=(Stage.EMERGENCY_REPORT,)),
    Action("legal_hold", (S.CLOSED, S.ARCHIVED), None, who.is_supervisor, handlers.legal_hold, _("Legal hold changed"),
           _("Legal hold"),
           (flag("hold", _("Hold (stop disposal)"), required=True, initial=lambda case: not case.legal_hold),
            text("reason", _("Reason"), required=False)),
           button="btn-outline-secondary", on_frozen_case=True),
)


ACTIONS = {row.name: row for row in ROWS}
# Actions a client may name (acknowledge_late is chosen by the service itself).
PUBLIC_ACTIONS = tuple(row.name for row in ROWS if row.public)


def public_rows():
    return [row for row in ACTIONS.values() if row.public]


def bulk_rows():
    return [row for row in ACTIONS.values() if row.bulk]


def resolve(name, case):
    """The row of action ``name`` on ``case``: the late variant once the case has left the
    action's sources (a first contact recorded after dispatch)."""
    row = ACTIONS[name]
    return ACTIONS[row.later] if row.later and case.status not in row.sources else row


def refusal(name, case, paused):
    """None when the case's state and the guard of action ``name`` allow it now, else the
    TransitionNotAllowed to raise (409). ``paused()``: whether the deadline is paused."""
    row = resolve(name, case)
    if case.status in row.sources and (row.guard is None or row.guard.test(case, paused)):
        return None
    specific = row.guard.refusal if row.guard and case.status in row.sources else ""
    return TransitionNotAllowed(
        str(specific) or gettext("“%(action)s” is not allowed while the case is “%(status)s”.")
        % {"action": name, "status": case.get_status_display()},
        extra={"status": case.status, "allowed": allowed_actions(case.status)},
    )


def actions_for(who, case, *, paused=None):
    """The public actions ``who`` may perform on ``case`` now (state, guard, permission), for the
    case page and the API's `allowed_actions`. ``paused``: whether the deadline is paused, if known."""
    access = Access.of(who)
    frozen = case.status == S.ARCHIVED or case.merged_into_id
    known = [] if paused is None else [paused]

    def is_paused():
        if not known:
            known.append(case.pauses.filter(end__isnull=True).exists())
        return known[0]

    names = []
    for public in public_rows():
        name, row = public.name, resolve(public.name, case)
        if frozen and not row.on_frozen_case or case.status not in row.sources or not row.may(access, case, {}):
            continue
        if row.guard is None or row.guard.test(case, is_paused):
            names.append(name)
    return names


def allowed_actions(status):
    """The public actions the state ``status`` allows (guards and permissions aside)."""
    return [row.name for row in public_rows() if status in row.sources]


def target_state(name, status):
    """The state after action ``name`` from ``status``; KeyError/ValueError if not allowed."""
    row = ACTIONS[name]
    if status not in row.sources:
        raise ValueError(f"{name} not allowed from {status}")
    return row.target_from(status)


def graph_edges():
    """(source, action, target) for every state-changing entry; used to draw the graph."""
    for row in ROWS:
        for source in row.sources:
            if row.target_from(source) != source:
                yield source, row.name, row.target


def event_label(kind):
    """The timeline's label of an event kind: an action's, or another event's (cases.events)."""
    row = ACTIONS.get(kind)
    return row.label if row is not None else EVENT_LABELS.get(kind, kind)


def waiting_for(case, *, paused):
    """What ``case`` waits for, for a user with nothing to do on it: the lifecycle steps its
    state and guards allow now, grouped by who may do them (the rows' ``may``), as
    [{"who", "names", "what": [titles]}]; empty on an archived or merged case."""
    if case.status == S.ARCHIVED or case.merged_into_id:
        return []
    groups = {}
    for public in public_rows():
        row = resolve(public.name, case)
        if not public.primary or case.status not in row.sources:
            continue
        if row.guard is None or row.guard.test(case, lambda: paused):
            groups.setdefault(row.may, []).append(row.title)
    waits = []
    for may, titles in groups.items():
        holder, names = who.holders(may, case)
        waits.append({"who": holder, "names": names, "what": titles})
    return waits
