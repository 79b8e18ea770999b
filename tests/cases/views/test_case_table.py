"""The case table of the queues, the all-cases list and the home page, as the user reads it:
the reference linking to the case, the badges, the due date and its state, the masked phone,
the summary escaped, in English and in Chinese."""
import datetime

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from cases.models import Complaint
from cases.models.case import Status
from cases.services import case_transition
from tests.html import attr, classes, element, elements, text

SCRIPT = '<script>alert("x")</script> & more'


@pytest.fixture
def sales_cases(make_case, users):
    """Cases of SALES due yesterday, tomorrow, in ten days and never; a review; a regulator referral."""
    today = timezone.localdate()
    cases = {}
    for name, due, extra in [
        ("overdue", today - datetime.timedelta(days=1), {"summary": SCRIPT}),
        ("soon", today + datetime.timedelta(days=1), {"channel": "regulator", "regulator_reference": "REG-1"}),
        ("later", today + datetime.timedelta(days=10), {}),
        ("undated", None, {}),
    ]:
        case = make_case(**extra)
        case_transition(actor=users["clerk"], reference=case.reference, action="assign", data={"department": "SALES"})
        # Set the due date directly: the deadline engine is tested elsewhere.
        Complaint.objects.filter(pk=case.pk).update(next_due=due, clock_start=today - datetime.timedelta(days=10),
                                                    round=2 if name == "later" else 1)
        cases[name] = Complaint.objects.get(pk=case.pk)
    return cases


def _row(page, case):
    link = element(page, "a", href=reverse("case_detail", args=[case.reference]))
    assert text(link) == case.reference
    return next(tr for tr in elements(page, "tr") if link in tr)


def _cells(row):
    return elements(row, "td")


def test_each_row_shows_the_due_date_and_its_state(login, sales_cases):
    page = login("inv_sales").get(reverse("department_queue")).content.decode()
    overdue, soon, later, undated = (_row(page, sales_cases[k]) for k in ("overdue", "soon", "later", "undated"))
    due = timezone.localdate() - datetime.timedelta(days=1)
    assert "table-danger" in classes(overdue)
    assert text(element(_cells(overdue)[1], "span", class_="due-overdue")) == f"Overdue {due.isoformat()}"
    assert text(element(overdue, "span", class_="visually-hidden")) == "Overdue"
    assert "table-warning" in classes(soon)
    assert text(element(soon, "span", class_="visually-hidden")) == "Due soon"
    assert not classes(later) & {"table-danger", "table-warning"}
    assert not elements(later, "span", class_="visually-hidden")
    assert (timezone.localdate() + datetime.timedelta(days=10)).isoformat() in text(_cells(later)[1])
    assert text(_cells(undated)[1]) == "—"


def test_each_row_shows_the_case_as_registered_with_the_phone_masked(login, sales_cases):
    page = login("inv_sales").get(reverse("department_queue")).content.decode()
    row = _row(page, sales_cases["overdue"])
    reference, due, status, customer, summary, category, department, received = _cells(row)
    assert text(element(status, "span", class_="status-assigned")) == "Assigned"
    assert text(customer) == "张三 138****5678"
    assert "13812345678" not in page
    assert text(summary) == SCRIPT and attr(summary, "title") == SCRIPT
    assert "<script>" not in page
    assert text(category) == "Service quality Hotline"
    assert text(department) == "销售部"
    assert text(received).startswith(timezone.localdate().isoformat())
    assert text(element(due, "div", class_="small")), "the nearest open stage is named"


def test_a_review_and_a_regulator_referral_carry_their_badges(login, sales_cases):
    page = login("inv_sales").get(reverse("department_queue")).content.decode()
    review = element(_row(page, sales_cases["later"]), "span", class_="text-bg-info")
    assert (text(review), attr(review, "title")) == ("Review", "Review after a dispute")
    regulator = element(_row(page, sales_cases["soon"]), "span", class_="text-bg-dark")
    assert attr(regulator, "title") == "Regulator referral" and elements(regulator, "i", class_="bi-bank")
    assert not elements(_row(page, sales_cases["undated"]), "span", class_="badge text-bg-info")


def test_the_table_speaks_chinese_to_a_chinese_reader(login, sales_cases):
    client = login("inv_sales")
    client.cookies["django_language"] = "zh-hans"
    # (override: the language the request activates is not left active for the next test)
    with translation.override("zh-hans"):
        page = client.get(reverse("department_queue")).content.decode()
        assigned, overdue, review = str(Status.ASSIGNED.label), translation.gettext("Overdue"), translation.gettext("Review")
        header = translation.gettext("Next due")
    assert assigned != "Assigned" and overdue != "Overdue"
    row = _row(page, sales_cases["overdue"])
    assert text(element(row, "span", class_="status-assigned")) == assigned
    assert text(element(row, "span", class_="visually-hidden")) == overdue
    assert text(element(_row(page, sales_cases["later"]), "span", class_="text-bg-info")) == review
    assert header in [text(th) for th in elements(page, "th")]


def test_the_home_page_lists_the_most_urgent_cases_in_the_same_table(login, sales_cases):
    page = login("inv_sales").get(reverse("home")).content.decode()
    assert "table-danger" in classes(_row(page, sales_cases["overdue"]))
    assert not elements(page, "a", href=reverse("case_detail", args=[sales_cases["undated"].reference]))
