"""kpi_report PERIOD [--as-of DATE]: the KPI table of SPEC §9 as CSV on stdout."""
import csv

from django.core.management.base import BaseCommand, CommandError

from assessment.kpi.exports import HEADER, kpi_csv_row
from assessment.kpi.periods import InvalidPeriod, date_parse, period_parse
from assessment.kpi.selectors import kpi_table
from complaints_portal.db_router import replica_reads


class Command(BaseCommand):
    help = (
        "Print the KPI table of a period (2026Q3 or 2026) as CSV: one row per department by code "
        "and a last row ALL for the company. Rates are percentages (complaint rate 4 decimals, "
        "the others 2), empty where the denominator is zero."
    )

    def add_arguments(self, parser):
        parser.add_argument("period", help="A quarter like 2026Q3 or a year like 2026.")
        parser.add_argument("--as-of", dest="as_of", help="Count what had happened by the end of this local date (YYYY-MM-DD); default today.")

    def handle(self, *args, period, as_of=None, **options):
        try:
            parsed = period_parse(period)
            as_of_date = date_parse(as_of) if as_of else None
        except InvalidPeriod as exc:
            raise CommandError(exc.message) from None
        # On the replica when there is one, once it has replayed everything committed so far.
        with replica_reads(caught_up=True):
            table = kpi_table(parsed, as_of_date)
        writer = csv.writer(self.stdout, lineterminator="\n")
        writer.writerow(HEADER)
        for row in table.rows:
            writer.writerow(kpi_csv_row(row))
        writer.writerow(kpi_csv_row(table.company))
