"""Data integrity (issue 10): the database refuses what must never happen, and
`manage.py check_consistency` reports what the constraints cannot express.

The constraint tests write through `queryset.update()` on purpose: it bypasses the services
and the model, so only the database stands in the way. They run on SQLite and (in CI) on
PostgreSQL; both enforce CHECK constraints.
"""
import datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from cases.consistency import consistency_scan
from cases.models import CaseDeadline, Complaint
from tests.factories import cases as f

pytestmark = pytest.mark.django_db


def refused(case, **values):
    with pytest.raises(IntegrityError), transaction.atomic():
        Complaint.objects.filter(pk=case.pk).update(**values)


# -- constraints -------------------------------------------------------------------------------

def test_status_outside_the_table_is_refused(calendar):
    case = f.ComplaintFactory()
    refused(case, status="lost")
    refused(case, status="")


def test_closed_case_without_decision_withdrawal_or_merge_is_refused(calendar):
    case = f.ComplaintFactory(investigating=True)
    refused(case, status="closed", closed_at=timezone.now())
    # with a withdrawal it is allowed
    Complaint.objects.filter(pk=case.pk).update(status="closed", closed_at=timezone.now(), withdrawn_at=timezone.now())


def test_due_date_before_receipt_is_refused(calendar):
    case = f.ComplaintFactory()
    refused(case, next_due=case.clock_start - datetime.timedelta(days=1))
    Complaint.objects.filter(pk=case.pk).update(next_due=case.clock_start)


def test_the_services_never_trip_the_constraints(calendar):
    for state in f.STATES:
        assert f.ComplaintFactory(state=state).status == state


# -- the consistency scan ----------------------------------------------------------------------

def codes(violations):
    return {(v.reference, v.code) for v in violations}


def test_cases_made_through_the_services_are_consistent(calendar):
    for state in f.STATES:
        f.ComplaintFactory(state=state)
    f.review_case()
    assert consistency_scan() == []


def test_planted_violations_are_each_reported_with_the_reference(calendar):
    # given one clean case and one broken case per invariant
    clean = f.ComplaintFactory(investigating=True)
    no_report_date = f.ComplaintFactory(reported=True)
    Complaint.objects.filter(pk=no_report_date.pk).update(reported_at=None)
    closed_open = f.ComplaintFactory(assigned=True)
    Complaint.objects.filter(pk=closed_open.pk).update(closed_at=timezone.now())
    untracked = f.ComplaintFactory(investigating=True)
    CaseDeadline.objects.filter(case=untracked).update(stopped_at=timezone.now())
    early = f.ComplaintFactory(acknowledged=True)
    CaseDeadline.objects.filter(case=early, stage="overall").update(due_on=early.clock_start - datetime.timedelta(days=3))
    review = f.ComplaintFactory(assigned=True)
    Complaint.objects.filter(pk=review.pk).update(round=2)
    master = f.ComplaintFactory(assigned=True)
    middle = f.ComplaintFactory(closed=True)
    dup = f.ComplaintFactory(closed=True)
    Complaint.objects.filter(pk=middle.pk).update(merged_into=master, outcome="merged")
    Complaint.objects.filter(pk=dup.pk).update(merged_into=middle, outcome="merged")
    no_dept = f.ComplaintFactory(investigating=True)
    Complaint.objects.filter(pk=no_dept.pk).update(department=None)
    withdrawn = f.ComplaintFactory(responded=True)
    Complaint.objects.filter(pk=withdrawn.pk).update(outcome="withdrawn")
    # when
    found = codes(consistency_scan())
    # then
    assert found == {
        (no_report_date.reference, "status_timestamp_missing"),
        (closed_open.reference, "open_case_has_closure_date"),
        (untracked.reference, "open_case_without_open_deadline"),
        (early.reference, "deadline_before_clock_start"),
        (review.reference, "review_without_dispute"),
        (dup.reference, "merged_into_merged_case"),
        (no_dept.reference, "department_missing"),
        (withdrawn.reference, "outcome_without_its_record"),
    }
    assert clean.reference not in {ref for ref, _ in found}


def test_command_prints_each_violation_and_exits_non_zero(calendar):
    case = f.ComplaintFactory(assigned=True)
    Complaint.objects.filter(pk=case.pk).update(round=2)
    out = StringIO()
    with translation.override("en"), pytest.raises(CommandError, match="1 inconsistencies"):
        call_command("check_consistency", stdout=out)
    assert f"{case.reference} review_without_dispute: round 2 without disputed_at" in out.getvalue()


def test_command_finds_nothing_on_the_demo_data(db):
    call_command("load_demo", stdout=StringIO())
    out = StringIO()
    with translation.override("en"):
        call_command("check_consistency", stdout=out)  # raises CommandError on any violation
    assert "No inconsistencies found." in out.getvalue()
