"""The case table's rows written in Python (cases/listing.case_rows_html) are the markup the
template used to produce for the same rows, escaping included, in both languages."""
import itertools

import pytest
from django.template import engines
from django.test.html import parse_html
from django.utils import translation

from cases.listing import case_rows_html

# The row markup as the template wrote it (templates/cases/_case_table.html before the rows
# moved to Python), kept here as the reference.
REFERENCE_TEMPLATE = '{% load i18n %}{% translate "Review after a dispute" as review_title %}{% translate "Review" as review %}{% translate "Regulator referral" as regulator_title %}{% translate "Overdue" as overdue %}{% translate "Due soon" as due_soon %}\n  {% for case in rows %}\n    <tr class="{% if case.state == \'overdue\' %}table-danger{% elif case.state == \'soon\' %}table-warning{% endif %}">\n      <td class="text-nowrap"><a class="fw-semibold" href="{{ case.url }}">{{ case.reference }}</a>\n        {% if case.review %}<span class="badge text-bg-info" title="{{ review_title }}">{{ review }}</span>{% endif %}\n        {% if case.regulator %}<span class="badge text-bg-dark" title="{{ regulator_title }}"><i class="bi bi-bank"></i></span>{% endif %}\n      </td>\n      <td class="text-nowrap">\n        {% if case.next_due %}\n          <span class="{% if case.state == \'overdue\' %}due-overdue{% elif case.state == \'soon\' %}due-soon{% endif %}">\n            {% if case.state == \'overdue\' %}<i class="bi bi-exclamation-triangle-fill" aria-hidden="true"></i> <span class="visually-hidden">{{ overdue }}</span>{% elif case.state == \'soon\' %}<i class="bi bi-clock-fill" aria-hidden="true"></i> <span class="visually-hidden">{{ due_soon }}</span>{% endif %}\n            {{ case.next_due }}</span>\n          {% if case.stage %}<div class="small text-muted">{{ case.stage }}</div>{% endif %}\n        {% else %}<span class="text-muted">—</span>{% endif %}\n      </td>\n      <td><span class="badge text-bg-secondary status-{{ case.status }}">{{ case.status_label }}</span></td>\n      <td class="text-nowrap">{{ case.customer_name }}<div class="small text-muted font-monospace">{{ case.phone }}</div></td>\n      <td class="text-truncate summary-cell" title="{{ case.summary }}">{{ case.summary }}</td>\n      <td>{{ case.category }}<div class="small text-muted">{{ case.channel }}</div></td>\n      <td>{{ case.department }}</td>\n      <td class="text-nowrap small">{{ case.received_on }}<div class="text-muted">{{ case.received_time }}</div></td>\n    </tr>\n  {% endfor %}\n'


def _row(**changes):
    row = {
        "reference": "TS-2026-000123", "url": "/cases/TS-2026-000123/", "review": False, "regulator": False,
        "next_due": "2026-12-01", "state": "", "stage": "Decision", "status": "investigating",
        "status_label": "Investigating", "customer_name": "Zhang San", "phone": "138****0000",
        "summary": "Claim delayed", "category": "Claims", "channel": "Hotline", "department": "Claims dept",
        "received_on": "2026-11-20", "received_time": "09:30",
    }
    row.update(changes)
    return row


ROWS = [
    _row(),
    _row(state="overdue", review=True),
    _row(state="soon", regulator=True, stage=""),
    _row(next_due="", state="", stage=""),
    _row(review=True, regulator=True, state="overdue"),
    _row(summary='<script>alert("x")</script> & \'quoted\'', customer_name="A&B <c>", department="—",
         url="/cases/A%20B/", reference="R<1>"),
]


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_python_rows_equal_the_template_rows(language):
    template = engines["django"].from_string(REFERENCE_TEMPLATE)
    with translation.override(language):
        expected = template.render({"rows": ROWS})
        written = case_rows_html(ROWS)
    assert parse_html(written) == parse_html(expected)
    assert "<script>" not in written


def test_each_state_and_flag_combination_matches():
    template = engines["django"].from_string(REFERENCE_TEMPLATE)
    rows = [
        _row(state=state, review=review, regulator=regulator, next_due=due, stage=stage)
        for state, review, regulator, due, stage in itertools.product(
            ["", "overdue", "soon"], [False, True], [False, True], ["", "2026-12-01"], ["", "Decision"]
        )
    ]
    assert parse_html(case_rows_html(rows)) == parse_html(template.render({"rows": rows}))


def test_no_rows_write_nothing():
    assert case_rows_html([]) == ""
