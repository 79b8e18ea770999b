"""import_complaints: migrating cases from a legacy system (SPEC §9).

A legacy row is history taken as recorded: its tier stands as given, a visit's outcome stands
as given, and the dates decide the status. Due dates come from the calendar and the deadline
policy in force on the receipt date, through cases.deadlines.compute_deadlines, the same
computation apply_deadlines runs for portal cases.

Speed: every line is parsed, validated and has its deadlines computed in Python first (a bad
line stops there, nothing written); valid lines are written in batches with explicit history
rows (simple-history records nothing for bulk writes by itself). If a batch fails in the
database, it is replayed one line per transaction so that only the offending line is reported
and the others still import.

On PostgreSQL a batch is written with COPY (ids drawn from the sequences beforehand), one
``UPDATE … FROM`` a COPY-filled temporary table for re-imported cases, and history rows copied
server-side with ``INSERT … SELECT`` from the rows just written, so the history is exactly the
stored row. Django's bulk_create/bulk_update build one parameter per value and one CASE per
field and row; at 100,000 lines they, not the database, were the bottleneck (bench/README.md).
Other backends use the ORM bulk operations.

Parsing and writing overlap: a second thread writes batch N while the caller parses batch
N+1 (import_pipeline.WriterThread), and memory stays flat as the file grows: the file is read
as a stream, at most two batches are held, the deadline cache is bounded (LRU), and the
references seen so far, kept to report a duplicate line, live in a temporary table on
PostgreSQL (import_pipeline.ReferenceRegister).
"""
import datetime
import threading
import zoneinfo
from collections import OrderedDict
from dataclasses import dataclass
from operator import attrgetter
from typing import NamedTuple

from django.conf import settings
from django.db import DatabaseError, IntegrityError, connection, models, transaction
from django.db.models import signals
from django.db.models.base import ModelState
from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from cases.calendar import load_calendar
from cases.deadlines import compute_deadlines, stage_rules
from cases.models import CaseDeadline, Complaint, DeadlinePolicy, Department, StageRule
from cases.models.case import Category, Channel, ComplaintType, DisputeType, Outcome, Status
from cases.models.deadlines import Stage, Tier
from complaints_portal.common.errors import CalendarMissing

from .import_pipeline import ReferenceRegister, WriterThread
from .imports import ImportResult, LineError, local_datetime, read_rows
from .models import FollowUpVisit

REQUIRED = ("reference", "received_at", "channel", "category", "department")
OPTIONAL = (
    "complaint_type", "tier", "notified_at", "withdrawn_at", "closed_at", "revisit_at", "revisit_outcome",
    "revisit_rating", "customer_name", "customer_phone", "policy_number", "summary", "dispute_type", "product_line",
)
CHANGE_REASON = "legacy import"
# Lines per write transaction. Larger batches mean fewer round trips and commits; a batch
# that fails in the database is replayed line by line, which costs more the larger it is.
BATCH_SIZE = 2000
# Computed deadline sets kept (one per policy, D0, tier and stage-rule working days): a few
# years of receipt dates × 3 tiers fit, so a file of any length computes each set about once.
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
_RESULT_LOCK = threading.Lock()


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


class _Context:
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
        """An unsaved Complaint with ``values`` and every other field at its default.

        Built as Model.__init__ builds an instance from positional values (the way the ORM
        loads rows), minus the per-field setattr: the instance dict is filled in one update.
        The keyword path resolves a default per field on every call and was the largest
        single cost of parsing a line; even the positional path set 61 attributes one by
        one. This is equivalent only while no field attribute has a setter of its own other
        than the foreign keys' (which just store the id on a fresh instance) and nothing
        listens to pre_init/post_init; otherwise Model.__init__ is used. No field has a
        callable default, so the defaults are taken once.
        """
        if self.case_defaults is None:
            fields = Complaint._meta.concrete_fields
            self.case_defaults = {f.attname: f.get_default() for f in fields}
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
        """compute_deadlines of an unsaved legacy case. Such a case has no extensions or
        pauses, so its deadlines depend only on the policy, D0, the tier and the working days
        of each stage rule that applies (category and channel matter only through which rule
        applies, and most share the blank rule): computed once per such key."""
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
                # Each deadline's stage, due date and explanation as COPY text, formatted once
                # per set rather than once per case (the PostgreSQL writer's rows).
                tails = {stage: _copy_fields(stage, due_on, text) for stage, (due_on, text) in computed.items()}
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
        customer_phone=_text(row.get("customer_phone", ""), "customer_phone", 30),
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

    # What happened to each stage is known only for the decision. The other stages were done
    # outside the portal: once the case has a decision or ended, they are marked as not
    # tracked from the start (stopped at receipt, before any due date), which excludes them
    # from stage compliance instead of counting them late, and the reminder job never chases
    # a migrated case. The decision stages keep what the legacy row says.
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


def _write_batch(batch, result):
    """Write parsed rows in one transaction; new cases bulk-inserted, existing ones updated.

    A reference that belongs to a case registered in the portal is reported for its line
    and skipped; the other rows are written. The counts and those reports reach ``result``
    only once the transaction committed, so a replay after a failure reports nothing twice.
    """
    existing = _stored_cases([p.case.reference for p in batch])
    new, updated, refused = [], [], []
    now = timezone.now()
    for parsed in batch:
        old = existing.get(parsed.case.reference)
        if old is None:
            parsed.case.pk = None  # a replay after a failed batch must not reuse a rolled-back id
            new.append(parsed)
            continue
        if not old.is_legacy:
            refused.append((parsed.line, _("reference %(ref)s belongs to a case registered in the portal.") % {"ref": old.reference}))
            continue
        parsed.case.pk = old.pk
        parsed.case.created_at = old.created_at
        parsed.case.version = old.version + 1
        parsed.case.updated_at = now
        updated.append(parsed)
    written = new + updated
    if written:
        with transaction.atomic():
            if connection.vendor == "postgresql":
                _write_batch_copy(written, new, updated)
            else:
                _write_batch_orm(written, new, updated)
    with _RESULT_LOCK:  # writer threads may report at the same time
        result.created += len(new)
        result.updated += len(updated)
        result.errors.extend(refused)


class _Stored(NamedTuple):
    pk: int
    reference: str
    is_legacy: bool
    created_at: datetime.datetime
    version: int


def _stored_cases(references):
    """{reference: _Stored} of the cases already stored under ``references``."""
    fields = ("id", "reference", "is_legacy", "created_at", "version")
    if connection.vendor != "postgresql":
        rows = Complaint.objects.filter(reference__in=references).values_list(*fields)
    else:
        # One array parameter: an IN list of a batch's 2,000 placeholders costs the client
        # more to build and send than the look-up costs the database.
        meta = Complaint._meta
        listed = ", ".join(_qn(meta.get_field(name).column) for name in fields)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {listed} FROM {_qn(meta.db_table)} WHERE {_qn(meta.get_field('reference').column)} = ANY(%s)",  # noqa: S608  # nosec B608 - identifiers quoted from model metadata, values bound as parameters
                [references],
            )
            rows = cursor.fetchall()
    return {row[1]: _Stored(*row) for row in rows}


def _write_batch_orm(batch, new, updated):
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
    # Deadlines are derived data of the legacy row, recomputed; a stored deadline that comes
    # out the same stays (as _write_batch_copy does it).
    recomputed = {
        (p.case.pk, stage): (due, met, stopped, text) for p in batch for stage, due, met, stopped, text in p.deadlines
    }
    changed = []
    for pk, case_id, stage, *values in CaseDeadline.objects.filter(case_id__in=[p.case.pk for p in updated]).values_list(
        "pk", "case_id", "stage", "due_on", "met_at", "stopped_at", "explanation"
    ):
        if recomputed.get((case_id, stage)) == tuple(values):
            del recomputed[(case_id, stage)]
        else:
            changed.append(pk)
    CaseDeadline.objects.filter(pk__in=changed).delete()
    CaseDeadline.objects.bulk_create(
        CaseDeadline(case_id=case_id, stage=stage, due_on=due, met_at=met, stopped_at=stopped, explanation=text)
        for (case_id, stage), (due, met, stopped, text) in recomputed.items()
    )
    _write_visits(batch, {p.case.pk for p in updated})


# -- PostgreSQL: COPY -------------------------------------------------------------------------
def _qn(name):
    return connection.ops.quote_name(name)


def _next_ids(cursor, model, n):
    table = model._meta.db_table
    cursor.execute(
        "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
        [table, model._meta.pk.column, n],
    )
    return [row[0] for row in cursor.fetchall()]


# Field types whose Python value psycopg adapts exactly as the ORM would store it. Exact types:
# a subclass (an encrypted text field, say) may convert its value and goes the general way.
_PLAIN_FIELDS = (
    models.BigAutoField, models.AutoField, models.CharField, models.TextField, models.EmailField,
    models.BooleanField, models.IntegerField, models.PositiveIntegerField, models.PositiveSmallIntegerField,
    models.SmallIntegerField, models.DateField, models.DateTimeField, models.ForeignKey,
)


def _is_plain(field):
    return type(field) in _PLAIN_FIELDS and not getattr(field, "auto_now", False) and not getattr(
        field, "auto_now_add", False
    )


def _copy_objects(cursor, table, objs, fields, add, extra=None):
    """COPY the database values of ``objs`` for ``fields`` into ``table``.

    pre_save applies auto_now/auto_now_add like save() would; get_db_prep_save applies the
    field's own conversion (encryption included), so COPY stores what the ORM would store. It
    costs a few microseconds a value, so fields whose value needs no conversion skip it and
    are read in one C-level attrgetter call per object; the columns are listed in that order
    (plain fields first), which COPY accepts.
    """
    plain = [f for f in fields if _is_plain(f)]
    other = [f for f in fields if not _is_plain(f)]
    get_plain = attrgetter(*(f.attname for f in plain)) if len(plain) > 1 else None
    if get_plain is None:  # attrgetter of one name returns the value, not a tuple
        get_plain = (lambda obj, name=plain[0].attname: (getattr(obj, name),)) if plain else (lambda obj: ())

    extra_columns, get_extra = extra if extra is not None else ([], lambda obj: ())
    now = timezone.now()
    converters = [_converter(f, add, now) for f in other]

    def rows():
        if not other and extra is None:
            for obj in objs:
                yield get_plain(obj)
            return
        for obj in objs:
            yield get_plain(obj) + tuple(convert(obj) for convert in converters) + get_extra(obj)

    _copy(cursor, table, [f.column for f in plain + other] + extra_columns, rows())


def _converter(field, add, now):
    """obj -> the database value of ``field``, as ``get_db_prep_save(pre_save(obj, add))``.

    Two shortcuts, same values: an auto_now / auto_now_add date-time field takes one time for
    the whole COPY (set on each object, as pre_save does; bulk_create would take one per
    object, microseconds apart), converted once; a field whose pre_save is the plain read
    converts an empty value (None or "") once per COPY — the same encrypted empty text, say,
    for every row instead of one encryption per row. Other values are converted one by one.
    """
    attname = field.attname
    if type(field) is models.DateTimeField and (field.auto_now or (add and field.auto_now_add)):
        value = field.get_db_prep_save(now, connection)

        def convert(obj):
            setattr(obj, attname, now)
            return value

        return convert
    if type(field).pre_save is not models.Field.pre_save and not (
        isinstance(field, models.DateField) and not field.auto_now and not field.auto_now_add
    ):
        return lambda obj: field.get_db_prep_save(field.pre_save(obj, add), connection)
    empty = {}

    def convert(obj):
        value = getattr(obj, attname)
        if value is None or (type(value) is str and not value):
            key = type(value)
            if key not in empty:
                empty[key] = field.get_db_prep_save(value, connection)
            return empty[key]
        return field.get_db_prep_save(value, connection)

    return convert


def _copy(cursor, table, columns, rows):
    sql = f"COPY {_qn(table)} ({', '.join(_qn(c) for c in columns)}) FROM STDIN"
    with connection.wrap_database_errors, cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)


def _copy_history(cursor, model, ids, history_type, when):
    """History rows of ``ids`` copied from the rows as now stored (one INSERT … SELECT)."""
    history = model.history.model
    source = {f.column for f in model._meta.concrete_fields}
    columns = [f.column for f in history._meta.concrete_fields if f.column in source]
    listed = ", ".join(_qn(c) for c in columns)
    cursor.execute(
        # Identifiers below come from model metadata, quoted; values are parameters.
        f"INSERT INTO {_qn(history._meta.db_table)} ({listed}, history_date, history_change_reason, "  # noqa: S608  # nosec B608 - identifiers quoted from model metadata, values bound as parameters
        f"history_type, history_user_id) SELECT {listed}, %s, %s, %s, NULL FROM {_qn(model._meta.db_table)} "
        f"WHERE {_qn(model._meta.pk.column)} = ANY(%s)",
        [when, CHANGE_REASON, history_type, list(ids)],
    )


# COPY's text format: a row is its fields joined by tabs, ended by a newline; NULL is \N; a
# backslash, tab, newline or carriage return inside a value is escaped with a backslash.
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_field(value):
    """``value`` as one field of COPY's text format, read back by PostgreSQL as the same value.

    An aware date-time is written in ISO 8601 with its offset, so it means the same instant
    whatever the session's time zone; a date in ISO 8601."""
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


def _copy_fields(*values):
    return "\t".join(_copy_field(v) for v in values)


# The deadline COPY's columns: per case, then per deadline (the tails formatted when parsing).
DEADLINE_COPY_COLUMNS = [
    "case_id", "kpi_received_at", "kpi_department_id", "met_at", "stopped_at", "stage", "due_on", "explanation",
]


def _deadline_copy_text(batch, merged):
    """The COPY text of the batch's deadlines with their KPI copies (assessment 0006): the
    case's receipt time while it is a complaint not merged into another case, and its
    department. Written here rather than by psycopg's row formatter: a case has 8 deadline
    rows, most fields are the case's or come from a shared computed set, so each value is
    formatted once per case or per set instead of once per row."""
    complaint = ComplaintType.COMPLAINT
    parts = []
    append = parts.append
    for p in batch:
        case = p.case
        pk = case.pk
        received = case.received_at if case.complaint_type == complaint and pk not in merged else None
        head = f"{pk}\t{_copy_field(received)}\t{_copy_field(case.department_id)}\t"
        formatted = {None: "\\N"}
        for (_stage, _due, met_at, stopped_at, _text), tail in zip(p.deadlines, p.copy_tails, strict=True):
            met = formatted.get(met_at)
            if met is None:
                met = formatted[met_at] = _copy_field(met_at)
            stopped = formatted.get(stopped_at)
            if stopped is None:
                stopped = formatted[stopped_at] = _copy_field(stopped_at)
            append(f"{head}{met}\t{stopped}\t{tail}\n")
    return "".join(parts)


# A new imported visit: no comment, nobody recorded it in the portal; with its KPI copies.
VISIT_COPY_COLUMNS = [
    "id", "case_id", "outcome", "rating", "visited_at", "comment", "by_id", "kpi_department_id", "kpi_first",
]


def _visit_copy_text(batch, ids):
    """The COPY text of the visits of new cases, with the KPI copies the INSERT trigger would
    fill (assessment 0006): the case's department, and whether the visit is the case's first
    completed one — a new case has no other visit, so a completed visit is."""
    completed = FollowUpVisit.Outcome.COMPLETED
    lines = []
    for p, pk in zip(batch, ids, strict=True):
        visit, case = p.visit, p.case
        first = "t" if visit["outcome"] == completed else "f"
        lines.append(
            f"{pk}\t{case.pk}\t{_copy_field(visit['outcome'])}\t{_copy_field(visit['rating'])}\t"
            f"{_copy_field(visit['visited_at'])}\t\t\\N\t{_copy_field(case.department_id)}\t{first}\n"
        )
    return "".join(lines)


def _copy_text(cursor, table, columns, text):
    sql = f"COPY {_qn(table)} ({', '.join(_qn(c) for c in columns)}) FROM STDIN"
    with connection.wrap_database_errors, cursor.copy(sql) as copy:
        copy.write(text)


# A stored deadline of a re-imported case stays when the recomputed one is the same row.
_SAME_DEADLINE = """n.case_id = d.case_id AND n.stage = d.stage AND n.due_on = d.due_on
  AND n.explanation = d.explanation AND n.met_at IS NOT DISTINCT FROM d.met_at
  AND n.stopped_at IS NOT DISTINCT FROM d.stopped_at AND n.kpi_received_at IS NOT DISTINCT FROM d.kpi_received_at
  AND n.kpi_department_id IS NOT DISTINCT FROM d.kpi_department_id"""
_DELETE_CHANGED_DEADLINES = f"""DELETE FROM cases_casedeadline d WHERE d.case_id = ANY(%s)
  AND NOT EXISTS (SELECT 1 FROM legacy_import_deadlines n WHERE {_SAME_DEADLINE})"""  # noqa: S608  # nosec B608 - constant SQL
_INSERT_MISSING_DEADLINES = f"""INSERT INTO cases_casedeadline ({', '.join(DEADLINE_COPY_COLUMNS)})
  SELECT {', '.join(DEADLINE_COPY_COLUMNS)} FROM legacy_import_deadlines n
  WHERE NOT EXISTS (SELECT 1 FROM cases_casedeadline d WHERE d.case_id = n.case_id AND d.stage = n.stage)"""  # noqa: S608  # nosec B608 - constant SQL


def _write_batch_copy(batch, new, updated):
    now = timezone.now()
    merged = set()  # re-imported cases merged into another case (new cases never are)
    case_fields = Complaint._meta.concrete_fields
    with connection.cursor() as cursor:
        if new:
            for parsed, pk in zip(new, _next_ids(cursor, Complaint, len(new)), strict=True):
                parsed.case.pk = pk
            _copy_objects(cursor, Complaint._meta.db_table, [p.case for p in new], case_fields, True)
            _copy_history(cursor, Complaint, [p.case.pk for p in new], "+", now)
        if updated:
            fields = [Complaint._meta.pk] + [Complaint._meta.get_field(n) for n in CASE_FIELDS + ["version", "updated_at"]]
            columns = [f.column for f in fields]
            listed = ", ".join(_qn(c) for c in columns)
            cursor.execute("DROP TABLE IF EXISTS legacy_import_update")
            cursor.execute(
                f"CREATE TEMPORARY TABLE legacy_import_update AS SELECT {listed} FROM "  # noqa: S608  # nosec B608 - identifiers quoted from model metadata, values bound as parameters
                f"{_qn(Complaint._meta.db_table)} WITH NO DATA"
            )
            _copy_objects(cursor, "legacy_import_update", [p.case for p in updated], fields, False)
            assignments = ", ".join(f"{_qn(c)} = u.{_qn(c)}" for c in columns[1:])
            # RETURNING: whether each case is merged, read from the row as locked by this
            # UPDATE (a merge committed since the batch read the cases is seen here).
            cursor.execute(
                f"UPDATE {_qn(Complaint._meta.db_table)} c SET {assignments} FROM legacy_import_update u "  # noqa: S608  # nosec B608 - identifiers quoted from model metadata, values bound as parameters
                f"WHERE c.{_qn(columns[0])} = u.{_qn(columns[0])} RETURNING c.id, c.merged_into_id IS NOT NULL"
            )
            merged = {pk for pk, is_merged in cursor.fetchall() if is_merged}
            cursor.execute("DROP TABLE legacy_import_update")
            ids = [p.case.pk for p in updated]
            _copy_history(cursor, Complaint, ids, "~", now)
            # Deadlines are derived data of the legacy row, recomputed: the recomputed rows go
            # to a temporary table, stored rows that differ from them (or whose stage is gone)
            # are deleted, and the recomputed rows not stored are inserted (below). A deadline
            # that comes out the same stays as it is, with any reminder or overdue mark the
            # sweep gave it; re-importing an unchanged file rewrites no deadline.
            cursor.execute("DROP TABLE IF EXISTS legacy_import_deadlines")
            cursor.execute(
                f"CREATE TEMPORARY TABLE legacy_import_deadlines AS SELECT {', '.join(DEADLINE_COPY_COLUMNS)} "  # noqa: S608  # nosec B608 - constant column list and table name
                f"FROM {_qn(CaseDeadline._meta.db_table)} WITH NO DATA"
            )
            _copy_text(cursor, "legacy_import_deadlines", DEADLINE_COPY_COLUMNS, _deadline_copy_text(updated, merged))
            cursor.execute(_DELETE_CHANGED_DEADLINES, [ids])
        # The KPI copies of assessment 0006 are supplied here, from the cases as just stored
        # (receipt time while a complaint not merged, department), and the INSERT triggers
        # skip their look-up of the case while the transaction-local setting is on
        # (assessment 0008). It is set back before anything else is written; a failure
        # rolls it back with the batch's savepoint or transaction.
        cursor.execute("SELECT set_config('portal.kpi_columns_supplied', 'on', true)")
        if new:
            _copy_text(cursor, CaseDeadline._meta.db_table, DEADLINE_COPY_COLUMNS, _deadline_copy_text(new, merged))
        if updated:
            cursor.execute(_INSERT_MISSING_DEADLINES)
            cursor.execute("DROP TABLE legacy_import_deadlines")
        # Visits of new cases by COPY (a new case has no other visit: its visit, if completed,
        # is its first completed one); those of re-imported cases may replace or remove an
        # earlier visit and are written with the triggers' look-up (_write_visits_copy).
        updated_ids = {p.case.pk for p in updated}
        fresh = [p for p in new if p.visit is not None]
        if fresh:
            visit_ids = _next_ids(cursor, FollowUpVisit, len(fresh))
            _copy_text(cursor, FollowUpVisit._meta.db_table, VISIT_COPY_COLUMNS, _visit_copy_text(fresh, visit_ids))
        cursor.execute("SELECT set_config('portal.kpi_columns_supplied', 'off', true)")
        if fresh:
            _copy_history(cursor, FollowUpVisit, visit_ids, "+", now)
        if updated:
            _write_visits_copy(cursor, [p for p in batch if p.case.pk in updated_ids], updated_ids, now)


def _write_visits_copy(cursor, batch, updated_ids, now):
    """The visit of each re-imported case, as _write_visits does it, in set operations: the
    earlier imported visit is updated in place, removed (history row first) or a new one
    created."""
    previous = {}
    for visit in FollowUpVisit.objects.filter(case_id__in=updated_ids, by__isnull=True).order_by("visited_at", "id"):
        previous.setdefault(visit.case_id, visit)
    removed, changed, fresh = [], [], []
    for parsed in batch:
        old = previous.get(parsed.case.pk)
        if parsed.visit is None:
            if old is not None:
                removed.append(old.pk)
        elif old is None:
            fresh.append(FollowUpVisit(case_id=parsed.case.pk, **parsed.visit))
        else:
            changed.append((old.pk, parsed.visit["outcome"], parsed.visit["rating"], parsed.visit["visited_at"]))
    table = _qn(FollowUpVisit._meta.db_table)
    if removed:
        _copy_history(cursor, FollowUpVisit, removed, "-", now)
        cursor.execute(f"DELETE FROM {table} WHERE id = ANY(%s)", [removed])  # noqa: S608  # nosec B608 - identifiers quoted from model metadata, values bound as parameters
    if changed:
        ids, outcomes, ratings, dates = (list(column) for column in zip(*changed, strict=True))
        cursor.execute(
            f"UPDATE {table} v SET outcome = u.outcome, rating = u.rating, visited_at = u.visited_at "  # noqa: S608  # nosec B608 - identifiers quoted from model metadata, values bound as parameters
            "FROM unnest(%s::bigint[], %s::varchar[], %s::smallint[], %s::timestamptz[]) "
            "AS u(id, outcome, rating, visited_at) WHERE v.id = u.id",
            [ids, outcomes, ratings, dates],
        )
        _copy_history(cursor, FollowUpVisit, ids, "~", now)
    if fresh:
        for visit, pk in zip(fresh, _next_ids(cursor, FollowUpVisit, len(fresh)), strict=True):
            visit.pk = pk
        fields = FollowUpVisit._meta.concrete_fields
        _copy_objects(cursor, FollowUpVisit._meta.db_table, fresh, fields, True)
        _copy_history(cursor, FollowUpVisit, [v.pk for v in fresh], "+", now)


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
    except (IntegrityError, DatabaseError):
        pass
    # Replay line by line so that only the offending line fails.
    for parsed in batch:
        try:
            _write_batch([parsed], result)
        except (IntegrityError, DatabaseError) as exc:
            result.errors.append((parsed.line, _("could not be saved: %(error)s") % {"error": exc}))


def _checked_batch(chunk, register, result):
    """Report the chunk's bad and duplicate lines; return the parsed rows of the others.

    ``chunk`` is [(line, reference or None, ParsedRow or None, error message or None)] in
    file order, and chunks are checked in file order. A line whose reference came earlier in
    the file is a duplicate even if it parsed, or the first line failed; the duplicate
    message replaces any other.
    """
    duplicates = register.register([(reference, line) for line, reference, _p, _e in chunk if reference is not None])
    batch, errors = [], []
    for line, reference, parsed, error in chunk:
        if line in duplicates:
            error = _("duplicate reference %(ref)s (first on line %(line)s).") % {"ref": reference, "line": duplicates[line]}
        if error is not None:
            errors.append((line, error))
        else:
            batch.append(parsed)
    with _RESULT_LOCK:
        result.errors.extend(errors)
    return batch


def _write_chunk(chunk, register, result):
    """Check the chunk and write its good lines (in the one writer thread)."""
    _flush(_checked_batch(chunk, register, result), result)


def writer_count():
    """How many connections write batches at once by default (LEGACY_IMPORT_WRITERS): on
    PostgreSQL a batch's database time (indexes, triggers, foreign-key checks at commit)
    outweighs its parsing, and two backends share it."""
    return settings.LEGACY_IMPORT_WRITERS


def complaints_import(lines, batch_size=BATCH_SIZE, progress=None, progress_every=10_000, writers=None):
    """Import legacy complaints from CSV ``lines``; return an ImportResult.

    Idempotent by reference: a reference already imported is updated, never duplicated; the
    reference counter is not touched (legacy references keep their own numbering). A second
    line with the same reference in one file is reported and not imported.
    ``progress(n)`` is called every ``progress_every`` lines read.

    ``lines`` is read as a stream (an open file is never read whole). This thread parses
    and, batch after batch in file order, checks the references for repeats; ``writers``
    threads (writer_count() by default) write the batches while the next ones are parsed.
    Inside a transaction, or with one writer, a single writer thread uses this thread's
    connection, so the caller must not use it from another thread meanwhile; otherwise each
    writer has a connection of its own and commits each batch by itself. The ImportResult is
    complete when this function returns.
    """
    writers = writer_count() if writers is None else writers
    if writers < 1:
        raise ValueError("writers must be at least 1")
    if connection.in_atomic_block or connection.vendor != "postgresql":
        # In the caller's transaction only its own connection can take part; SQLite writes
        # one transaction at a time anyway.
        writers = 1
    ctx = _Context()
    result = ImportResult()
    register = ReferenceRegister(connection)
    if writers == 1:
        writer = WriterThread(lambda chunk: _write_chunk(chunk, register, result))

        def submit(chunk):
            writer.submit(chunk)
    else:
        writer = WriterThread(lambda batch: _flush(batch, result), threads=writers)

        def submit(chunk):
            # The references are checked here, on this thread's connection, in file order.
            writer.submit(_checked_batch(chunk, register, result))
    try:
        chunk = []
        count = 0
        for line, row in read_rows(lines, REQUIRED, OPTIONAL):
            count += 1
            if progress and count % progress_every == 0:
                progress(count)
            reference = parsed = error = None
            try:
                if row is None:
                    raise LineError(_("too many fields"))
                reference = row["reference"]
                parsed = parse_row(line, row, ctx)
            except LineError as exc:
                error = str(exc)
            chunk.append((line, reference, parsed, error))
            if len(chunk) >= batch_size:
                submit(chunk)
                chunk = []
        submit(chunk)
    finally:
        try:
            writer.close()  # waits for the last batch; re-raises a writer's exception
        finally:
            register.close()
    if progress:
        progress(count)
    result.errors.sort()
    return result
