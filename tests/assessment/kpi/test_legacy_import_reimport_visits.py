"""import_complaints re-import of a case's follow-up visit: changed in place, then removed,
with a history row for each step (both the PostgreSQL COPY path and the ORM path)."""
import datetime
import io

import pytest

from assessment.kpi.legacy_import import complaints_import
from assessment.models import FollowUpVisit
from cases.models import CaseDeadline, Complaint
from tests.assessment.kpi.legacy_csv import HEADER, legacy_setting  # noqa: F401 - the fixture

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("legacy_setting")]


def line(visit):
    return HEADER + f"L-9,2026-04-10T10:00:00,hotline,service,CS,,,2026-04-20T10:00:00,,,{visit},Li,13900000000,P-1,x\n"


def test_reimport_changes_the_visit_in_place_then_removes_it_with_history():
    # given a legacy case imported with a completed visit
    result = complaints_import(io.StringIO(line("2026-04-22T10:00:00,completed,5")))
    assert result.errors == [] and result.created == 1
    case = Complaint.objects.get(reference="L-9")
    first = FollowUpVisit.objects.get(case=case)

    # when the same line comes back with a refused visit
    result = complaints_import(io.StringIO(line("2026-04-23T10:00:00,refused,")))

    # then the same visit row is changed, and its history says so
    assert result.errors == [] and result.updated == 1
    visit = FollowUpVisit.objects.get(case=case)
    assert visit.pk == first.pk and visit.outcome == "refused" and visit.rating is None
    assert visit.visited_at.date() == datetime.date(2026, 4, 23)
    assert list(visit.history.order_by("history_id").values_list("history_type", flat=True)) == ["+", "~"]

    # when it comes back without a visit
    result = complaints_import(io.StringIO(line(",,")))

    # then the visit is gone, its removal recorded; the case kept one row and its deadlines
    assert result.errors == [] and result.updated == 1
    assert not FollowUpVisit.objects.filter(case=case).exists()
    removed = FollowUpVisit.history.filter(id=first.pk).order_by("history_id").last()
    assert removed.history_type == "-" and removed.outcome == "refused"
    assert Complaint.objects.filter(reference="L-9").count() == 1
    assert CaseDeadline.objects.filter(case=case).count() == 8
    case.refresh_from_db()
    assert case.customer_name == "Li" and case.version == 3
    assert list(case.history.values_list("history_type", flat=True).order_by("history_id")) == ["+", "~", "~"]
