"""import_policy_volumes FILE: policies underwritten per department and period."""
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from assessment.kpi.imports import HeaderError, policy_volumes_import, report_errors


class Command(BaseCommand):
    help = (
        "Import policy volumes from a CSV file with header period,department,new_policies and "
        "optional policies_in_force,premium,insured_persons (period like 2026Q3 or 2026). "
        "Re-importing a period and department updates it. Bad lines are reported with their line "
        "number and skipped; the exit status is non-zero if any line failed."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV file (UTF-8)")

    def handle(self, *args, file, **options):
        try:
            with open(file, encoding="utf-8-sig", newline="") as fh:
                result = policy_volumes_import(fh)
        except OSError as exc:
            raise CommandError(_("Cannot read %(file)s: %(error)s") % {"file": file, "error": exc.strerror}) from None
        except HeaderError as exc:
            raise CommandError(str(exc)) from None
        report_errors(self.stderr, result.errors)
        self.stdout.write(
            _("Policy volumes: %(created)s added, %(updated)s updated, %(failed)s failed.")
            % {"created": result.created, "updated": result.updated, "failed": len(result.errors)}
        )
        if result.errors:
            raise CommandError(_("%(n)s line(s) failed; the other lines were imported.") % {"n": len(result.errors)})
