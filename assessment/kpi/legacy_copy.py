"""The legacy import's PostgreSQL writer: COPY with ids drawn first, ``UPDATE … FROM`` a
temporary table for re-imports, history rows copied server-side from the rows just written."""
from operator import attrgetter

from django.db import connection, models
from django.utils import timezone

from cases.models import CaseDeadline, Complaint

from .legacy_rows import CASE_FIELDS, CHANGE_REASON, copy_field
from .models import FollowUpVisit


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
    """COPY the database values of ``objs`` for ``fields`` into ``table``, as the ORM would
    store them (pre_save, get_db_prep_save); fields that need no conversion are read with one
    attrgetter call per object and listed first."""
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
    """obj -> the database value of ``field``, as ``get_db_prep_save(pre_save(obj, add))``, with
    an auto_now time and a plain field's empty value converted once per COPY."""
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


# The deadline COPY's columns: per case, then per deadline (the tails formatted when parsing).
DEADLINE_COPY_COLUMNS = ["case_id", "met_at", "stopped_at", "stage", "due_on", "explanation"]


def _deadline_copy_text(batch):
    """The COPY text of the batch's deadlines. Written here rather than by psycopg's row
    formatter: a case has 8 deadline rows, most fields come from a shared computed set, so
    each value is formatted once per case or per set instead of once per row."""
    parts = []
    append = parts.append
    for p in batch:
        head = f"{p.case.pk}\t"
        formatted = {None: "\\N"}
        for (_stage, _due, met_at, stopped_at, _text), tail in zip(p.deadlines, p.copy_tails, strict=True):
            met = formatted.get(met_at)
            if met is None:
                met = formatted[met_at] = copy_field(met_at)
            stopped = formatted.get(stopped_at)
            if stopped is None:
                stopped = formatted[stopped_at] = copy_field(stopped_at)
            append(f"{head}{met}\t{stopped}\t{tail}\n")
    return "".join(parts)


# A new imported visit: no comment, nobody recorded it in the portal; the case's department
# (the copy the KPI read model's writer keeps, written here with the row).
VISIT_COPY_COLUMNS = ["id", "case_id", "outcome", "rating", "visited_at", "comment", "by_id", "department_id"]


def _visit_copy_text(batch, ids):
    """The COPY text of the visits of new cases."""
    lines = []
    for p, pk in zip(batch, ids, strict=True):
        visit = p.visit
        lines.append(
            f"{pk}\t{p.case.pk}\t{copy_field(visit['outcome'])}\t{copy_field(visit['rating'])}\t"
            f"{copy_field(visit['visited_at'])}\t\t\\N\t{copy_field(p.case.department_id)}\n"
        )
    return "".join(lines)


def copy_text(cursor, table, columns, text):
    sql = f"COPY {_qn(table)} ({', '.join(_qn(c) for c in columns)}) FROM STDIN"
    with connection.wrap_database_errors, cursor.copy(sql) as copy:
        copy.write(text)


# A stored deadline of a re-imported case stays when the recomputed one is the same row.
_SAME_DEADLINE = """n.case_id = d.case_id AND n.stage = d.stage AND n.due_on = d.due_on
  AND n.explanation = d.explanation AND n.met_at IS NOT DISTINCT FROM d.met_at
  AND n.stopped_at IS NOT DISTINCT FROM d.stopped_at"""
_DELETE_CHANGED_DEADLINES = f"""DELETE FROM cases_casedeadline d WHERE d.case_id = ANY(%s)
  AND NOT EXISTS (SELECT 1 FROM legacy_import_deadlines n WHERE {_SAME_DEADLINE})"""  # noqa: S608  # nosec B608 - constant SQL
_INSERT_MISSING_DEADLINES = f"""INSERT INTO cases_casedeadline ({', '.join(DEADLINE_COPY_COLUMNS)})
  SELECT {', '.join(DEADLINE_COPY_COLUMNS)} FROM legacy_import_deadlines n
  WHERE NOT EXISTS (SELECT 1 FROM cases_casedeadline d WHERE d.case_id = n.case_id AND d.stage = n.stage)"""  # noqa: S608  # nosec B608 - constant SQL


def write_batch_copy(batch, new, updated):
    now = timezone.now()
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
            cursor.execute(
                f"UPDATE {_qn(Complaint._meta.db_table)} c SET {assignments} FROM legacy_import_update u "  # noqa: S608  # nosec B608 - identifiers quoted from model metadata, values bound as parameters
                f"WHERE c.{_qn(columns[0])} = u.{_qn(columns[0])}"
            )
            cursor.execute("DROP TABLE legacy_import_update")
            ids = [p.case.pk for p in updated]
            _copy_history(cursor, Complaint, ids, "~", now)
            # Recomputed deadlines via a temporary table: stored rows that differ are deleted,
            # missing ones inserted (below); an unchanged deadline stays, with its sweep marks.
            cursor.execute("DROP TABLE IF EXISTS legacy_import_deadlines")
            cursor.execute(
                f"CREATE TEMPORARY TABLE legacy_import_deadlines AS SELECT {', '.join(DEADLINE_COPY_COLUMNS)} "  # noqa: S608  # nosec B608 - constant column list and table name
                f"FROM {_qn(CaseDeadline._meta.db_table)} WITH NO DATA"
            )
            copy_text(cursor, "legacy_import_deadlines", DEADLINE_COPY_COLUMNS, _deadline_copy_text(updated))
            cursor.execute(_DELETE_CHANGED_DEADLINES, [ids])
        if new:
            copy_text(cursor, CaseDeadline._meta.db_table, DEADLINE_COPY_COLUMNS, _deadline_copy_text(new))
        if updated:
            cursor.execute(_INSERT_MISSING_DEADLINES)
            cursor.execute("DROP TABLE legacy_import_deadlines")
        # Visits of new cases by COPY; those of re-imported cases by _write_visits_copy.
        updated_ids = {p.case.pk for p in updated}
        fresh = [p for p in new if p.visit is not None]
        if fresh:
            visit_ids = _next_ids(cursor, FollowUpVisit, len(fresh))
            copy_text(cursor, FollowUpVisit._meta.db_table, VISIT_COPY_COLUMNS, _visit_copy_text(fresh, visit_ids))
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
            fresh.append(FollowUpVisit(case_id=parsed.case.pk, department_id=parsed.case.department_id, **parsed.visit))
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
