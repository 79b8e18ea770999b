"""Report cases that break an invariant the database constraints cannot express."""
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from cases.consistency import consistency_scan


class Command(BaseCommand):
    help = _(
        "Scan every case for inconsistencies (status vs timestamps, open case without a tracked "
        "deadline, deadline before D0, review round without a dispute, merge chains). Prints one "
        "line per violation with the case reference; exits 1 when any is found."
    )

    def handle(self, *args, **options):
        violations = consistency_scan()
        for violation in violations:
            self.stdout.write(str(violation))
        if violations:
            raise CommandError(_("%(n)s inconsistencies found.") % {"n": len(violations)})
        self.stdout.write(_("No inconsistencies found."))
