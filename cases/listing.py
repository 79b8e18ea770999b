"""The case table of the queues, lists and home page: the shown columns only, the open deadlines
and running pauses in one more query, display values computed once per request, so the template
only places them."""
import datetime
from functools import lru_cache
from urllib.parse import quote

from django.conf import settings
from django.db import connections, router
from django.template import engines
from django.urls import reverse
from django.utils import timezone
from django.utils.http import RFC3986_SUBDELIMS
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from .deadlines import due_state
from .fields import mask_phone
from .models import CaseDeadline, Pause
from .models.case import Category, Channel, Status
from .models.deadlines import Stage
from .models.flags import CustomerFlag, MajorReason

COLUMNS = (
    "id", "reference", "round", "channel", "next_due", "status", "customer_name", "customer_phone", "summary",
    "category", "department__name", "received_at", "customer_flags", "major_reason", "complainant_count",
)
_REFERENCE = "REFERENCE"


def case_table_queryset(queryset):
    """The queryset reduced to the table's columns (dicts), for a Paginator or a slice."""
    return queryset.values(*COLUMNS)


@lru_cache(maxsize=8)
def _labels(language):
    """Display labels of statuses, categories, channels, stages, customer flags, major reasons and
    pause kinds in ``language`` (the active one: the argument only keys the cache)."""
    return {
        kind: {value: str(label) for value, label in choices.choices}
        for kind, choices in (("status", Status), ("category", Category), ("channel", Channel), ("stage", Stage),
                              ("flag", CustomerFlag), ("major", MajorReason), ("pause", Pause.Kind))
    }


def _label(labels, value):
    # As the case_tags label filters: an unknown value shows as itself.
    return labels.get(value, value or "")


# The open deadlines (nearest due date first) and the running pauses of a page's cases, in one
# statement: kind 0 rows are (case, stage, due date, pk) of deadlines neither met nor stopped,
# kind 1 rows (case, pause kind, start, pk) of pauses without an end (what every service reads
# as "paused": ``case.pauses.filter(end__isnull=True)``). One round trip instead of two: the
# ORM query of the pauses alone cost 0.41 ms of the page's CPU (bench/README.md, 2026-12-07).
OPEN_PARTS_SQL = (
    "SELECT 0, {case}, {stage}, {due_on}, {pk} FROM {table} WHERE {case} IN ({placeholders}) "
    "AND {met_at} IS NULL AND {stopped_at} IS NULL "
    "UNION ALL SELECT 1, {pause_case}, {kind}, {start}, {pause_pk} FROM {pause_table} "
    "WHERE {pause_case} IN ({placeholders}) AND {end} IS NULL ORDER BY 1, 4, 5"
)


@lru_cache(maxsize=64)
def _open_parts_sql(alias, count):
    """The statement of ``_open_parts`` for ``count`` cases and the connection ``alias``."""
    qn = connections[alias].ops.quote_name
    deadline, pause = CaseDeadline._meta, Pause._meta
    names = {name: qn(deadline.get_field(name).column) for name in ("case", "stage", "met_at", "stopped_at", "due_on")}
    names.update({name: qn(pause.get_field(name).column) for name in ("kind", "start", "end")})
    names.update(table=qn(deadline.db_table), pk=qn(deadline.pk.column), pause_table=qn(pause.db_table),
                 pause_case=qn(pause.get_field("case").column), pause_pk=qn(pause.pk.column),
                 placeholders=", ".join(["%s"] * count))
    return OPEN_PARTS_SQL.format(**names)  # noqa: S608  # nosec B608 - names from the models' metadata


def _open_parts(case_ids):
    """({case id: stage of its nearest open deadline}, {case id: (start, kind) of its running
    pause}). Plain SQL with the statement kept per number of cases: building the same ORM
    queries on every queue page cost more CPU than running them."""
    alias = router.db_for_read(CaseDeadline)
    with connections[alias].cursor() as cursor:
        cursor.execute(_open_parts_sql(alias, len(case_ids)), case_ids * 2)
        rows = cursor.fetchall()
    first_open, pauses = {}, {}
    for kind, case_id, name, day, _pk in rows:
        if kind:
            # SQLite hands dates back as text.
            pauses[case_id] = (day if isinstance(day, datetime.date) else datetime.date.fromisoformat(day), name)
        else:
            first_open.setdefault(case_id, name)
    return first_open, pauses


def case_rows(values):
    """Rows of jinja2/cases/_case_table.html from ``case_table_queryset`` dicts (a page's object
    list or a slice): two queries in all, whatever the number of rows."""
    cases = list(values)
    if not cases:
        return []
    first_open, pauses = _open_parts([c["id"] for c in cases])
    labels = _labels(get_language())
    url_prefix, url_suffix = reverse("case_detail", args=[_REFERENCE]).split(_REFERENCE)
    safe = RFC3986_SUBDELIMS + "/~:@"  # what reverse() leaves unquoted
    today = timezone.localdate()
    rows = []
    for case in cases:
        received = timezone.localtime(case["received_at"]).isoformat()  # YYYY-MM-DDTHH:MM:SS…
        next_due = case["next_due"]
        stage = first_open.get(case["id"])
        pause = pauses.get(case["id"])
        flags = case["customer_flags"]
        rows.append({
            "reference": case["reference"],
            "url": url_prefix + quote(case["reference"], safe=safe) + url_suffix,
            "review": case["round"] > 1,
            "regulator": case["channel"] == Channel.REGULATOR,
            "flags": [_label(labels["flag"], code) for code in flags.split(",") if code] if flags else (),
            "major": _label(labels["major"], case["major_reason"]) if case["major_reason"] else "",
            "group": case["complainant_count"] if case["complainant_count"] > 1 else 0,
            "next_due": next_due.isoformat() if next_due else "",
            "state": due_state(next_due, today=today),
            "stage": _label(labels["stage"], stage) if stage else "",
            "status": case["status"],
            "status_label": _label(labels["status"], case["status"]),
            "paused_since": pause[0].isoformat() if pause else "",
            "paused_why": _label(labels["pause"], pause[1]) if pause else "",
            "customer_name": case["customer_name"],
            "phone": mask_phone(case["customer_phone"]),
            "summary": case["summary"],
            "category": _label(labels["category"], case["category"]),
            "channel": _label(labels["channel"], case["channel"]),
            "department": case["department__name"] or "—",
            "received_on": received[:10],
            "received_time": received[11:16],
        })
    return rows


def filter_fields(form):
    """The fields of the queues' filter form (``CaseFilterForm``) as jinja2/cases/_filter_fields.html
    renders them. Unbound and without the department choice (read from the database), they are
    the same for every request in a language, so they are rendered once per language and process
    (each time with DEBUG, so that an edited template shows): rendering them was 0.55 ms of the
    unfiltered queue page's CPU, 7 % (bench/README.md, 2026-12-07)."""
    if form.is_bound or "department" in form.fields or settings.DEBUG:
        return _render_filter_fields(form)
    return _blank_filter_fields(get_language(), type(form))


@lru_cache(maxsize=16)
def _blank_filter_fields(language, form_class):
    # ``language`` (the active one) only keys the cache.
    return _render_filter_fields(form_class())


def _render_filter_fields(form):
    rendered = engines["jinja2"].get_template("cases/_filter_fields.html").render({"filter_form": form})
    return mark_safe(rendered)  # noqa: S308  # nosec B308 B703 - an autoescaping template's output
