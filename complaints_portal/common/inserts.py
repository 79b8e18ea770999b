"""Single-row INSERTs compiled once per process (PostgreSQL), for the models every registration
writes.

Django's insert compiler builds the statement of a model's row — column list, a placeholder per
field, RETURNING — on every save; for the case's eighty columns and its history record's that
was a fifth of an intake's CPU (bench/intake_profile.py, 2026-12-07). As the KPI read model's
statement (assessment.kpi.readmodel._derived_statement), the statement is compiled by Django
once per model, database and set of columns and kept; each save then prepares only the values,
field by field as the compiler does (``pre_save``, ``get_db_prep_save``), so the columns and
their conversions still come from the models. Anything the kept statement cannot express — a
raw save (fixtures), an expression as a value, a field with its own placeholder, a returned
value needing a converter, another database — goes through Django's own path.
"""
from django.db import connections
from django.db.models.sql import InsertQuery

# {(model, database, number of fields, number of returned fields): (fields, returned fields, SQL or None)}
_kept = {}


def insert_statement(model, using, fields, returning_fields):
    """The SQL of inserting one row of ``model`` (``fields`` in order; RETURNING
    ``returning_fields``) with one %s per field, or None when Django's statement is not of that
    shape; compiled once (the key's lists are compared by identity first: no hashing of fields)."""
    key = (model, using, len(fields), len(returning_fields))
    kept = _kept.get(key)
    if kept is None or kept[0] != fields or kept[1] != returning_fields:
        kept = _kept[key] = (list(fields), list(returning_fields), _compiled(model, using, fields, returning_fields))
    return kept[2]


def _compiled(model, using, fields, returning_fields, rows=1):
    """Django's statement for ``rows`` blank instances (only the statement is kept, not its
    values): one row's VALUES, or for several rows the UNNEST of one array per column."""
    connection = connections[using]
    if connection.vendor != "postgresql" or any(hasattr(field, "get_placeholder") for field in fields):
        return None
    query = InsertQuery(model)
    query.insert_values(list(fields), [model() for _row in range(rows)])
    compiler = query.get_compiler(using=using)
    compiler.returning_fields = list(returning_fields)
    [(sql, params)] = compiler.as_sql()
    columns = [field.get_col(model._meta.db_table) for field in returning_fields]
    shape = "SELECT * FROM UNNEST(" if rows > 1 else f"VALUES ({', '.join(['%s'] * len(fields))})"
    if len(params) != len(fields) or shape not in sql or compiler.get_converters(columns):
        return None
    return sql


def rows_insert(model, objs, using):
    """``bulk_create(objs)`` of new rows of ``model`` (no primary key set) in one statement kept
    per process, whatever their number: the UNNEST of one array per column that Django writes
    for a batch; their primary keys set. Falls back to bulk_create where the statement cannot
    serve (see the module)."""
    meta = model._meta
    fields = [field for field in meta.local_concrete_fields if not field.generated and field is not meta.auto_field]
    key = (model, using, "rows")
    kept = _kept.get(key)
    if kept is None:
        kept = _kept[key] = (fields, [meta.pk], _compiled(model, using, fields, [meta.pk], rows=2)
                             if meta.auto_field is meta.pk else None)
    sql, connection = kept[2], connections[using]
    values = []
    if sql is not None and len(objs) > 1 and all(obj.pk is None for obj in objs):
        for obj in objs:
            obj._prepare_related_fields_for_save(operation_name="bulk_create")
        values = [[field.pre_save(obj, add=True) for obj in objs] for field in kept[0]]
    if not values or any(hasattr(value, "resolve_expression") for column in values for value in column):
        return model._base_manager.using(using).bulk_create(objs)
    params = [[field.get_db_prep_save(value, connection=connection) for value in column]
              for field, column in zip(kept[0], values, strict=True)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for obj, (pk,) in zip(objs, cursor.fetchall(), strict=True):
            obj.pk = pk
            obj._state.adding, obj._state.db = False, using
    return objs


class CompiledInsert:
    """Model mixin: a new row is inserted with ``insert_statement``'s kept statement."""

    def _do_insert(self, manager, using, fields, returning_fields, raw):
        sql = None if raw else insert_statement(type(self), using, fields, returning_fields)
        if sql is not None:
            connection = connections[using]
            values = [field.pre_save(self, add=True) for field in fields]
            if not any(hasattr(value, "resolve_expression") for value in values):
                params = [field.get_db_prep_save(value, connection=connection) for field, value in zip(fields, values, strict=True)]
                with connection.cursor() as cursor:
                    cursor.execute(sql, params)
                    return [cursor.fetchone()] if returning_fields else []
        return super()._do_insert(manager, using, fields, returning_fields, raw)


# psycopg keeps its parsing of a statement (the %s placeholders turned into $n) for statements
# of at most 4,096 bytes and 50 parameters; the case's and its history record's INSERTs (72 and
# 76 parameters) and the KPI read model's (4.3 kB) were parsed again on every registration (a
# third of a millisecond). Their sizes, with a margin: statements with more parameters (large IN
# lists, batches of rows) vary from one call to the next and stay uncached.
PARSED_STATEMENT_BYTES = 8192
PARSED_STATEMENT_PARAMETERS = 100


def psycopg_parse_cache_widen():
    """Raise psycopg's limits of the statements whose parsing it keeps (at start-up)."""
    try:
        from psycopg import _queries
    except ImportError:  # SQLite only
        return
    if hasattr(_queries, "MAX_CACHED_STATEMENT_LENGTH") and hasattr(_queries, "MAX_CACHED_STATEMENT_PARAMS"):
        _queries.MAX_CACHED_STATEMENT_LENGTH = max(_queries.MAX_CACHED_STATEMENT_LENGTH, PARSED_STATEMENT_BYTES)
        _queries.MAX_CACHED_STATEMENT_PARAMS = max(_queries.MAX_CACHED_STATEMENT_PARAMS, PARSED_STATEMENT_PARAMETERS)
