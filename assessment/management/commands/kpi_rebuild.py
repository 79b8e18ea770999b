"""kpi_rebuild [--check]: rewrite the KPI read model from the cases, or compare it with them."""
from django.core.management.base import BaseCommand, CommandError

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
            self.stdout.write(f"KPI read model rebuilt: {rows} cases.")
            return
        differing = kpi_differences()
        for pk in differing[:100]:
            self.stdout.write(f"case id {pk}: the KPI row differs from a rebuild")
        if differing:
            raise CommandError(f"{len(differing)} cases differ from a rebuild; run kpi_rebuild.")
        self.stdout.write("The KPI read model equals a rebuild.")
