from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from assessment.models import PolicyVolume, Target
from assessment.supervision.models import MonthlyReport
from cases.models import CaseEvent, Complaint, Department
from cases.models.case import Status

pytestmark = pytest.mark.django_db


def counts():
    return (Complaint.objects.count(), CaseEvent.objects.count(), get_user_model().objects.count(),
            PolicyVolume.objects.count(), Target.objects.count(), Department.objects.count(),
            MonthlyReport.objects.count())


def test_load_demo_creates_the_spec_users_departments_and_cases_in_every_state():
    call_command("load_demo", stdout=StringIO())
    usernames = set(get_user_model().objects.values_list("username", flat=True))
    assert {"admin", "clerk", "supervisor", "senior"} <= usernames
    for code in ("sales", "cs", "claims"):
        assert {f"inv_{code}", f"head_{code}"} <= usernames
    assert set(Department.objects.values_list("code", flat=True)) == {"SALES", "CS", "CLAIMS"}
    portal_states = set(Complaint.objects.filter(is_legacy=False).values_list("status", flat=True))
    assert portal_states == {s.value for s in Status}
    assert Complaint.objects.filter(is_legacy=False, round=2).exists()
    assert Complaint.objects.filter(is_legacy=True).count() > 100
    # A group complaint marked major, its emergency report open.
    major = Complaint.objects.get(is_legacy=False, major_reason="in_person")
    assert major.complainant_count == 26 and len(major.representatives) == 2
    assert major.deadlines.filter(stage="emergency_report", met_at__isnull=True).exists()
    # Last month's department reports, as the beat job would have stored them.
    assert MonthlyReport.objects.count() == 3


def test_running_load_demo_twice_changes_nothing():
    call_command("load_demo", stdout=StringIO())
    before = counts()
    call_command("load_demo", stdout=StringIO())
    assert counts() == before


def test_demo_history_gives_the_previous_quarter_real_figures():
    from assessment.kpi.periods import previous_quarter

    call_command("load_demo", stdout=StringIO())
    out = StringIO()
    call_command("kpi_report", previous_quarter().code, stdout=out)
    rows = {line.split(",")[0]: line.split(",") for line in out.getvalue().splitlines()[1:]}
    assert int(rows["ALL"][1]) > 20 and rows["ALL"][3] != "" and rows["ALL"][7] != ""


def test_the_demo_covers_the_years_after_the_last_notice_up_to_next_year_with_the_plain_week():
    from datetime import date

    from cases.demo import PROVISIONAL_SOURCE, ensure_demo_calendar
    from cases.management.commands.load_cn_calendar import cn_years
    from cases.models import CalendarDay, CalendarYear

    last = max(cn_years())
    # the year before the last one with a notice needs nothing beyond the notices
    assert ensure_demo_calendar(date(last - 1, 12, 6)) == []
    # in the last one, deadlines reach into the next year: covered, without any exception day
    assert ensure_demo_calendar(date(last, 12, 6)) == [last + 1]
    assert CalendarYear.objects.get(year=last + 1).source == PROVISIONAL_SOURCE
    assert not CalendarDay.objects.filter(date__year=last + 1).exists()
    # running it again changes nothing; a year already covered (an imported notice) is kept
    assert ensure_demo_calendar(date(last, 12, 6)) == []
    CalendarYear.objects.create(year=last + 3, source="import_calendar")
    assert ensure_demo_calendar(date(last + 2, 12, 1)) == [last + 2]
    assert CalendarYear.objects.get(year=last + 3).source == "import_calendar"


def test_the_demo_cases_have_varied_labelled_texts_the_triage_suggestions_learn_from():
    from cases.triage.models import TriageModel

    call_command("load_demo", stdout=StringIO())
    legacy = Complaint.objects.filter(is_legacy=True)
    summaries = list(legacy.values_list("summary", flat=True))
    assert len(set(summaries)) > 0.95 * len(summaries)  # generated, not a handful of phrases
    assert legacy.exclude(dispute_type="").count() == legacy.count()
    samples = Complaint.objects.filter(is_legacy=False)
    assert len(set(samples.values_list("description", flat=True))) == samples.count()
    # the closed demo cases are enough to train on
    call_command("triage_train", stdout=StringIO())
    assert set(TriageModel.objects.get().metrics) == {"category", "dispute_type", "department"}
