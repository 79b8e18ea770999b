"""import_complaints (SPEC §9): lines parsed and checked first (legacy_rows.py), valid ones
written in batches with history rows and their KPI rows (COPY on PostgreSQL, legacy_copy.py;
the ORM here otherwise), while the next batch is parsed (import_pipeline.py); a batch failing
in the database is replayed line by line, so only the offending line is reported."""
import threading

from django.conf import settings
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from cases.models import CaseDeadline, Complaint

from .import_pipeline import ReferenceRegister, WriterThread
from .imports import ImportResult, LineError, read_rows
from .legacy_copy import write_batch_copy
from .legacy_rows import CASE_FIELDS, CHANGE_REASON, OPTIONAL, REQUIRED, Context, parse_row
from .models import FollowUpVisit, KpiCase
from .readmodel import kpi_cases_refresh, one_of

# Lines per write transaction (fewer round trips, against a longer replay of a failed batch).
BATCH_SIZE = 2000
_RESULT_LOCK = threading.Lock()  # writer threads report into one ImportResult


def _write_batch(batch, result):
    """Write parsed rows in one transaction: new cases inserted, existing legacy ones updated, a
    reference of a portal case reported and skipped. ``result`` is told only after the commit,
    so a replay after a failure reports nothing twice."""
    existing = _stored_cases([p.case.reference for p in batch])
    new, updated, refused = [], [], []
    now = timezone.now()
    for parsed in batch:
        old = existing.get(parsed.case.reference)
        if old is None:
            parsed.case.pk = None  # a replay after a failed batch must not reuse a rolled-back id
            new.append(parsed)
            continue
        if not old.is_legacy:
            refused.append((parsed.line, _("reference %(ref)s belongs to a case registered in the portal.") % {"ref": old.reference}))
            continue
        parsed.case.pk = old.pk
        parsed.case.created_at = old.created_at
        parsed.case.version = old.version + 1
        parsed.case.updated_at = now
        updated.append(parsed)
    written = new + updated
    if written:
        with transaction.atomic():
            # The times of the visits the batch writes, and of those it may replace or remove.
            new_times, updated_times = ([p.visit["visited_at"] for p in rows if p.visit] for rows in (new, updated))
            if updated:
                updated_times += FollowUpVisit.objects.filter(
                    one_of(FollowUpVisit, "case_id", [p.case.pk for p in updated])).values_list("visited_at", flat=True)
            if connection.vendor == "postgresql":
                write_batch_copy(written, new, updated)
            else:
                _write_batch_orm(written, new, updated)
            # The KPI read model of the batch's cases, in the batch's transaction.
            kpi_cases_refresh([p.case.pk for p in new], new_times, new=True)
            kpi_cases_refresh([p.case.pk for p in updated], updated_times)
    with _RESULT_LOCK:  # writer threads may report at the same time
        first = written and not (result.created or result.updated)
        result.created += len(new)
        result.updated += len(updated)
        result.errors.extend(refused)
    if first and connection.vendor == "postgresql":
        # Statistics for the next batches' plans: the tables may have been empty when analysed.
        tables = (Complaint, CaseDeadline, FollowUpVisit, KpiCase)
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {', '.join(connection.ops.quote_name(m._meta.db_table) for m in tables)}")


def _stored_cases(references):
    """{reference: row (pk, reference, is_legacy, created_at, version)} of the stored cases."""
    rows = Complaint.objects.filter(one_of(Complaint, "reference", references)).values_list(
        "pk", "reference", "is_legacy", "created_at", "version", named=True)
    return {row.reference: row for row in rows}


def _write_batch_orm(batch, new, updated):
    if new:
        bulk_create_with_history([p.case for p in new], Complaint, default_change_reason=CHANGE_REASON)
        if any(p.case.pk is None for p in new):  # backends that return no ids
            ids = dict(Complaint.objects.filter(reference__in=[p.case.reference for p in new]).values_list("reference", "id"))
            for p in new:
                p.case.pk = ids[p.case.reference]
    if updated:
        bulk_update_with_history(
            [p.case for p in updated], Complaint, CASE_FIELDS + ["version", "updated_at"],
            # bulk_update builds one CASE per field and row: small batches keep it linear.
            batch_size=100, default_change_reason=CHANGE_REASON,
        )
    # Deadlines are derived data of the legacy row, recomputed; a stored deadline that comes
    # out the same stays (as write_batch_copy does it).
    recomputed = {
        (p.case.pk, stage): (due, met, stopped, text) for p in batch for stage, due, met, stopped, text in p.deadlines
    }
    changed = []
    for pk, case_id, stage, *values in CaseDeadline.objects.filter(case_id__in=[p.case.pk for p in updated]).values_list(
        "pk", "case_id", "stage", "due_on", "met_at", "stopped_at", "explanation"
    ):
        if recomputed.get((case_id, stage)) == tuple(values):
            del recomputed[(case_id, stage)]
        else:
            changed.append(pk)
    CaseDeadline.objects.filter(pk__in=changed).delete()
    CaseDeadline.objects.bulk_create(
        CaseDeadline(case_id=case_id, stage=stage, due_on=due, met_at=met, stopped_at=stopped, explanation=text)
        for (case_id, stage), (due, met, stopped, text) in recomputed.items()
    )
    _write_visits(batch, {p.case.pk for p in updated})


def _write_visits(batch, updated_ids):
    previous = {}
    if updated_ids:
        for visit in FollowUpVisit.objects.filter(case_id__in=updated_ids, by__isnull=True).order_by("visited_at", "id"):
            previous.setdefault(visit.case_id, visit)
    to_create, to_update = [], []
    for parsed in batch:
        old = previous.get(parsed.case.pk)
        if parsed.visit is None:
            if old is not None:
                old.delete()  # per object, so the history keeps the removal
            continue
        if old is None:
            to_create.append(FollowUpVisit(case_id=parsed.case.pk, department_id=parsed.case.department_id,
                                           **parsed.visit))
        else:
            for key, value in parsed.visit.items():
                setattr(old, key, value)
            to_update.append(old)
    if to_create:
        bulk_create_with_history(to_create, FollowUpVisit, default_change_reason=CHANGE_REASON)
    if to_update:
        bulk_update_with_history(to_update, FollowUpVisit, ["outcome", "rating", "visited_at"],
                                 batch_size=100, default_change_reason=CHANGE_REASON)


def _flush(batch, result):
    if not batch:
        return
    try:
        _write_batch(batch, result)
        return
    except (IntegrityError, DatabaseError):
        pass
    # Replay line by line so that only the offending line fails.
    for parsed in batch:
        try:
            _write_batch([parsed], result)
        except (IntegrityError, DatabaseError) as exc:
            result.errors.append((parsed.line, _("could not be saved: %(error)s") % {"error": exc}))


def _checked_batch(chunk, register, result):
    """Report the chunk's bad and repeated lines; return the parsed rows of the others. ``chunk``
    is [(line, reference or None, ParsedRow or None, error or None)]; chunks come in file order,
    and a repeat's message replaces any other."""
    duplicates = register.register([(reference, line) for line, reference, _p, _e in chunk if reference is not None])
    batch, errors = [], []
    for line, reference, parsed, error in chunk:
        if line in duplicates:
            error = _("duplicate reference %(ref)s (first on line %(line)s).") % {"ref": reference, "line": duplicates[line]}
        if error is not None:
            errors.append((line, error))
        else:
            batch.append(parsed)
    with _RESULT_LOCK:
        result.errors.extend(errors)
    return batch


def _write_chunk(chunk, register, result):
    """Check the chunk and write its good lines (in the one writer thread)."""
    _flush(_checked_batch(chunk, register, result), result)


def writer_count():
    """How many connections write batches at once by default (LEGACY_IMPORT_WRITERS)."""
    return settings.LEGACY_IMPORT_WRITERS


def complaints_import(lines, batch_size=BATCH_SIZE, progress=None, progress_every=10_000, writers=None):
    """Import legacy complaints from CSV ``lines`` (a stream); return an ImportResult. Idempotent by
    reference (updated, never duplicated); a repeated reference in one file is reported.
    ``progress(n)`` every ``progress_every`` lines; ``writers``: writer threads (writer_count())."""
    writers = writer_count() if writers is None else writers
    if writers < 1:
        raise ValueError("writers must be at least 1")
    if connection.in_atomic_block or connection.vendor != "postgresql":
        # Only the caller's connection can join its transaction; SQLite writes one at a time.
        writers = 1
    ctx = Context()
    result = ImportResult()
    register = ReferenceRegister(connection)
    if writers == 1:
        writer = WriterThread(lambda chunk: _write_chunk(chunk, register, result))

        def submit(chunk):
            writer.submit(chunk)
    else:
        writer = WriterThread(lambda batch: _flush(batch, result), threads=writers)

        def submit(chunk):
            # The references are checked here, on this thread's connection, in file order.
            writer.submit(_checked_batch(chunk, register, result))
    try:
        chunk = []
        count = 0
        for line, row in read_rows(lines, REQUIRED, OPTIONAL):
            count += 1
            if progress and count % progress_every == 0:
                progress(count)
            reference = parsed = error = None
            try:
                if row is None:
                    raise LineError(_("too many fields"))
                reference = row["reference"]
                parsed = parse_row(line, row, ctx)
            except LineError as exc:
                error = str(exc)
            chunk.append((line, reference, parsed, error))
            if len(chunk) >= batch_size:
                submit(chunk)
                chunk = []
        submit(chunk)
    finally:
        try:
            writer.close()  # waits for the last batch; re-raises a writer's exception
        finally:
            register.close()
    if progress:
        progress(count)
    result.errors.sort()
    return result
