"""import_complaints on PostgreSQL: the COPY text written by hand, and several writer threads
with connections of their own (outside a transaction) giving the result one writer gives."""
import datetime
import io
import threading
import zoneinfo

import pytest
from django.db import IntegrityError, connection, transaction

from assessment.kpi import legacy_copy, legacy_import, legacy_rows
from assessment.kpi.import_pipeline import WriterThread
from assessment.kpi.imports import read_rows
from assessment.kpi.legacy_import import complaints_import
from assessment.kpi.legacy_rows import copy_field
from assessment.models import FollowUpVisit
from cases.models import CaseDeadline, Complaint
from tests.assessment.kpi.legacy_csv import HEADER, legacy_setting  # noqa: F401 - the fixture

pytestmark = [pytest.mark.postgres, pytest.mark.usefixtures("legacy_setting")]

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")

# Every kind of legacy line: open, answered, closed, withdrawn, without a department, feedback
# only, each tier, and visits completed, unreachable and refused.
LINES = [
    "{ref}-1,2026-04-10T10:00:00,hotline,service,CS,,,2026-04-20T15:00:00,,2026-04-25T10:00:00,2026-04-28T10:00:00,completed,4,Wang,13900000000,P-1,fine\n",
    "{ref}-2,2026-04-16 09:00,regulator,product,CS,complaint,complex,,,,,,,,,,\n",
    "{ref}-3,2026-04-10T02:00:00+00:00,online,misconduct,,feedback,simple,,2026-04-12T10:00:00,,,,,Li,13800000000,,\n",
    "{ref}-4,2026-05-06T18:30:00,letter,service,CS,,special,2026-06-30T09:00:00,,,2026-07-02T10:00:00,unreachable,,,,,\n",
    "{ref}-5,2026-05-07T08:00:00,online,product,CS,,,2026-05-09T09:00:00,,2026-05-12T09:00:00,2026-05-13T10:00:00,refused,,,,,\n",
]


def parsed(prefix):
    ctx = legacy_rows.Context()
    text = HEADER + "".join(line.format(ref=prefix) for line in LINES)
    return [legacy_rows.parse_row(line, values, ctx) for line, values in read_rows(io.StringIO(text), legacy_rows.REQUIRED, legacy_rows.OPTIONAL)]


def stored(prefix):
    """What is stored of the cases whose reference starts with ``prefix``, by line, without ids,
    references and write times."""
    skip = {"id", "reference", "created_at", "updated_at"}
    result = []
    for case in Complaint.objects.filter(reference__startswith=prefix).order_by("reference"):
        fields = {f.attname: getattr(case, f.attname) for f in Complaint._meta.concrete_fields if f.attname not in skip}
        deadlines = list(case.deadlines.order_by("stage").values_list(
            "stage", "due_on", "met_at", "stopped_at", "explanation"))
        visits = list(case.followups.order_by("visited_at").values_list(
            "outcome", "rating", "comment", "visited_at", "by_id"))
        history = list(case.history.values_list("history_type", "history_change_reason"))
        visit_history = list(FollowUpVisit.history.filter(case_id=case.pk).values_list("history_type", "outcome"))
        result.append((fields, deadlines, visits, history, visit_history))
    return result


@pytest.mark.django_db
def test_the_copy_writer_stores_what_the_orm_writer_stores():
    # given the same lines under two prefixes
    by_copy, by_orm = parsed("C"), parsed("O")
    # when one set is written by COPY (text formatted by hand) and the other by the ORM
    with transaction.atomic():
        legacy_copy.write_batch_copy(by_copy, by_copy, [])
    with transaction.atomic():
        legacy_import._write_batch_orm(by_orm, by_orm, [])
    # then both store the same cases, deadlines , visits and history
    copied, written = stored("C-"), stored("O-")
    assert len(copied) == len(LINES)
    assert any(visits for _f, _d, visits, _h, _v in copied)
    for line, (a, b) in enumerate(zip(copied, written, strict=True), start=2):
        assert a == b, f"line {line}"


@pytest.mark.django_db
@pytest.mark.parametrize("value, text", [
    (None, "\\N"),
    ("", ""),
    (True, "t"),
    (False, "f"),
    (42, "42"),
    (datetime.date(2026, 4, 10), "2026-04-10"),
    ("a\tb\nc\rd\\e", "a\\tb\\nc\\rd\\\\e"),
    ("\\N", "\\\\N"),  # the text "\N" is not NULL
])
def test_copy_field_formats_and_escapes(value, text):
    assert copy_field(value) == text


@pytest.mark.django_db
def test_copy_field_refuses_a_naive_datetime():
    with pytest.raises(ValueError):
        copy_field(datetime.datetime(2026, 4, 10, 8, 0))


@pytest.mark.django_db
def test_copy_text_reads_back_as_the_values_written():
    # given values with every character the text format escapes, Chinese, and date-times in
    # two time zones (the session's is UTC)
    rows = [
        ("tab\there, new\nline, back\\slash, cr\r, 投诉", datetime.datetime(2026, 4, 10, 8, 0, 30, 250, tzinfo=SHANGHAI),
         datetime.date(2026, 12, 31), 7, True),
        ("\\N", datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC), datetime.date(2025, 1, 2), None, False),
        (None, None, None, 0, None),
    ]
    text = "".join("\t".join(copy_field(v) for v in row) + "\n" for row in rows)
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE copy_round_trip (t text, at timestamptz, d date, n integer, b boolean)")
        try:
            legacy_copy.copy_text(cursor, "copy_round_trip", ["t", "at", "d", "n", "b"], text)
            cursor.execute("SELECT t, at, d, n, b FROM copy_round_trip")
            back = cursor.fetchall()
        finally:
            cursor.execute("DROP TABLE copy_round_trip")
    # then every value reads back as written (the same instant, whatever its zone)
    assert back == rows


# ---- several writers, each on a connection of its own ----------------------------------------


def row(reference, day=10, channel="hotline", department="CS"):
    return f"{reference},2026-04-{day:02d}T10:00:00,{channel},service,{department},,,2026-04-20T15:00:00,,,2026-04-22T10:00:00,completed,5,,,,\n"


DUPLICATES = HEADER + "".join([
    row("L-1"),                    # 2
    row("L-2"),                    # 3
    row("L-1", day=11),            # 4  duplicate of line 2
    row("L-3", channel="fax"),     # 5  bad line
    row("L-3"),                    # 6  duplicate of the bad line 5
    *(row(f"M-{n}", day=1 + n % 20) for n in range(30)),  # 7-36
    row("L-2", day=13),            # 37 duplicate of line 3
    row("L-4", department="NOPE"),  # 38 unknown department
])


def writer_threads():
    return [t for t in threading.enumerate() if t.name.startswith("legacy-import-writer")]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_several_writers_import_each_line_once_and_report_what_one_writer_reports():
    # given a file of 37 lines in batches of 3, written by 3 threads at once
    result = complaints_import(io.StringIO(DUPLICATES), batch_size=3, writers=3)
    # then the report is the one-writer report, in line order
    assert [line for line, _message in result.errors] == [4, 5, 6, 37, 38]
    messages = dict(result.errors)
    assert "first on line 2)" in messages[4] and "first on line 5)" in messages[6] and "first on line 3)" in messages[37]
    assert "NOPE" in messages[38]
    assert (result.created, result.updated) == (32, 0)
    # every good line is stored once, with its deadlines, its visit and its history
    assert Complaint.objects.count() == 32
    assert sorted(Complaint.objects.values_list("reference", flat=True)) == sorted(["L-1", "L-2"] + [f"M-{n}" for n in range(30)])
    per_case = {c.pk: c.deadlines.count() for c in Complaint.objects.all()}
    assert min(per_case.values()) == max(per_case.values()) > 0
    assert FollowUpVisit.objects.count() == 32
    assert Complaint.history.count() == 32 and FollowUpVisit.history.count() == 32
    # the threads are gone and their connections closed
    assert writer_threads() == []
    # when imported again: every line updates, none is added
    again = complaints_import(io.StringIO(DUPLICATES), batch_size=3, writers=3)
    assert (again.created, again.updated) == (0, 32)
    assert [line for line, _message in again.errors] == [4, 5, 6, 37, 38]
    assert Complaint.objects.count() == 32 and CaseDeadline.objects.count() == sum(per_case.values())


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_batch_failing_in_one_writer_is_replayed_line_by_line_there(monkeypatch):
    # given a line the database refuses (here: any batch holding L-7 fails)
    write = legacy_copy.write_batch_copy

    def refusing(batch, new, updated):
        if any(p.case.reference == "L-7" for p in batch):
            raise IntegrityError("refused for the test")
        write(batch, new, updated)

    monkeypatch.setattr(legacy_import, "write_batch_copy", refusing)
    text = HEADER + "".join(row(f"L-{n}", day=1 + n) for n in range(12))
    # when written by two threads in batches of 4
    result = complaints_import(io.StringIO(text), batch_size=4, writers=2)
    # then only that line is reported; the rest of its batch and the other batches are stored
    assert len(result.errors) == 1 and "refused for the test" in result.errors[0][1]
    assert result.errors[0][0] == 9  # L-7 is on line 9
    assert result.created == 11
    assert sorted(Complaint.objects.values_list("reference", flat=True)) == sorted(f"L-{n}" for n in range(12) if n != 7)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_writer_failure_is_raised_in_the_caller_and_every_writer_stops(monkeypatch):
    def broken(batch, result):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(legacy_import, "_flush", broken)
    text = HEADER + "".join(row(f"L-{n}") for n in range(10))
    with pytest.raises(RuntimeError, match="disk on fire"):
        complaints_import(io.StringIO(text), batch_size=2, writers=2)
    assert writer_threads() == []
    assert not Complaint.objects.exists()


@pytest.mark.django_db
def test_inside_a_transaction_one_writer_shares_the_callers_connection():
    # the test's transaction: the import must not open connections that cannot see it
    with pytest.raises(RuntimeError):
        WriterThread(lambda chunk: None, threads=2)
    result = complaints_import(io.StringIO(HEADER + row("L-1") + row("L-2")), batch_size=1, writers=2)
    assert result.created == 2 and Complaint.objects.count() == 2


# ---- the setting -----------------------------------------------------------------------------


def _writers_in_subprocess(value):
    """LEGACY_IMPORT_WRITERS as a fresh process reads it (settings are read once)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    code = "import django; from django.conf import settings as s; django.setup(); print(s.LEGACY_IMPORT_WRITERS)"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "complaints_portal.settings.test", "LEGACY_IMPORT_WRITERS": value}
    return subprocess.run([sys.executable, "-c", code], env=env, cwd=Path(__file__).resolve().parents[3],
                          capture_output=True, text=True, timeout=60)


@pytest.mark.django_db  # the module's set-up fixture
@pytest.mark.parametrize("value", ["0", "9", "two"])
def test_a_bad_writer_count_stops_start_up_naming_the_variable(value):
    result = _writers_in_subprocess(value)
    assert result.returncode != 0 and "Environment variable LEGACY_IMPORT_WRITERS" in result.stderr


@pytest.mark.django_db
def test_the_writer_count_is_read_from_the_environment():
    result = _writers_in_subprocess("3")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "3"
