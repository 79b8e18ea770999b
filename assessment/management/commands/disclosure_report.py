"""disclosure_report YEAR: the annual disclosure's complaint counts as CSV (SPEC §13)."""
from django.core.management.base import BaseCommand, CommandError

from assessment.disclosure.figures import disclosure_csv
from assessment.kpi.periods import InvalidPeriod


class Command(BaseCommand):
    help = (
        "Print the year's complaints as CSV with the header dimension,key,complaints: every key of channel, "
        "category, dispute_type, product_line and department (zeros included, cases without a value under "
        "'unknown'), then total,ALL,N. Counted as for the complaint rate, by original receipt in the year."
    )

    def add_arguments(self, parser):
        parser.add_argument("year", help="e.g. 2026")

    def handle(self, *args, year, **options):
        if not year.isdigit() or len(year) != 4:
            raise CommandError(f"Not a year: {year}")
        try:
            self.stdout.write(disclosure_csv(int(year)), ending="")
        except InvalidPeriod as exc:
            raise CommandError(exc.message) from None
