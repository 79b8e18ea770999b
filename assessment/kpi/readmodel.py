"""The only writer of the KPI read model (models.KpiCase) and of the finished quarters' change
stamps (models.KpiChange): rows derived by one query (``_derived``) inside the database, in
the caller's transaction — the case_changed receiver, the follow-up service, the import."""
import bisect
import datetime
from functools import lru_cache

from django.db import connections, router, transaction
from django.db.models import BooleanField, ExpressionWrapper, F, FilteredRelation, OuterRef, Q, Subquery
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from cases.models import Complaint, Notice, NoticeKind

from .models import FollowUpVisit, KpiCase, KpiChange
from .periods import day_start, local_tz, quarter_of
from .rules import STAGES

ALL_QUARTERS = "ALL"  # the stamp of a change to every quarter (a rebuild); part of every key
# A quarter is cached CACHE_AFTER_DAYS after its end (kpi/cache.py); writes to quarters before
# that of now − STAMP_MARGIN_DAYS (a clock a little ahead on some host) are stamped.
CACHE_AFTER_DAYS = 7
STAMP_MARGIN_DAYS = 2


def _derived(case_ids=None):
    """(column names, queryset): the read-model rows of ``case_ids`` (None: every case) as the
    cases, their deadlines and visits say now, one row per case in column order."""
    tz = local_tz()
    first_visit = FollowUpVisit.objects.filter(
        case=OuterRef("pk"), outcome=FollowUpVisit.Outcome.COMPLETED
    ).order_by("visited_at", "id")
    # The first round's decision is notified on the date of its proof of notice (SPEC §10,
    # Art. 21); a case decided before notices had proofs (an import) keeps its recorded time.
    proof = Notice.objects.filter(
        case=OuterRef("pk"), kind=NoticeKind.DECISION, round=1, sent_at__isnull=False
    ).order_by("sent_at", "id")
    copied = ("department_id", "received_at", "complaint_type", "channel", "category", "dispute_type", "root_cause",
              "customer_flags", "due_overall")
    columns = {
        "case_id": F("pk"),
        **{name: F(name) for name in copied},
        "merged": ExpressionWrapper(Q(merged_into__isnull=False), output_field=BooleanField()),
        "notified_on": TruncDate(Coalesce(Subquery(proof.values("sent_at")[:1]), "first_notified_at"), tzinfo=tz),
        "withdrawn_on": TruncDate("withdrawn_at", tzinfo=tz),
        "withdrawn_before_decision": ExpressionWrapper(
            Q(withdrawn_at__isnull=False) & (Q(first_notified_at__isnull=True) | Q(first_notified_at__gt=F("withdrawn_at"))),
            output_field=BooleanField(),
        ),
        "first_visit_at": Subquery(first_visit.values("visited_at")[:1]),
        "first_visit_rating": Subquery(first_visit.values("rating")[:1]),
    }
    # Each stage's deadline is joined on its own (case_deadline_unique: at most one row per
    # case and stage), so no grouping is needed; all NULL when the case has none.
    joins = {}
    for stage in STAGES:
        joins[f"kpi_{stage}"] = FilteredRelation("deadlines", condition=Q(deadlines__stage=stage))
        columns[f"{stage}_due"] = F(f"kpi_{stage}__due_on")
        columns[f"{stage}_met"] = TruncDate(f"kpi_{stage}__met_at", tzinfo=tz)
        columns[f"{stage}_stopped"] = TruncDate(f"kpi_{stage}__stopped_at", tzinfo=tz)
    cases = Complaint.objects.all() if case_ids is None else Complaint.objects.filter(one_of(Complaint, "id", case_ids))
    names = [f"kpi_{name}" for name in columns]  # annotation names may not be field names
    queryset = cases.alias(**joins).annotate(**dict(zip(names, columns.values(), strict=True)))
    return list(columns), queryset.values_list(*names).order_by()


# The ids' array parameter in _derived_statement's compiled statement, replaced by the ids.
_CASE_IDS = [0]


@lru_cache(maxsize=8)
def _derived_statement(using, zone):
    """(columns, SQL, parameters) of ``_derived`` for some cases on PostgreSQL, with ``_CASE_IDS``
    (the very object) where the case ids' array goes: the statement is the same for every
    write but its ids, and building it (37 expressions, 7 filtered joins) was the largest part
    of an intake's CPU (≈ 4 of 16 ms, bench/intake_profile.py, 2026-12-07). ``zone``: the
    local time zone the dates are truncated in, part of the key."""
    columns, queryset = _derived(_CASE_IDS)
    sql, params = queryset.using(using).query.sql_with_params()
    if sum(param is _CASE_IDS for param in params) != 1:
        raise RuntimeError("the case ids' parameter was not found once in the KPI read model's statement")
    return columns, sql, params


def one_of(model, column, ids, using=None):
    """The condition "``column`` of ``model``'s table is one of ``ids``": one array parameter on
    PostgreSQL (psycopg took 6 ms to parse a 2,000-case IN list)."""
    connection = connections[using or router.db_for_read(model)]
    name = f"{connection.ops.quote_name(model._meta.db_table)}.{connection.ops.quote_name(column)}"
    if connection.vendor == "postgresql":
        ids = ids if isinstance(ids, list) else list(ids)  # a list as given (_derived_statement finds it)
        return RawSQL(f"{name} = ANY(%s)", (ids,), output_field=BooleanField())  # noqa: S611  # nosec B611 - quoted identifiers, bound values
    return RawSQL(f"{name} IN ({', '.join(['%s'] * len(ids))})", tuple(ids), output_field=BooleanField())  # noqa: S611  # nosec B611 - the same


def _write(case_ids, using, returning=True, new=False, truncate=False):
    """Write the derived rows of ``case_ids`` (None: all), keep the visits' department copy in
    step, and (``returning``) return the moments whose quarters the change may move. ``new``:
    no row yet, only the INSERT; else an upsert rewriting only rows that differ."""
    connection = connections[using]
    table = connection.ops.quote_name(KpiCase._meta.db_table)
    where, ids = ("", []) if case_ids is None else one_of(KpiCase, "case_id", case_ids, using).as_sql(None, connection)
    if case_ids is not None and connection.vendor == "postgresql":
        columns, sql, params = _derived_statement(using, str(local_tz()))
        params = tuple(list(case_ids) if param is _CASE_IDS else param for param in params)
    else:
        columns, queryset = _derived(case_ids)
        if case_ids is None:  # a rebuild fills the indexes on the receipt time in order, compact
            queryset = queryset.order_by("received_at")
        sql, params = queryset.using(using).query.sql_with_params()
    listed = ", ".join(connection.ops.quote_name(column) for column in columns)
    moments = "case_id, department_id, received_at, first_visit_at"
    tail = f" RETURNING {moments}" if returning else ""
    old, upsert = {}, ""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and case_ids is not None and len(case_ids) > 1:
            # A batch's statement is costly enough for PostgreSQL's JIT and a parallel worker,
            # whose start took longer (≈ 200 ms a batch of the import) than the statement.
            cursor.execute("SELECT set_config('jit', 'off', true), set_config('max_parallel_workers_per_gather', '0', true)")
        if truncate:
            # A new file, not a million dead rows (after a DELETE the quarter's counts read
            # twice the pages); readers wait for the rebuild's commit.
            cursor.execute(f"TRUNCATE {table}")
        elif case_ids is None:
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608  # nosec B608 - identifiers from model metadata
        elif not new:
            cursor.execute(f"SELECT {moments} FROM {table} WHERE {where}", ids)  # noqa: S608  # nosec B608 - identifiers from model metadata, values bound as parameters
            old = {row[0]: row[1:] for row in cursor.fetchall()}
            names = [connection.ops.quote_name(column) for column in columns[1:]]
            stored, derived = (", ".join(f"{prefix}{name}" for name in names) for prefix in (f"{table}.", "EXCLUDED."))
            upsert = (f" ON CONFLICT (case_id) DO UPDATE SET ({', '.join(names)}) = ({derived})"  # nosec B608 - column names from the model
                      f" WHERE ({stored}) IS DISTINCT FROM ({derived})")
        cursor.execute(f"INSERT INTO {table} ({listed}) {sql}{upsert}{tail}", params)  # noqa: S608  # nosec B608 - the same
        written = {row[0]: row[1:] for row in (cursor.fetchall() if returning else ())}
    old = {pk: row for pk, row in old.items() if pk in written}
    moved = [pk for pk, row in written.items() if pk in old and old[pk][0] != row[0]]
    visits = FollowUpVisit.objects.using(using).filter(**({} if case_ids is None else {"case_id__in": moved}))
    if case_ids is None or moved:
        # Not history (excluded from the visit's history records): this update loses none.
        visits.exclude(department_id=F("case__department_id")).update(
            department_id=Subquery(Complaint.objects.filter(pk=OuterRef("case_id")).values("department_id")[:1]))
    moments = list(visits.values_list("visited_at", flat=True)) if moved else []
    return moments + [moment for row in (*old.values(), *written.values()) for moment in row[1:]]


def kpi_cases_refresh(case_ids, visit_times=(), new=False):
    """Write the KPI rows of ``case_ids`` in the caller's transaction and stamp the finished quarters
    it may move (rows' receipt and first visit before and after, moved visits, ``visit_times``)."""
    case_ids = sorted(set(case_ids))
    if not case_ids:
        return
    using = router.db_for_write(KpiCase)
    cutoff = _stamp_cutoff()
    with transaction.atomic(using=using, savepoint=False):
        moments = [*_write(case_ids, using, new=new), *visit_times]
        kpi_stamp(_quarters([m for m in map(_aware, moments) if m is not None and m < cutoff]), using)


def kpi_rebuild():
    """Rewrite the whole read model from the cases (one statement) and stamp every quarter.
    Returns the number of rows."""
    using = router.db_for_write(KpiCase)
    # TRUNCATE in a transaction of its own (PostgreSQL refuses it under a caller's pending
    # deferred constraint checks); inside a caller's transaction the rows are deleted.
    truncate = connections[using].vendor == "postgresql" and not connections[using].in_atomic_block
    with transaction.atomic(using=using):
        _write(None, using, returning=False, truncate=truncate)
        kpi_stamp({ALL_QUARTERS}, using)
        return KpiCase.objects.using(using).count()


def kpi_differences():
    """Case ids whose stored row differs from the derived one (or is missing or left over), or
    whose visits' department copy is stale; compared in the database."""
    columns, derived = _derived()
    stored = KpiCase.objects.values_list(*columns).order_by()
    stale = FollowUpVisit.objects.exclude(department_id=F("case__department_id")).values_list("case_id")
    return sorted({row[0] for qs in (stored.difference(derived), derived.difference(stored), stale) for row in qs})


def case_changed_received(sender, case, created=False, **kwargs):
    """Receiver of cases.signals.case_changed: the case's KPI inputs may have changed."""
    kpi_cases_refresh([case.pk], new=created)


# -- change stamps --------------------------------------------------------------------------


def _stamp_cutoff():
    """Moments before this are in quarters that a cached figure may cover."""
    return day_start(quarter_of(timezone.localdate(timezone.now(), local_tz())
                                - datetime.timedelta(days=STAMP_MARGIN_DAYS)).start)


def _quarters(moments):
    """The codes of the local quarters of ``moments``, placed among the quarters' first instants."""
    if not moments:
        return set()
    first, last = (quarter_of(timezone.localdate(m, local_tz())) for m in (min(moments), max(moments)))
    quarters = [first]
    while quarters[-1].code != last.code:
        quarters.append(quarter_of(quarters[-1].end + datetime.timedelta(days=1)))
    starts = [day_start(q.start) for q in quarters]
    return {quarters[bisect.bisect_right(starts, moment) - 1].code for moment in moments}


def _aware(moment):
    """A moment read with a raw cursor (SQLite returns it naive, in UTC)."""
    moment = parse_datetime(moment) if isinstance(moment, str) else moment
    return moment.replace(tzinfo=datetime.UTC) if moment is not None and moment.tzinfo is None else moment


def kpi_stamp(quarters, using=None):
    """Record a change to ``quarters`` (codes, or ALL_QUARTERS) in the caller's transaction; stamps
    are only added, so writers lock no shared row."""
    if quarters:
        KpiChange.objects.using(using or router.db_for_write(KpiChange)).bulk_create(
            KpiChange(quarter=quarter) for quarter in sorted(quarters)
        )
