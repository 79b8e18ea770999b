"""Without DATABASE_REPLICA_URL the router changes nothing: every read and write on the
default database, as if there were no router."""
import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext

from cases.models import Complaint
from complaints_portal.db_router import PrimaryReplicaRouter, read_alias, replica_reads

router = PrimaryReplicaRouter()


def test_without_a_replica_the_router_leaves_every_decision_to_django(settings):
    assert "replica" not in settings.DATABASES
    with replica_reads():
        assert router.db_for_read(Complaint) is None
        assert read_alias() == "default"
    assert router.db_for_write(Complaint) is None
    assert router.allow_migrate("default", "cases") is None


@pytest.mark.django_db
def test_without_a_replica_marked_reads_run_on_the_default_database():
    with CaptureQueriesContext(connections["default"]) as queries, replica_reads():
        assert Complaint.objects.count() == 0
    assert len(queries) == 1


@pytest.mark.django_db
def test_without_a_replica_a_write_sets_no_pin_cookie(client):
    from django.urls import reverse

    from complaints_portal.db_router import PIN_COOKIE

    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert PIN_COOKIE not in response.cookies
