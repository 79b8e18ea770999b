"""Import a State Council holiday notice from CSV: `date,kind,name` (SPEC §9)."""
import csv
from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from cases.deadlines.configuration import calendar_day_save
from cases.models import CalendarDay, CalendarYear

KINDS = {CalendarDay.Kind.HOLIDAY.value, CalendarDay.Kind.WORKDAY.value}


def parse_row(row):
    """(date, kind, name) of one CSV row, or raise ValueError with a readable reason."""
    raw_date = (row.get("date") or "").strip()
    try:
        d = date.fromisoformat(raw_date)
    except ValueError:
        raise ValueError(_("invalid date %(value)r (expected YYYY-MM-DD)") % {"value": raw_date}) from None
    kind = (row.get("kind") or "").strip().lower()
    if kind not in KINDS:
        raise ValueError(_("invalid kind %(value)r (expected holiday or workday)") % {"value": kind})
    name = (row.get("name") or "").strip()
    if len(name) > 100:
        raise ValueError(_("name longer than 100 characters"))
    return d, kind, name


def import_calendar_rows(lines, source):
    """Import rows from an iterable of CSV lines; returns (counts, errors [(line, message)]).
    Good rows import, bad rows are reported and skipped; every year with a good row is covered."""
    reader = csv.DictReader(lines)
    missing = {"date", "kind"} - set(reader.fieldnames or [])
    if missing:
        raise CommandError(_("The CSV header must be date,kind,name (missing: %(cols)s).")
                           % {"cols": ", ".join(sorted(missing))})
    counts = {"created": 0, "updated": 0, "same": 0}
    errors, years = [], set()
    # One transaction: each saved day records its history and changes the deadline
    # configuration, and the open cases are recomputed once, after the commit.
    with transaction.atomic():
        for row in reader:
            line = reader.line_num
            try:
                d, kind, name = parse_row(row)
            except ValueError as exc:
                errors.append((line, str(exc)))
                continue
            years.add(d.year)
            counts[calendar_day_save(d, kind, name, source)] += 1
        for year in sorted(years):
            CalendarYear.objects.get_or_create(year=year, defaults={"source": source})
    return counts, errors, sorted(years)


class Command(BaseCommand):
    help = _(
        "Import holidays and make-up workdays from a CSV file with header date,kind,name "
        "(kind: holiday or workday). Re-importing a date updates it; every year in the file counts "
        "as covered from then on. Bad rows are reported with their line number and skipped; the "
        "exit status is non-zero if any row failed."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help=_("CSV file (UTF-8)"))

    def handle(self, *args, **options):
        path = options["file"]
        try:
            with open(path, encoding="utf-8-sig", newline="") as fh:
                counts, errors, years = import_calendar_rows(fh, source="import")
        except OSError as exc:
            raise CommandError(_("Cannot read %(file)s: %(error)s") % {"file": path, "error": exc.strerror}) from None
        for line, message in errors:
            self.stderr.write(_("line %(line)s: %(message)s") % {"line": line, "message": message})
        self.stdout.write(
            _("Calendar import: %(created)s added, %(updated)s updated, %(same)s unchanged; years covered: %(years)s.")
            % {**counts, "years": ", ".join(map(str, years)) or "-"}
        )
        if errors:
            raise CommandError(_("%(n)s row(s) failed; the other rows were imported.") % {"n": len(errors)})
