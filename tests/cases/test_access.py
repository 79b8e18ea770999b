"""What every page reads about its user: roles, department memberships, review teams and the
unread-notification count, in one statement, fresh on every request."""
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cases.models import Notification, TeamMember
from cases.notifications import mark_read, notify
from complaints_portal.common import roles
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


def test_roles_memberships_review_teams_and_unread_count_come_from_one_query(head, django_assert_num_queries):
    user, review = head
    sales = user.memberships.get().department_id
    with django_assert_num_queries(1):
        assert roles.user_roles(user) == {roles.DEPARTMENT_HEAD}
        assert roles.user_memberships(user) == ((sales, "head"),)
        assert list(roles.user_review_case_ids(user)) == [review.pk]
        assert roles.unread_notification_count(user) == 2


def test_a_user_with_nothing_reads_empty_values_and_anonymous_users_read_nothing(calendar, django_assert_num_queries):
    user = f.clerk()
    with django_assert_num_queries(1):
        assert roles.user_roles(user) == {roles.INTAKE_CLERK}
        assert roles.user_memberships(user) == ()
        assert roles.user_review_case_ids(user) == ()
        assert roles.unread_notification_count(user) == 0
    from django.contrib.auth.models import AnonymousUser

    with django_assert_num_queries(0):
        assert roles.unread_notification_count(AnonymousUser()) == 0
        assert roles.user_review_case_ids(AnonymousUser()) == ()


def test_marking_notifications_read_is_seen_by_the_same_request(head):
    user, _ = head
    assert roles.unread_notification_count(user) == 2
    mark_read(user)
    assert roles.unread_notification_count(user) == 0
    assert Notification.objects.filter(recipient=user, read_at__isnull=True).count() == 0


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
