"""Seed the working-day calendar from chinesecalendar, cross-checked against `holidays`."""
import re
from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from cases.deadlines.configuration import calendar_day_save
from cases.models import CalendarDay, CalendarYear

SOURCE = "chinesecalendar"

# chinesecalendar names the holidays in English; the calendar stores them as users say them
# (cases/migrations/0020_holiday_names_in_chinese renamed the days stored before).
HOLIDAY_NAMES = {
    "New Year's Day": "元旦", "Spring Festival": "春节", "Tomb-sweeping Day": "清明节", "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节", "National Day": "国庆节", "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利纪念日",
}


def holiday_name(name):
    return HOLIDAY_NAMES.get(str(name), str(name))


def cn_years():
    """Years chinesecalendar knows the State Council notice of."""
    from chinese_calendar import constants

    return sorted({d.year for d in constants.holidays} | {d.year for d in constants.workdays})


def cn_exceptions(year):
    """{date: (kind, name)} for one year: weekday holidays and weekend make-up workdays only;
    ordinary weekdays and weekends follow the Monday–Friday rule and are not stored."""
    from chinese_calendar import constants

    out = {}
    for d, name in constants.holidays.items():
        if d.year == year and d.weekday() < 5:
            out[d] = (CalendarDay.Kind.HOLIDAY, holiday_name(name))
    for d, name in constants.workdays.items():
        if d.year == year and d.weekday() >= 5:
            out[d] = (CalendarDay.Kind.WORKDAY, holiday_name(name))
    return out


@transaction.atomic
def load_cn_years(years):
    """One transaction: each saved day records its history and changes the deadline
    configuration, and the open cases are recomputed once, after the commit."""
    counts = {"created": 0, "updated": 0, "same": 0}
    for year in years:
        for d, (kind, name) in sorted(cn_exceptions(year).items()):
            counts[calendar_day_save(d, kind, name, SOURCE)] += 1
        CalendarYear.objects.get_or_create(year=year, defaults={"source": SOURCE})
    return counts


SUBSTITUTED = re.compile(r"substituted from (\d{2})/(\d{2})/(\d{4})")


def cross_check(years):
    """Differences between chinesecalendar and holidays.China for `years`, as printable lines."""
    import holidays

    ours = {}
    for year in years:
        ours.update(cn_exceptions(year))
    theirs = {}
    for d, name in holidays.China(years=years, language="en_US").items():
        if d.weekday() < 5:
            theirs[d] = CalendarDay.Kind.HOLIDAY
        for month, day, y in SUBSTITUTED.findall(name):
            workday = date(int(y), int(month), int(day))
            if workday.weekday() >= 5 and workday.year in years:
                theirs[workday] = CalendarDay.Kind.WORKDAY
    lines = []
    for d in sorted(set(ours) | set(theirs)):
        a = ours.get(d, (None,))[0]
        b = theirs.get(d)
        if a != b:
            lines.append(_("%(date)s: chinesecalendar %(a)s, holidays %(b)s")
                         % {"date": d.isoformat(), "a": a or _("ordinary day"), "b": b or _("ordinary day")})
    return lines


class Command(BaseCommand):
    help = _(
        "Seed the working-day calendar from chinesecalendar (the State Council notices): weekday "
        "holidays and weekend make-up workdays, and mark each year covered. Default: every year "
        "chinesecalendar covers. Reports differences with the holidays package (not fatal). "
        "Running it again changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--years", nargs="+", type=int, metavar="Y", help=_("Years to load (default: all covered)"))

    def handle(self, *args, **options):
        available = cn_years()
        years = sorted(set(options["years"] or available))
        unknown = [y for y in years if y not in available]
        if unknown:
            raise CommandError(
                _("chinesecalendar does not cover the year(s) %(years)s (it covers %(first)s–%(last)s).")
                % {"years": ", ".join(map(str, unknown)), "first": min(available), "last": max(available)}
            )
        result = load_cn_years(years)
        span = f"{years[0]}–{years[-1]}" if len(years) > 1 else str(years[0])
        self.stdout.write(
            _("Calendar %(years)s loaded: %(created)s days added, %(updated)s updated, %(same)s unchanged.")
            % {"years": span, **result}
        )
        differences = cross_check(years)
        if differences:
            self.stdout.write(self.style.WARNING(
                _("Cross-check with the holidays package: %(n)s difference(s):") % {"n": len(differences)}
            ))
            for line in differences:
                self.stdout.write(f"  {line}")
        else:
            self.stdout.write(self.style.SUCCESS(_("Cross-check with the holidays package: no differences.")))


