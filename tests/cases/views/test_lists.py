"""Queues and the all-cases list: visibility, filters, order, flags, masking, query counts."""
import datetime

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from cases.models import Complaint
from cases.services import case_transition
from tests.html import attr, element, elements


def _assign(users, case, department):
    case_transition(actor=users["clerk"], reference=case.reference, action="assign", data={"department": department})
    return Complaint.objects.get(pk=case.pk)


@pytest.fixture
def two_departments(make_case, users):
    sales = _assign(users, make_case(summary="Sales case", customer_name="王五"), "SALES")
    cs = _assign(users, make_case(summary="CS case", customer_phone="13700000000"), "CS")
    return sales, cs


def test_department_queue_shows_only_own_department(login, two_departments):
    sales, cs = two_departments
    page = login("inv_sales").get(reverse("department_queue")).content.decode()
    assert sales.reference in page and cs.reference not in page


def test_all_cases_list_is_limited_for_department_staff_and_complete_for_the_supervisor(login, two_departments):
    sales, cs = two_departments
    head_page = login("head_cs").get(reverse("case_list")).content.decode()
    assert cs.reference in head_page and sales.reference not in head_page
    supervisor_page = login("supervisor").get(reverse("case_list")).content.decode()
    assert cs.reference in supervisor_page and sales.reference in supervisor_page


def test_lists_mask_the_phone(login, two_departments):
    for url, user in [("case_list", "supervisor"), ("department_queue", "inv_sales"), ("home", "head_sales")]:
        page = login(user).get(reverse(url)).content.decode()
        assert "13812345678" not in page, url
    page = login("clerk").get(reverse("intake_queue")).content.decode()
    assert "138****5678" in page or "137****0000" in page
    assert "13812345678" not in page and "13700000000" not in page


def test_search_and_filters(login, two_departments):
    sales, cs = two_departments
    client = login("supervisor")
    by_name = client.post(reverse("case_list"), {"q": "王五"}, follow=True).content.decode()
    assert sales.reference in by_name and cs.reference not in by_name
    by_phone = client.post(reverse("case_list"), {"q": "13700000000"}, follow=True).content.decode()
    assert cs.reference in by_phone and sales.reference not in by_phone
    by_department = client.get(reverse("case_list"), {"department": "CS"}).content.decode()
    assert cs.reference in by_department and sales.reference not in by_department
    by_status = client.get(reverse("case_list"), {"status": "received"}).content.decode()
    assert cs.reference not in by_status


def test_the_filter_form_speaks_the_reader_s_language_and_keeps_the_chosen_filters(login, two_departments):
    # The unfiltered form's fields are rendered once per language (cases.listing.filter_fields).
    client = login("inv_sales")
    english = client.get(reverse("department_queue")).content.decode()
    client.cookies["django_language"] = "zh-hans"
    with translation.override("zh-hans"):
        chinese = client.get(reverse("department_queue")).content.decode()
        all_statuses = translation.gettext("All statuses")
    del client.cookies["django_language"]
    assert "All statuses" in english and all_statuses in chinese and all_statuses != "All statuses"
    filtered = client.get(reverse("department_queue"), {"status": "assigned", "overdue": "on"}).content.decode()
    again = client.get(reverse("department_queue")).content.decode()
    for page, status, checked in ((english, "", 0), (filtered, "assigned", 1), (again, "", 0)):
        form = element(page, "form", role="search")
        # status, category, channel: the chosen option or "all"
        assert [attr(o, "value") for o in elements(form, "option", selected=True)] == [status, "", ""]
        assert len(elements(form, "input", name="overdue", checked=True)) == checked


def test_queue_sorts_by_nearest_due_date_and_flags_overdue(login, two_departments, make_case, users):
    sales, _ = two_departments
    late = _assign(users, make_case(summary="Late one"), "SALES")
    today = timezone.localdate()
    # Bring the due date forward directly: the deadline engine is tested elsewhere.
    Complaint.objects.filter(pk=late.pk).update(next_due=today - datetime.timedelta(days=1), clock_start=today - datetime.timedelta(days=10))
    client = login("inv_sales")
    page = client.get(reverse("department_queue")).content.decode()
    assert page.index(late.reference) < page.index(sales.reference)
    assert "table-danger" in page
    overdue_only = client.get(reverse("department_queue"), {"overdue": "on"}).content.decode()
    assert late.reference in overdue_only and sales.reference not in overdue_only


def test_queue_paginates(login, make_case):
    for i in range(30):
        make_case(summary=f"Case {i}")
    client = login("clerk")
    first = client.get(reverse("intake_queue"))
    assert first.context["page"].paginator.count == 30
    assert len(first.context["page"].object_list) == 25
    second = client.get(reverse("intake_queue"), {"page": 2})
    assert len(second.context["page"].object_list) == 5


# The clerk's and the supervisor's queues have the bulk bar: its department choices are one
# query more, whatever the number of rows.
@pytest.mark.parametrize("url,user,budget", [("department_queue", "inv_sales", 7), ("case_list", "supervisor", 8),
                                             ("intake_queue", "clerk", 8), ("home", "head_sales", 7)])
def test_queue_pages_do_not_grow_queries_with_rows(login, make_case, users, url, user, budget,
                                                   django_assert_max_num_queries):
    for i in range(25):
        case = make_case(summary=f"Case {i}")
        if i % 2:
            _assign(users, case, "SALES")
    client = login(user)
    # A bound that does not depend on the number of rows: the budget, plus the user's saved
    # filters (on the all-cases list). The open deadlines and pauses of the page's cases are one.
    with django_assert_max_num_queries(budget + 1):
        response = client.get(reverse(url))
    assert response.status_code == 200


def test_home_counts_my_queue(login, two_departments):
    response = login("inv_sales").get(reverse("home"))
    assert response.context["panels"][0]["counts"]["total"] == 1


def test_each_row_names_the_case_s_nearest_open_stage(login, make_case, users):
    from cases.models import CaseDeadline
    from cases.templatetags.case_tags import stage_label

    cases = [make_case(summary=f"Case {i}") for i in range(3)]
    cases[1] = _assign(users, cases[1], "SALES")
    # the nearest deadline of the third case is met and its next one stopped: neither is named
    first, second = CaseDeadline.objects.filter(case=cases[2]).order_by("due_on", "id")[:2]
    CaseDeadline.objects.filter(pk=first.pk).update(met_at=timezone.now())
    CaseDeadline.objects.filter(pk=second.pk).update(stopped_at=timezone.now())
    rows = {row["reference"]: row for row in login("supervisor").get(reverse("case_list")).context["rows"]}
    for case in cases:
        nearest = (CaseDeadline.objects.filter(case=case, met_at__isnull=True, stopped_at__isnull=True)
                   .order_by("due_on", "id").first())
        assert rows[case.reference]["stage"] == (stage_label(nearest.stage) if nearest else "")
    assert rows[cases[2].reference]["stage"] not in ("", stage_label(first.stage), stage_label(second.stage))
