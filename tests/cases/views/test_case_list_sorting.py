"""The all-cases list (issue 20.7): newest first by default, sortable by whitelisted columns,
chips for the filters applied, and filters saved per user."""
import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import Complaint, SavedFilter


@pytest.fixture
def three_cases(make_case, users):
    """Three cases received on three days, the oldest first."""
    cases = []
    for days, name in ((30, "Old"), (10, "Middle"), (1, "New")):
        case = make_case(summary=name, received_at=timezone.now() - datetime.timedelta(days=days))
        cases.append(case)
    return cases


def references(response):
    return [row["reference"] for row in response.context["rows"]]


def test_all_cases_list_shows_the_newest_first(login, three_cases):
    response = login("supervisor").get(reverse("case_list"))
    assert references(response) == [c.reference for c in reversed(three_cases)]
    assert 'aria-sort="descending"' in response.content.decode()


def test_columns_sort_both_ways(login, three_cases):
    client = login("supervisor")
    oldest_first = client.get(reverse("case_list"), {"sort": "received"})
    assert references(oldest_first) == [c.reference for c in three_cases]
    by_reference = client.get(reverse("case_list"), {"sort": "-reference"})
    assert references(by_reference) == sorted(references(by_reference), reverse=True)
    # the header link of the current column turns the order round
    assert 'href="?sort=-received"' in oldest_first.content.decode()


def test_an_unknown_sort_key_is_ignored(login, three_cases):
    response = login("supervisor").get(reverse("case_list"), {"sort": "customer_phone"})
    assert response.status_code == 200
    assert references(response) == [c.reference for c in reversed(three_cases)]


def test_queues_keep_the_nearest_due_date_first(login, three_cases):
    response = login("clerk").get(reverse("intake_queue"))
    dues = [row["next_due"] for row in response.context["rows"]]
    assert dues == sorted(dues)


def test_applied_filters_show_as_chips_with_a_remove_link(login, three_cases):
    response = login("supervisor").get(reverse("case_list"), {"status": "received", "overdue": "on"})
    html = response.content.decode()
    chips = response.context["chips"]
    assert [(str(label), str(value)) for label, value, _url in chips] == [("Status", "Received"), ("Overdue", "")]
    assert chips[0][2] == "?overdue=on"
    assert 'class="badge rounded-pill text-bg-light border filter-chip">Status: <strong>Received</strong>' in html


def test_saved_filters_belong_to_their_user(login, three_cases, users):
    # given the supervisor saves "status received, oldest first" with a search typed in
    client = login("supervisor")
    response = client.post(reverse("saved_filter_create") + "?status=received&sort=received&q=13812345678",
                           {"name": "Received"})
    saved = SavedFilter.objects.get()
    # then: the list opens with them; the search text (maybe a phone number) is not kept
    assert saved.query == "status=received&sort=received"
    assert response["Location"] == reverse("case_list") + "?status=received&sort=received"
    assert "Received" in client.get(reverse("case_list")).content.decode().split('id="saved-filters"')[1]
    # and another user neither sees nor deletes it
    other = login("senior")
    assert 'id="saved-filters"' not in other.get(reverse("case_list")).content.decode()
    assert other.post(reverse("saved_filter_remove", args=[saved.pk])).status_code == 404
    assert SavedFilter.objects.count() == 1
    # the owner deletes it
    client = login("supervisor")
    assert client.post(reverse("saved_filter_remove", args=[saved.pk])).status_code == 302
    assert not SavedFilter.objects.exists()
    assert Complaint.objects.count() == 3
