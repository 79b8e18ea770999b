"""What every page reads about its user (an Access): roles, department memberships, the case
teams they sit on and the unread-notification count, in one statement, once per request."""
import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases.models import Notification, TeamMember
from cases.notifications import mark_read, notify
from complaints_portal.common import roles
from complaints_portal.common.roles import Access
from tests.factories import cases as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def head(calendar):
    """The head of SALES, also on the review team of a CS case, with two unread notifications."""
    user = f.head("SALES")
    f.investigator("CS")
    review = f.ComplaintFactory(state="assigned", department="CS")
    TeamMember.objects.create(case=review, user=user, role=TeamMember.Role.MEMBER, named_by=f.senior(),
                              named_at=timezone.now())
    notify(user, "test", "one", dedupe_key="one")
    notify(user, "test", "two", dedupe_key="two")
    read, _ = notify(user, "test", "read", dedupe_key="three")
    mark_read(user, [read.pk])
    notify(f.clerk(), "test", "someone else's", dedupe_key="four")
    user.refresh_from_db()  # a fresh user object, as each request has
    return user, review


def test_roles_memberships_teams_and_unread_count_come_from_one_query(head, django_assert_num_queries):
    user, review = head
    sales = user.memberships.get().department_id
    with django_assert_num_queries(1):
        access = Access.load(user)
    with django_assert_num_queries(0):
        assert access.roles == {roles.DEPARTMENT_HEAD}
        assert access.memberships == ((sales, "head"),)
        assert access.departments("head") == {sales} and access.departments("investigator") == set()
        assert access.team_case_ids == (review.pk,) and access.on_team(review)
        assert access.unread == 2
        assert Access.of(access) is access


def test_a_user_with_nothing_reads_empty_values_and_anonymous_users_read_nothing(calendar, django_assert_num_queries):
    clerk = f.clerk()
    with django_assert_num_queries(1):
        access = Access.load(clerk)
    assert (access.roles, access.memberships, access.teams, access.unread) == ({roles.INTAKE_CLERK}, (), (), 0)
    with django_assert_num_queries(0):
        anonymous = Access.load(AnonymousUser())
    assert (anonymous.roles, anonymous.team_case_ids, anonymous.unread) == (frozenset(), (), 0)


def test_a_team_of_an_earlier_round_does_not_make_a_member_of_the_review(head):
    user, review = head
    review.round = 2
    assert review.pk in Access.load(user).team_case_ids
    assert not Access.load(user).on_team(review)


def test_an_access_is_a_value_a_change_shows_in_the_next_one(head):
    user, _ = head
    access = Access.load(user)
    mark_read(user)
    assert access.unread == 2
    assert Access.load(user).unread == 0
    assert Notification.objects.filter(recipient=user, read_at__isnull=True).count() == 0


def test_a_page_reads_the_access_once_however_many_checks_it_makes(head):
    user, _ = head
    client = Client()
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("department_queue")).status_code == 200
    # the access query: the user's groups, memberships, teams and unread count in one UNION ALL
    assert sum('"auth_user_groups"' in q["sql"] for q in queries.captured_queries) == 1


def test_the_bell_and_the_department_queue_use_what_the_query_read(head):
    user, review = head
    client = Client()
    client.force_login(user)
    response = client.get(reverse("department_queue"))
    assert response.status_code == 200
    assert response.context["unread_notifications"] == 2
    # the review the head sits on is in the queue although it belongs to another department
    assert review.reference in {row["reference"] for row in response.context["rows"]}
    # a new notification shows on the next request
    notify(user, "test", "three", dedupe_key="five")
    assert client.get(reverse("department_queue")).context["unread_notifications"] == 3
