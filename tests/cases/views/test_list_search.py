"""SPEC §1: a search by phone, ID number or name never travels in a URL. The list's filter
form is POSTed and kept server-side under a short key (cases.searches); pagination and the
exports carry the key; ?q= in a URL searches nothing."""
import pytest
from django.urls import reverse

from cases.models import Complaint
from cases.services import case_transition

PHONE = "13911112222"


@pytest.fixture
def cases(make_case, users):
    wanted = make_case(summary="Wanted", customer_phone=PHONE)
    other = make_case(summary="Other", customer_phone="13700000000")
    case_transition(actor=users["clerk"], reference=other.reference, action="assign", data={"department": "CS"})
    return Complaint.objects.get(pk=wanted.pk), other


@pytest.mark.parametrize("url_name", ["case_list", "intake_queue"])
def test_a_search_is_posted_and_the_list_shown_under_a_key_without_the_number(login, cases, url_name):
    wanted, other = cases
    client = login("clerk")
    response = client.post(reverse(url_name), {"q": PHONE})
    assert response.status_code == 302
    location = response["Location"]
    assert PHONE not in location and "?s=" in location
    page = client.get(location)
    body = page.content.decode()
    assert wanted.reference in body and other.reference not in body
    # The links of the page (language form's next, exports, pages) carry the key, never the number.
    assert PHONE not in body.replace(f'value="{PHONE}"', "")


def test_a_search_in_the_query_string_finds_nothing(login, cases):
    wanted, other = cases
    body = login("clerk").get(reverse("case_list"), {"q": PHONE}).content.decode()
    assert wanted.reference in body and other.reference in body  # unfiltered


def test_the_key_means_nothing_in_another_session(login, client, users, cases):
    wanted, other = cases
    location = login("clerk").post(reverse("case_list"), {"q": PHONE})["Location"]
    client.logout()
    client.force_login(users["supervisor"])
    body = client.get(location).content.decode()
    assert wanted.reference in body and other.reference in body  # unfiltered: not this session's key


def test_the_export_follows_the_stored_search_and_does_not_write_the_number(login, cases):
    wanted, other = cases
    client = login("clerk")
    key_url = client.post(reverse("case_list"), {"q": PHONE})["Location"]
    query = key_url.split("?", 1)[1]
    response = client.get(f"{reverse('case_list_export', args=['csv'])}?{query}")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert wanted.reference in text and other.reference not in text
    assert PHONE not in text and "Filters,Search" in text  # the search is named, not written


def test_pagination_keeps_the_stored_search(login, make_case):
    for _ in range(27):
        make_case(summary="Many", customer_phone=PHONE)
    make_case(summary="Odd one", customer_phone="13700000000")
    client = login("clerk")
    location = client.post(reverse("case_list"), {"q": PHONE})["Location"]
    first = client.get(location)
    assert first.context["page"].paginator.count == 27
    second = client.get(location + "&page=2")
    assert second.context["page"].number == 2 and second.context["page"].paginator.count == 27


@pytest.mark.parametrize("term", ["2222", "+86 139-1111-2222"])
def test_the_last_four_digits_or_a_formatted_number_find_the_case(login, cases, term):
    wanted, other = cases
    client = login("clerk")
    body = client.get(client.post(reverse("case_list"), {"q": term})["Location"]).content.decode()
    assert wanted.reference in body and other.reference not in body


def test_pages_send_a_referrer_policy(login, cases):
    response = login("clerk").get(reverse("case_list"))
    assert response["Referrer-Policy"] == "same-origin"
