"""The follow-up queue at real sizes (issue 20.6): a page at a time, due visits apart from overdue
ones, each sorted by its due date, and a labelled form per row."""
import datetime

import pytest
from django.test import Client
from django.utils import timezone

from cases.models import CalendarYear
from tests.assessment.kpi.test_services import make_user
from tests.factories.assessment import ComplaintFactory, DepartmentFactory, local_dt

pytestmark = pytest.mark.django_db


@pytest.fixture
def queue():
    """22 visits still due (decisions of the last days) and 3 overdue ones (decisions of April)."""
    today = timezone.localdate()
    for year in (today.year - 1, today.year, today.year + 1):
        CalendarYear.objects.get_or_create(year=year)
    sales = DepartmentFactory(code="SALES", name="Sales")
    for i in range(22):
        ComplaintFactory(department=sales, notified=local_dt(today - datetime.timedelta(days=i % 3), hour=9 + i % 8))
    for day in ("2026-04-01", "2026-04-10", "2026-04-20"):
        ComplaintFactory(department=sales, notified=local_dt(day))
    client = Client()
    client.force_login(make_user("clerk", "intake_clerk"))
    return client


def test_due_visits_come_a_page_at_a_time_nearest_first_without_the_overdue(queue):
    today = timezone.localdate()
    first = queue.get("/assessment/followups/")
    dues = [i["due"] for i in first.context["items"]]
    assert len(dues) == 20 and all(d >= today for d in dues)
    assert dues == sorted(dues)
    assert (first.context["due_count"], first.context["overdue_count"]) == (22, 3)
    second = queue.get("/assessment/followups/?page=2")
    assert len(second.context["items"]) == 2 and second.context["items"][0]["due"] >= dues[-1]


def test_overdue_visits_are_listed_apart_most_recently_overdue_first(queue):
    response = queue.get("/assessment/followups/?show=overdue")
    dues = [str(i["due"]) for i in response.context["items"]]
    assert dues == sorted(dues, reverse=True) and len(dues) == 3
    assert all(d < str(timezone.localdate()) for d in dues)


def test_each_row_has_labelled_outcome_rating_and_attempt_fields(queue):
    html = queue.get("/assessment/followups/").content.decode()
    item = queue.get("/assessment/followups/").context["items"][0]
    pk = item["case"].pk
    for field in ("result", "note", "outcome", "comment"):
        assert f'<label class="form-label" for="fu-{pk}-{field}">' in html
    assert "5 – very satisfied" in html and "1 – very dissatisfied" in html
    assert f'id="fu-{pk}-rating_0"' in html
    assert html.count(f'id="fu-{pk}-outcome"') == 1  # ids are per row


def test_saving_from_the_second_page_returns_to_it(queue):
    item = queue.get("/assessment/followups/?page=2").context["items"][0]
    response = queue.post(f"/assessment/followups/{item['case'].reference}/attempt/",
                          {"result": "no_answer", "channel": "phone"},
                          HTTP_REFERER="http://testserver/assessment/followups/?page=2")
    assert response["Location"] == "/assessment/followups/?page=2"
