"""import_complaints FILE: migrate cases from a legacy system (SPEC §9)."""
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from assessment.kpi.imports import HeaderError, report_errors
from assessment.kpi.legacy_import import BATCH_SIZE, complaints_import


class Command(BaseCommand):
    help = (
        "Import legacy complaints from a CSV file with the columns reference,received_at,channel,"
        "category,department and optional complaint_type,tier,notified_at,withdrawn_at,closed_at,"
        "revisit_at,revisit_outcome,revisit_rating,customer_name,customer_phone,policy_number,summary,"
        "dispute_type,product_line (SPEC §13). "
        "Datetimes are ISO 8601 (without an offset: local time). Re-importing a reference updates it. "
        "Bad lines are reported with their line number and import nothing; the exit status is "
        "non-zero if any line failed."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV file (UTF-8)")
        parser.add_argument("--batch-size", type=int, default=BATCH_SIZE, help="Lines per write transaction.")

    def handle(self, *args, file, batch_size, **options):
        def progress(n):
            self.stderr.write(_("%(n)s lines read…") % {"n": n})

        if batch_size < 1:
            raise CommandError(_("--batch-size must be at least 1."))
        try:
            # Read as a stream: memory does not grow with the file.
            with open(file, encoding="utf-8-sig", newline="") as fh:
                result = complaints_import(fh, batch_size=batch_size, progress=progress)
        except OSError as exc:
            raise CommandError(_("Cannot read %(file)s: %(error)s") % {"file": file, "error": exc.strerror}) from None
        except UnicodeDecodeError:
            raise CommandError(
                _("%(file)s is not UTF-8 text; the complete batches before the undecodable part were imported.")
                % {"file": file}
            ) from None
        except HeaderError as exc:
            raise CommandError(str(exc)) from None
        report_errors(self.stderr, result.errors)
        self.stdout.write(
            _("Complaints: %(created)s added, %(updated)s updated, %(failed)s failed.")
            % {"created": result.created, "updated": result.updated, "failed": len(result.errors)}
        )
        if result.errors:
            raise CommandError(_("%(n)s line(s) failed; the other lines were imported.") % {"n": len(result.errors)})
