"""The case table of the queues, lists and home page: the shown columns only, the open deadlines
in one more query, display values computed once per request, so the template only places them."""
from functools import lru_cache
from urllib.parse import quote

from django.db import connections, router
from django.urls import reverse
from django.utils import timezone
from django.utils.http import RFC3986_SUBDELIMS
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
    """Display labels of statuses, categories, channels and stages in ``language`` (the active
    one: the argument only keys the cache)."""
    return {
        kind: {value: str(label) for value, label in choices.choices}
        for kind, choices in (("status", Status), ("category", Category), ("channel", Channel), ("stage", Stage),
                              ("flag", CustomerFlag), ("major", MajorReason))
    }


def _label(labels, value):
    # As the case_tags label filters: an unknown value shows as itself.
    return labels.get(value, value or "")


OPEN_STAGES_SQL = (
    "SELECT {case}, {stage} FROM {table} WHERE {case} IN ({placeholders}) "
    "AND {met_at} IS NULL AND {stopped_at} IS NULL ORDER BY {due_on}, {pk}"
)


@lru_cache(maxsize=64)
def _open_stages_sql(alias, count):
    """The open deadlines of ``count`` cases, nearest first, for the connection ``alias``."""
    qn = connections[alias].ops.quote_name
    meta = CaseDeadline._meta
    names = {name: qn(meta.get_field(name).column) for name in ("case", "stage", "met_at", "stopped_at", "due_on")}
    names.update(table=qn(meta.db_table), pk=qn(meta.pk.column), placeholders=", ".join(["%s"] * count))
    return OPEN_STAGES_SQL.format(**names)  # noqa: S608  # nosec B608 - names from the model's metadata


def _open_stages(case_ids):
    """(case id, stage) of the cases' open deadlines, nearest due date first. Plain SQL with the
    statement kept per number of cases: building the same ORM query on every queue page cost
    more CPU than running it."""
    alias = router.db_for_read(CaseDeadline)
    with connections[alias].cursor() as cursor:
        cursor.execute(_open_stages_sql(alias, len(case_ids)), case_ids)
        return cursor.fetchall()


def _open_pauses(case_ids):
    """{case id: (start, kind)} of the cases whose deadline is paused now."""
    return {case_id: (start, kind) for case_id, start, kind in
            Pause.objects.filter(case_id__in=case_ids, end__isnull=True).values_list("case_id", "start", "kind")}


def case_rows(values):
    """Rows of jinja2/cases/_case_table.html from ``case_table_queryset`` dicts (a page's object
    list or a slice): three queries in all, whatever the number of rows."""
    cases = list(values)
    if not cases:
        return []
    first_open = {}
    ids = [c["id"] for c in cases]
    for case_id, stage in _open_stages(ids):
        first_open.setdefault(case_id, stage)
    pauses = _open_pauses(ids)
    labels = _labels(get_language())
    pause_kinds = dict(Pause.Kind.choices)
    url_prefix, url_suffix = reverse("case_detail", args=[_REFERENCE]).split(_REFERENCE)
    safe = RFC3986_SUBDELIMS + "/~:@"  # what reverse() leaves unquoted
    today = timezone.localdate()
    rows = []
    for case in cases:
        received = timezone.localtime(case["received_at"])
        next_due = case["next_due"]
        stage = first_open.get(case["id"])
        pause = pauses.get(case["id"])
        rows.append({
            "reference": case["reference"],
            "url": url_prefix + quote(case["reference"], safe=safe) + url_suffix,
            "review": case["round"] > 1,
            "regulator": case["channel"] == Channel.REGULATOR,
            "flags": [_label(labels["flag"], code) for code in case["customer_flags"].split(",") if code],
            "major": _label(labels["major"], case["major_reason"]) if case["major_reason"] else "",
            "group": case["complainant_count"] if case["complainant_count"] > 1 else 0,
            "next_due": next_due.isoformat() if next_due else "",
            "state": due_state(next_due, today=today),
            "stage": _label(labels["stage"], stage) if stage else "",
            "status": case["status"],
            "status_label": _label(labels["status"], case["status"]),
            "paused_since": pause[0].isoformat() if pause else "",
            "paused_why": str(pause_kinds.get(pause[1], pause[1])) if pause else "",
            "customer_name": case["customer_name"],
            "phone": mask_phone(case["customer_phone"]),
            "summary": case["summary"],
            "category": _label(labels["category"], case["category"]),
            "channel": _label(labels["channel"], case["channel"]),
            "department": case["department__name"] or "—",
            "received_on": received.strftime("%Y-%m-%d"),
            "received_time": received.strftime("%H:%M"),
        })
    return rows
