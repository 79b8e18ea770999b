"""load_cn_calendar and import_calendar (SPEC §9)."""
from datetime import date

import pytest
from django.core.management import CommandError, call_command

from cases.models import CalendarDay, CalendarYear

pytestmark = pytest.mark.django_db


def test_load_cn_calendar_stores_only_exceptions_and_marks_the_years_covered(capsys):
    # when
    call_command("load_cn_calendar", "--years", "2025", "2026")
    # then
    out = capsys.readouterr().out
    assert set(CalendarYear.objects.values_list("year", flat=True)) == {2025, 2026}
    assert CalendarDay.objects.get(date=date(2025, 9, 28)).kind == "workday"
    assert CalendarDay.objects.get(date=date(2026, 2, 16)).kind == "holiday"
    assert CalendarDay.objects.get(date=date(2026, 2, 16)).source == "chinesecalendar"
    assert not CalendarDay.objects.filter(date=date(2025, 10, 4)).exists()  # a Saturday holiday is implicit
    assert "Cross-check" in out


def test_load_cn_calendar_twice_changes_nothing():
    call_command("load_cn_calendar", "--years", "2025")
    count = CalendarDay.objects.count()
    history = CalendarDay.history.count()
    call_command("load_cn_calendar", "--years", "2025")
    assert CalendarDay.objects.count() == count
    assert CalendarDay.history.count() == history


def test_load_cn_calendar_without_years_loads_every_covered_year():
    call_command("load_cn_calendar")
    years = set(CalendarYear.objects.values_list("year", flat=True))
    assert {2004, 2025, 2026} <= years


def test_load_cn_calendar_refuses_an_uncovered_year_naming_it():
    with pytest.raises(CommandError, match="2031"):
        call_command("load_cn_calendar", "--years", "2025", "2031")
    assert not CalendarYear.objects.exists()


def write(tmp_path, text):
    path = tmp_path / "cal.csv"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_import_calendar_reports_bad_rows_by_line_and_imports_the_rest(tmp_path, capsys):
    # given
    path = write(tmp_path, "date,kind,name\n2027-01-01,holiday,元旦\n2027-13-01,holiday,bad\n"
                           "2027-02-06,workday,春节\n2027-02-08,vacation,bad kind\n")
    # when
    with pytest.raises(CommandError, match="2 row"):
        call_command("import_calendar", path)
    # then
    err = capsys.readouterr().err
    assert "line 3" in err and "2027-13-01" in err
    assert "line 5" in err and "vacation" in err
    assert CalendarDay.objects.get(date=date(2027, 1, 1)).name == "元旦"
    assert CalendarDay.objects.get(date=date(2027, 2, 6)).kind == "workday"
    assert CalendarYear.objects.filter(year=2027).exists()


def test_import_calendar_reimport_updates_a_date_and_covers_each_year_in_the_file(tmp_path):
    call_command("import_calendar", write(tmp_path, "date,kind,name\n2027-10-01,holiday,国庆节\n2028-01-03,holiday,元旦\n"))
    call_command("import_calendar", write(tmp_path, "date,kind,name\n2027-10-01,workday,调休\n"))
    row = CalendarDay.objects.get(date=date(2027, 10, 1))
    assert (row.kind, row.name, row.source) == ("workday", "调休", "import")
    assert CalendarDay.objects.count() == 2
    assert set(CalendarYear.objects.values_list("year", flat=True)) == {2027, 2028}


def test_import_calendar_with_a_wrong_header_fails_clearly(tmp_path):
    with pytest.raises(CommandError, match="date,kind,name"):
        call_command("import_calendar", write(tmp_path, "day,type\n2027-01-01,holiday\n"))


def test_import_calendar_missing_file_fails_clearly(tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_calendar", str(tmp_path / "nope.csv"))
