"""A legacy row of import_complaints (SPEC §9) parsed and checked, its deadlines computed by
cases.deadlines.compute_deadlines, before anything is written. A legacy row is history as
recorded: its tier and a visit's outcome stand as given, and the dates decide the status."""
import datetime
import zoneinfo
from collections import OrderedDict
from dataclasses import dataclass

from django.conf import settings
from django.db.models import signals
from django.db.models.base import ModelState
from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.calendar import load_calendar
from cases.deadlines import compute_deadlines, stage_rules
from cases.identity import InvalidNumber, phone_clean
from cases.models import Complaint, DeadlinePolicy, Department, StageRule
from cases.models.case import Category, Channel, ComplaintType, DisputeType, Outcome, Status
from cases.models.deadlines import Stage, Tier
from complaints_portal.common.errors import CalendarMissing

from .imports import LineError, local_datetime
from .models import FollowUpVisit

REQUIRED = ("reference", "received_at", "channel", "category", "department")
OPTIONAL = (
    "complaint_type", "tier", "notified_at", "withdrawn_at", "closed_at", "revisit_at", "revisit_outcome",
    "revisit_rating", "customer_name", "customer_phone", "policy_number", "summary", "dispute_type", "product_line",
)
CHANGE_REASON = "legacy import"
# Computed deadline sets kept: a few years of receipt dates × 3 tiers fit.
DEADLINE_CACHE_SIZE = 4096

# Case fields an import writes (and a re-import overwrites).
CASE_FIELDS = [
    "received_at", "clock_start", "channel", "category", "department", "complaint_type", "tier",
    "deadline_policy", "notified_at", "first_notified_at", "withdrawn_at", "closed_at", "status", "outcome",
    "customer_name", "customer_phone", "policy_numbers", "summary", "due_overall", "next_due", "is_legacy",
    "dispute_type", "product_line",
]


@dataclass
class ParsedRow:
    line: int
    case: Complaint  # unsaved, fully populated
    deadlines: list  # [(stage, due_on, met_at, stopped_at, explanation)]
    visit: dict | None
    copy_tails: tuple = ()  # per deadline, "stage\tdue_on\texplanation" in COPY's text format


_CHOICE_VALUES = {}


def _choice(value, choices, column, default=None):
    if value == "" and default is not None:
        return default
    allowed = _CHOICE_VALUES.get(choices)
    if allowed is None:  # Choices.values rebuilds its list on every access
        allowed = _CHOICE_VALUES[choices] = frozenset(choices.values)
    if value not in allowed:
        raise LineError(
            _("%(col)s: “%(value)s” is not one of %(choices)s.")
            % {"col": column, "value": value, "choices": "|".join(choices.values)}
        )
    return value


def _text(value, column, max_length):
    if len(value) > max_length:
        raise LineError(_("%(col)s is longer than %(n)s characters.") % {"col": column, "n": max_length})
    return value


def _phone(value):
    """The phone as stored, checked as in every other channel (cases.identity)."""
    try:
        return phone_clean(_text(value, "customer_phone", 30))
    except InvalidNumber as exc:
        raise LineError(f"customer_phone: {exc.message}") from None


class Context:
    def __init__(self):
        self.tz = zoneinfo.ZoneInfo(settings.TIME_ZONE)
        self.departments = {d.code: d for d in Department.objects.all()}
        self.policies = list(DeadlinePolicy.objects.order_by("-version"))
        self.calendar = load_calendar()
        # Every stage rule, loaded now: parsing then reads nothing from the database, which
        # lets the writer thread use the connection meanwhile (import_pipeline.WriterThread).
        self.rules_cache = {(p.pk, tier): [] for p in self.policies for tier in Tier.values}
        for rule in StageRule.objects.filter(policy__in=self.policies).order_by("pk"):
            self.rules_cache.setdefault((rule.policy_id, rule.tier), []).append(rule)
        self.rule_signatures = {}
        self.deadline_cache = OrderedDict()  # LRU, at most DEADLINE_CACHE_SIZE entries
        self.case_defaults = self.case_fast = None

    def new_case(self, department, policy, **values):
        """An unsaved Complaint with ``values`` and every other field at its default, its instance
        dict filled in one update rather than by Model.__init__ (the largest cost of parsing a
        line). Equivalent only while no field but the foreign keys has a setter of its own and
        nothing listens to pre_init/post_init; otherwise Model.__init__ is used."""
        if self.case_defaults is None:
            fields = Complaint._meta.concrete_fields
            self.case_defaults = {f.attname: f.get_default() for f in fields}
            # The one callable default: a legacy customer never got a status look-up code.
            self.case_defaults["public_code"] = None
            self.case_fast = not (
                signals.pre_init.has_listeners(Complaint) or signals.post_init.has_listeners(Complaint)
            ) and all(
                isinstance(vars(Complaint).get(f.attname), ForeignKeyDeferredAttribute)
                or not hasattr(type(vars(Complaint).get(f.attname)), "__set__")
                for f in fields
            )
        attrs = dict(self.case_defaults)
        attrs.update(values)
        attrs["department_id"] = department.pk if department is not None else None
        attrs["deadline_policy_id"] = policy.pk
        if self.case_fast:
            case = Complaint.__new__(Complaint)
            case._state = ModelState()
            case.__dict__.update(attrs)
        else:
            case = Complaint(**attrs)
        # Related objects the computation reads, cached so that reading them costs no query.
        Complaint._meta.get_field("department").set_cached_value(case, department)
        Complaint._meta.get_field("deadline_policy").set_cached_value(case, policy)
        return case

    def deadlines_for(self, case):
        """compute_deadlines of an unsaved legacy case (no extensions, no pauses): computed once per
        policy, D0, tier and working days of the stage rules that apply."""
        policy = case.deadline_policy
        rules_key = (policy.pk, case.tier, case.category, case.channel)
        signature = self.rule_signatures.get(rules_key)
        if signature is None:
            rules = stage_rules(policy, case.tier, case.category, case.channel, _cache=self.rules_cache)
            signature = self.rule_signatures[rules_key] = tuple(sorted((str(s), n) for s, (n, _r) in rules.items()))
        key = (policy.pk, case.clock_start, case.tier, signature)
        cache = self.deadline_cache
        entry = cache.get(key)
        if entry is None:
            try:
                computed = compute_deadlines(case, self.calendar, _rules_cache=self.rules_cache)
                # Each deadline's COPY text, formatted once per set rather than per case.
                tails = {stage: copy_fields(stage, due_on, text) for stage, (due_on, text) in computed.items()}
                entry = (computed, tails)
            except CalendarMissing as exc:
                entry = LineError(exc.message)
            cache[key] = entry
            if len(cache) > DEADLINE_CACHE_SIZE:
                cache.popitem(last=False)
        else:
            cache.move_to_end(key)
        if isinstance(entry, LineError):
            raise entry
        return entry

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

    policy = ctx.policy_for(d0)
    case = ctx.new_case(
        department, policy,
        reference=reference,
        received_at=received_at,
        clock_start=d0,
        channel=_choice(row["channel"], Channel, "channel"),
        category=_choice(row["category"], Category, "category"),
        complaint_type=_choice(row.get("complaint_type", ""), ComplaintType, "complaint_type", ComplaintType.COMPLAINT),
        tier=_choice(row.get("tier", ""), Tier, "tier", Tier.SIMPLE),
        notified_at=notified_at,
        first_notified_at=notified_at,
        withdrawn_at=withdrawn_at,
        closed_at=closed_at or withdrawn_at,
        status=status,
        outcome=outcome,
        customer_name=_text(row.get("customer_name", ""), "customer_name", 100),
        customer_phone=_phone(row.get("customer_phone", "")),
        policy_numbers=_text(row.get("policy_number", ""), "policy_number", 200),
        summary=_text(row.get("summary", ""), "summary", 200),
        dispute_type=_choice(row.get("dispute_type", ""), DisputeType, "dispute_type", ""),
        product_line=_text(row.get("product_line", ""), "product_line", 100),
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

    computed, tails = ctx.deadlines_for(case)

    # Only the decision's stages are known: once the case has a decision or ended, the others
    # are stopped at receipt (excluded from stage compliance, never chased by the sweep).
    ended_at = notified_at or withdrawn_at or closed_at
    decision_stages = (Stage.DECISION.value, Stage.OVERALL.value)
    deadlines = []
    for stage, (due_on, text) in computed.items():
        if stage in decision_stages:
            met_at = notified_at
            stopped_at = ended_at if met_at is None else None
        else:
            met_at = None
            stopped_at = case.received_at if ended_at else None
        deadlines.append((stage, due_on, met_at, stopped_at, text))
    copy_tails = tuple(tails[stage] for stage in computed)
    case.due_overall = computed[Stage.OVERALL.value][0]
    open_dues = [d for _s, d, met, stopped, _t in deadlines if met is None and stopped is None]
    case.next_due = min(open_dues) if open_dues else None
    return ParsedRow(line=line, case=case, deadlines=deadlines, visit=visit, copy_tails=copy_tails)


# COPY's text format: a row is its fields joined by tabs, ended by a newline; NULL is \N; a
# backslash, tab, newline or carriage return inside a value is escaped with a backslash.
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_field(value):
    """``value`` as one field of COPY's text format (an aware date-time in ISO 8601 with its
    offset: the same instant whatever the session's time zone)."""
    if value is None:
        return "\\N"
    if type(value) is bool:
        return "t" if value else "f"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("a naive date-time has no single meaning in a timestamptz column")
        return value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value).translate(_COPY_ESCAPES)


def copy_fields(*values):
    return "\t".join(copy_field(v) for v in values)
