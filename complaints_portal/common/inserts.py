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


def _compiled(model, using, fields, returning_fields):
    """Django's statement for a blank instance: only the statement is kept, not its values."""
    connection = connections[using]
    if connection.vendor != "postgresql" or any(hasattr(field, "get_placeholder") for field in fields):
        return None
    query = InsertQuery(model)
    query.insert_values(list(fields), [model()])
    compiler = query.get_compiler(using=using)
    compiler.returning_fields = list(returning_fields)
    [(sql, params)] = compiler.as_sql()
    columns = [field.get_col(model._meta.db_table) for field in returning_fields]
    if len(params) != len(fields) or f"VALUES ({', '.join(['%s'] * len(fields))})" not in sql \
            or compiler.get_converters(columns):
        return None
    return sql


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
