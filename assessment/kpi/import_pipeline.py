"""Two helpers that keep the legacy import fast and its memory flat: ``WriterThread`` writes
batch N while the caller parses batch N+1; ``ReferenceRegister`` remembers the references
read (on PostgreSQL in a temporary table) to report a repeated one."""
import queue
import threading

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.utils import translation


class WriterThread:
    """Run ``write(chunk)`` for each submitted chunk in ``threads`` background threads (at most
    ``threads`` chunks wait). One thread shares the caller's connection and transaction (which
    the caller leaves alone until ``close()``); more threads write on connections of their own.
    A writer's exception is raised in the caller by the next ``submit`` or by ``close``."""

    def __init__(self, write, using=DEFAULT_DB_ALIAS, threads=1):
        if threads < 1:
            raise ValueError("threads must be at least 1")
        self._write = write
        self._queue = queue.Queue(maxsize=threads)
        self._error = None
        self._using = using
        self._shared = connections[using] if threads == 1 else None
        if self._shared is not None:
            self._shared.inc_thread_sharing()
        elif connections[using].in_atomic_block:
            raise RuntimeError("writer threads with connections of their own cannot join the caller's transaction")
        self._language = translation.get_language()
        self._threads = [
            threading.Thread(target=self._run, name=f"legacy-import-writer-{n}", daemon=True) for n in range(threads)
        ]
        for thread in self._threads:
            thread.start()

    def _run(self):
        if self._shared is not None:
            connections[self._using] = self._shared
        try:
            with translation.override(self._language):
                while True:
                    chunk = self._queue.get()
                    if chunk is None:
                        return
                    if self._error is not None:
                        continue  # drain, so that the caller never blocks on a full queue
                    try:
                        self._write(chunk)
                    except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
                        if self._error is None:
                            self._error = exc
        finally:
            if self._shared is None:
                connections[self._using].close()  # this thread's own connection

    def submit(self, chunk):
        if self._error is not None:
            self.close()
        self._queue.put(chunk)

    def close(self):
        """Wait for every submitted chunk to be written; re-raise a writer's exception."""
        if any(thread.is_alive() for thread in self._threads):
            for _thread in self._threads:
                self._queue.put(None)
            for thread in self._threads:
                thread.join()
            if self._shared is not None:
                self._shared.dec_thread_sharing()
        if self._error is not None:
            error, self._error = self._error, None
            raise error


class ReferenceRegister:
    """Which line first carried each reference of a file: ``register(pairs)`` returns {line: first
    line} of the repeats; a temporary table on PostgreSQL, a dict elsewhere (writer's connection)."""

    TABLE = "legacy_import_seen"

    def __init__(self, connection):
        self.connection = connection
        self.in_database = connection.vendor == "postgresql"
        self.seen = {}
        if self.in_database:
            with connection.cursor() as cursor:
                cursor.execute(f"DROP TABLE IF EXISTS pg_temp.{self.TABLE}")
                cursor.execute(f"CREATE TEMPORARY TABLE {self.TABLE} (reference text PRIMARY KEY, line integer NOT NULL)")

    def register(self, pairs):
        first_in_batch = {}
        for reference, line in pairs:
            first_in_batch.setdefault(reference, line)
        earlier = self._record(first_in_batch)
        duplicates = {}
        for reference, line in pairs:
            first = earlier.get(reference, first_in_batch[reference])
            if first != line:
                duplicates[line] = first
        return duplicates

    def _record(self, first_in_batch):
        """Record the batch's first lines; return {reference: line} of those seen before."""
        if not first_in_batch:
            return {}
        if not self.in_database:
            earlier = {ref: self.seen[ref] for ref in first_in_batch if ref in self.seen}
            for ref, line in first_in_batch.items():
                self.seen.setdefault(ref, line)
            return earlier
        references, lines = list(first_in_batch), list(first_in_batch.values())
        with self.connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {self.TABLE} (reference, line) SELECT * FROM unnest(%s::text[], %s::integer[]) "  # noqa: S608  # nosec B608 - constant table name, values bound as parameters
                "ON CONFLICT (reference) DO NOTHING RETURNING reference",
                [references, lines],
            )
            fresh = {row[0] for row in cursor.fetchall()}
            repeated = [ref for ref in references if ref not in fresh]
            if not repeated:
                return {}
            cursor.execute(f"SELECT reference, line FROM {self.TABLE} WHERE reference = ANY(%s)", [repeated])  # noqa: S608  # nosec B608 - constant table name, values bound as parameters
            return dict(cursor.fetchall())

    def close(self):
        self.seen = {}
        if not self.in_database:
            return
        try:
            with self.connection.cursor() as cursor:
                cursor.execute(f"DROP TABLE IF EXISTS pg_temp.{self.TABLE}")
        except DatabaseError:
            # Only when an enclosing transaction already failed: the error that failed it is
            # the one to report, and the temporary table ends with the session anyway.
            pass
