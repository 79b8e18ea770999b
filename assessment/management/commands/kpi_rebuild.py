"""kpi_rebuild [--check]: rewrite the KPI read model from the cases, or compare it with them."""
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from assessment.kpi.readmodel import kpi_differences, kpi_rebuild


class Command(BaseCommand):
    help = (
        "Rewrite the KPI read model (one row per case) from the cases, their deadlines and "
        "follow-up visits, in one transaction; cached figures of every period are invalidated. "
        "With --check, write nothing: list the cases whose stored row differs from a rebuild "
        "and exit non-zero if there is any."
    )

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="compare only; exit 1 on a difference")

    def handle(self, *args, check=False, **options):
        if not check:
            rows = kpi_rebuild()
            self.stdout.write(_("KPI read model rebuilt: %(n)s cases.") % {"n": rows})
            return
        differing = kpi_differences()
        for pk in differing[:100]:
            self.stdout.write(_("case id %(pk)s: the KPI row differs from a rebuild") % {"pk": pk})
        if differing:
            raise CommandError(_("%(n)s cases differ from a rebuild; run kpi_rebuild.") % {"n": len(differing)})
        self.stdout.write(_("The KPI read model equals a rebuild."))
