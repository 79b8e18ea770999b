"""Recompute open cases' due dates now (what the task does after a calendar or policy change)."""
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from cases.deadlines import recompute_open_cases


class Command(BaseCommand):
    help = _("Recompute the due dates of every open case and print what changed; closed cases keep theirs.")

    def add_arguments(self, parser):
        parser.add_argument("--policy", type=int, help=_("Only cases under this deadline policy id"))

    def handle(self, *args, **options):
        summary = recompute_open_cases("manual", policy_id=options["policy"])
        for change in summary["changed"]:
            self.stdout.write(f"{change['case']} {change['stage']}: {change['old']} → {change['new']}")
        for error in summary["errors"]:
            self.stderr.write(f"{error['case']}: {error['error']}")
        self.stdout.write(_("%(cases)s open cases, %(changed)s dates changed, %(errors)s errors.")
                          % {"cases": summary["cases"], "changed": len(summary["changed"]),
                             "errors": len(summary["errors"])})
