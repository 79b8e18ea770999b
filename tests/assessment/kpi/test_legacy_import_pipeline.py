"""import_complaints at scale: batches written by a second thread while the next is parsed,
duplicate references found across batches without a whole-file dict, a bounded deadline cache."""
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessment.kpi import legacy_import, legacy_rows
from assessment.kpi.import_pipeline import ReferenceRegister, WriterThread
from assessment.kpi.imports import read_rows
from assessment.kpi.legacy_import import complaints_import
from cases.models import Complaint
from tests.assessment.kpi.legacy_csv import HEADER, legacy_setting  # noqa: F401 - the fixture

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("legacy_setting")]


def row(reference, day=10, channel="hotline"):
    return f"{reference},2026-04-{day:02d}T10:00:00,{channel},service,CS,,,,,,,,,,,,\n"


def test_duplicates_across_batches_are_reported_with_the_first_line_and_not_imported():
    # given batches of 2 lines, (2, 3) (4, 5) (6, 7) (8, 9) (10), with repeats in the same
    # batch, the next one and three batches later
    text = HEADER + "".join([
        row("L-1"),                    # 2
        row("L-2"),                    # 3
        row("L-1", day=11),            # 4  duplicate of line 2 (previous batch)
        row("L-3", channel="fax"),     # 5  bad line: its reference still counts as seen
        row("L-3"),                    # 6  duplicate of the bad line 5
        row("L-4"),                    # 7
        row("L-4", day=12),            # 8  duplicate of line 7
        row("L-2", day=13),            # 9  duplicate of line 3, three batches later
        row("L-5"),                    # 10
        row("L-5", day=14),            # 11 duplicate of line 10, same batch
    ])
    # when
    result = complaints_import(io.StringIO(text), batch_size=2)
    # then
    assert [line for line, _message in result.errors] == [4, 5, 6, 8, 9, 11]
    messages = dict(result.errors)
    assert "fax" in messages[5]
    for line, first in ((4, 2), (6, 5), (8, 7), (9, 3), (11, 10)):
        assert f"first on line {first})" in messages[line]
    assert result.created == 4
    assert sorted(Complaint.objects.values_list("reference", flat=True)) == ["L-1", "L-2", "L-4", "L-5"]
    # the first line of each reference is the one imported
    assert {c.received_at.day for c in Complaint.objects.all()} == {10}


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    references=st.lists(st.sampled_from(["A", "B", "C", "D", "E", ""]), max_size=30),
    batch_size=st.integers(min_value=1, max_value=7),
)
def test_reference_register_reports_exactly_the_repeats_of_a_whole_file_dict(references, batch_size):
    # given the lines of a file, split in batches
    pairs = [(ref, line) for line, ref in enumerate(references, start=2)]
    expected, first = {}, {}
    for ref, line in pairs:
        if ref in first:
            expected[line] = first[ref]
        else:
            first[ref] = line
    # when the batches are registered one after the other
    register = ReferenceRegister(connection)
    found = {}
    try:
        for start in range(0, len(pairs), batch_size):
            found.update(register.register(pairs[start:start + batch_size]))
    finally:
        register.close()
    # then every repeat names the first line, as a dict of the whole file would
    assert found == expected


@pytest.mark.postgres
def test_reference_register_keeps_the_references_in_the_database_on_postgresql():
    register = ReferenceRegister(connection)
    try:
        assert register.register([("A", 2), ("B", 3)]) == {}
        assert register.register([("A", 4)]) == {4: 2}
        assert register.seen == {}  # nothing held in the client
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM {ReferenceRegister.TABLE}")
            assert cursor.fetchone()[0] == 2
    finally:
        register.close()


def test_a_failure_in_the_writer_thread_is_raised_in_the_caller(monkeypatch):
    # given a database write that fails in a way the import does not handle
    def broken(batch, result):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(legacy_import, "_flush", broken)
    # when / then
    with pytest.raises(RuntimeError, match="disk on fire"):
        complaints_import(io.StringIO(HEADER + row("L-1") + row("L-2") + row("L-3")), batch_size=1)
    # the connection is this thread's alone again
    assert connection.allow_thread_sharing is False
    assert not Complaint.objects.exists()


def test_writer_thread_writes_the_chunks_in_order_and_reraises_in_close():
    written = []

    def write(chunk):
        if chunk == "bad":
            raise ValueError("bad chunk")
        written.append(chunk)

    writer = WriterThread(write)
    for chunk in ("a", "b", "bad", "c"):
        try:
            writer.submit(chunk)
        except ValueError:
            break
    with pytest.raises(ValueError):
        writer.close()
    assert written == ["a", "b"]
    writer.close()  # a second close is harmless


def test_parsing_reads_nothing_from_the_database(django_assert_num_queries):
    # The writer thread uses the connection while the next batch is parsed: parsing must not.
    ctx = legacy_rows.Context()
    lines = io.StringIO(HEADER + row("L-1") + row("L-2", channel="regulator") + row("L-3", day=20))
    with django_assert_num_queries(0):
        parsed = [legacy_rows.parse_row(line, values, ctx) for line, values in read_rows(lines, legacy_rows.REQUIRED, legacy_rows.OPTIONAL)]
    assert len(parsed) == 3


def test_the_deadline_cache_is_bounded_and_evicted_entries_are_recomputed_the_same(monkeypatch):
    # given a cache of 2 computed deadline sets and cases received on 5 different days
    monkeypatch.setattr(legacy_rows, "DEADLINE_CACHE_SIZE", 2)
    text = HEADER + "".join(row(f"L-{i}", day=d) for i, d in enumerate([6, 7, 8, 9, 6, 10, 7]))
    ctx = legacy_rows.Context()
    for line, values in read_rows(io.StringIO(text), legacy_rows.REQUIRED, legacy_rows.OPTIONAL):
        # when each line is parsed
        parsed = legacy_rows.parse_row(line, values, ctx)
        # then the cache never holds more than 2 sets
        assert len(ctx.deadline_cache) <= 2
        # and the deadlines are those a fresh computation gives
        fresh = legacy_rows.parse_row(line, values, legacy_rows.Context())
        assert parsed.deadlines == fresh.deadlines


def test_import_complaints_refuses_a_batch_size_below_one(tmp_path):
    path = tmp_path / "in.csv"
    path.write_text(HEADER + row("L-1"), encoding="utf-8")
    with pytest.raises(CommandError, match="batch-size"):
        call_command("import_complaints", str(path), "--batch-size", "0", stdout=io.StringIO(), stderr=io.StringIO())
    assert not Complaint.objects.exists()


def test_import_complaints_reports_a_file_that_is_not_utf8(tmp_path):
    path = tmp_path / "in.csv"
    path.write_bytes((HEADER + row("L-1")).encode() + "L-2,\u4e2d".encode("gb18030") + b"\n")
    with pytest.raises(CommandError, match="UTF-8"):
        call_command("import_complaints", str(path), stdout=io.StringIO(), stderr=io.StringIO())


def test_a_case_built_for_the_import_equals_one_built_by_model_init():
    # given the import's context, which fills the instance dict in one update
    ctx = legacy_rows.Context()
    lines = io.StringIO(HEADER + "L-1,2026-04-10T10:00:00,online,product,CS,feedback,complex,,,,,,,Li,13900000000,P-9,x\n")
    (line, values), = read_rows(lines, legacy_rows.REQUIRED, legacy_rows.OPTIONAL)
    # when
    case = legacy_rows.parse_row(line, values, ctx).case
    # then the fast path was taken and gives what Model.__init__ gives
    assert ctx.case_fast is True
    attnames = [f.attname for f in Complaint._meta.concrete_fields]
    reference = Complaint(**{name: getattr(case, name) for name in attnames})
    assert [getattr(case, n) for n in attnames] == [getattr(reference, n) for n in attnames]
    assert case._state.adding is True and case._state.db is None
    assert case.department.code == "CS" and case.deadline_policy_id is not None


def test_imported_cases_store_the_values_save_would_store():
    result = complaints_import(io.StringIO(HEADER + row("L-1")))
    assert result.errors == []
    case = Complaint.objects.get(reference="L-1")
    assert case.created_at is not None and case.updated_at is not None  # auto_now(_add) applied
    assert case.customer_id_number == ""  # the encrypted field reads back
    assert case.version == 1 and case.is_legacy


def test_reimport_keeps_the_deadlines_that_come_out_the_same_and_replaces_the_others():
    from cases.models import CaseDeadline

    # given an imported open case whose decision deadline the sweep has reminded
    open_line = "L-1,2026-04-10T10:00:00,hotline,service,CS,,,,,,,,,,,,\n"
    assert complaints_import(io.StringIO(HEADER + open_line)).created == 1
    case = Complaint.objects.get(reference="L-1")
    stored = {d.stage: d for d in CaseDeadline.objects.filter(case=case)}
    reminded = stored["decision"]
    CaseDeadline.objects.filter(pk=reminded.pk).update(reminded_at=case.received_at)
    # when the same line is imported again
    assert complaints_import(io.StringIO(HEADER + open_line)).updated == 1
    # then no deadline was rewritten: same rows, the reminder kept
    again = {d.stage: d for d in CaseDeadline.objects.filter(case=case)}
    assert {s: d.pk for s, d in again.items()} == {s: d.pk for s, d in stored.items()}
    assert again["decision"].reminded_at is not None
    # when the legacy row now says the decision was notified
    answered = "L-1,2026-04-10T10:00:00,hotline,service,CS,,,2026-04-20T15:00:00,,,,,,,,,\n"
    assert complaints_import(io.StringIO(HEADER + answered)).updated == 1
    # then every deadline whose values changed is a new row with the new values
    after = {d.stage: d for d in CaseDeadline.objects.filter(case=case)}
    assert set(after) == set(stored)
    assert after["decision"].pk != reminded.pk and after["decision"].met_at is not None
    assert after["decision"].reminded_at is None
    others = [s for s in after if s not in ("decision", "overall")]
    assert others and all(after[s].stopped_at == case.received_at for s in others)
    assert all(after[s].pk != stored[s].pk for s in others)
