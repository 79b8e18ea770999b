"""Concurrent intakes (cases.services.intake): the reference is drawn before the case's
transaction, so one registration never waits for another's inserts. Real concurrent
transactions: PostgreSQL."""
import threading
from unittest import mock

import pytest
from django.db import connection

from cases.models import Complaint
from cases.services import case_create
from cases.services import intake as intake_service
from tests.factories.cases import calendar_seed, clerk, local_dt

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

INTAKE = {"channel": "hotline", "category": "service", "summary": "Late claim", "description": "Six weeks.",
          "customer_name": "李四", "customer_phone": "13812345678", "received_at": local_dt("2026-11-02", 9)}


def test_a_registration_is_not_blocked_by_another_one_still_writing_its_case():
    # given: a first registration stopped inside its transaction, after drawing its reference
    calendar_seed()
    actor = clerk()
    case_create(actor=actor, data=INTAKE)  # the year's counter row exists
    inside, release = threading.Event(), threading.Event()
    real_event_record = intake_service.event_record
    outcome = {}

    def held_event_record(*args, **kwargs):
        inside.set()
        release.wait(timeout=20)
        return real_event_record(*args, **kwargs)

    def first():
        try:
            outcome["first"] = case_create(actor=actor, data={**INTAKE, "summary": "First"}).reference
        finally:
            connection.close()

    with mock.patch.object(intake_service, "event_record", held_event_record):
        thread = threading.Thread(target=first)
        thread.start()
        assert inside.wait(timeout=20)
        # when: a second registration runs meanwhile (a lock wait fails after 2 s instead of hanging)
        with mock.patch.object(intake_service, "event_record", real_event_record):
            with connection.cursor() as cursor:
                cursor.execute("SET lock_timeout = '2s'")
            second = case_create(actor=actor, data={**INTAKE, "summary": "Second"}).reference
        release.set()
        thread.join(timeout=30)
    # then: both are saved, with different references, the second drawn after the first
    assert not thread.is_alive()
    assert int(second[-6:]) == int(outcome["first"][-6:]) + 1
    assert set(Complaint.objects.values_list("summary", flat=True)) == {"Late claim", "First", "Second"}
