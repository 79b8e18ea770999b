"""Working-day arithmetic over the holiday table (SPEC §4): pure functions on `WorkCalendar`,
read by `load_calendar()`; a year the calendar does not cover raises `CalendarMissing`."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.utils.translation import gettext as _

from complaints_portal.common.errors import CalendarMissing

ONE_DAY = timedelta(days=1)


def missing_years_error(years):
    years = sorted(set(years))
    return CalendarMissing(
        _("The working-day calendar does not cover the year(s) %(years)s. Load the State Council notice "
          "for them (import_calendar or load_cn_calendar) before computing this deadline.")
        % {"years": ", ".join(str(y) for y in years)},
        extra={"missing_years": years},
    )


@dataclass(frozen=True)
class WorkCalendar:
    """Exceptions to the Monday–Friday week plus the years whose exceptions are known."""

    holidays: frozenset[date] = field(default_factory=frozenset)
    workdays: frozenset[date] = field(default_factory=frozenset)
    covered_years: frozenset[int] = field(default_factory=frozenset)
    names: dict = field(default_factory=dict, compare=False, hash=False)

    def __post_init__(self):
        object.__setattr__(self, "holidays", frozenset(self.holidays))
        object.__setattr__(self, "workdays", frozenset(self.workdays))
        object.__setattr__(self, "covered_years", frozenset(self.covered_years))

    # -- coverage --------------------------------------------------------------------------
    def require(self, *dates):
        """Raise CalendarMissing naming every year among `dates` that is not covered."""
        missing = {d.year for d in dates if d.year not in self.covered_years}
        if missing:
            raise missing_years_error(missing)

    def require_range(self, start, end):
        missing = {y for y in range(start.year, end.year + 1) if y not in self.covered_years}
        if missing:
            raise missing_years_error(missing)

    # -- single days -----------------------------------------------------------------------
    def is_working_day(self, d):
        self.require(d)
        if d in self.workdays:
            return True
        if d in self.holidays:
            return False
        return d.weekday() < 5

    def day_name(self, d):
        """Name of a listed exception (e.g. "National Day"), or ""."""
        return self.names.get(d, "")

    def next_working_day(self, d):
        """First working day strictly after `d`."""
        d = d + ONE_DAY
        while not self.is_working_day(d):
            d += ONE_DAY
        return d

    def roll_forward(self, d):
        """`d` itself when it is a working day, else the next working day (rule 4)."""
        return d if self.is_working_day(d) else self.next_working_day(d)

    # -- counting --------------------------------------------------------------------------
    def add_working_days(self, d0, n):
        """The n-th working day after `d0` (rule 3: `d0` is day 0 and not counted)."""
        if n < 0:
            raise ValueError("n must not be negative")
        d = d0
        if n == 0:
            return d0
        for _i in range(n):
            d = self.next_working_day(d)
        return d

    def calendar_deadline(self, d0, n, pause_days=0):
        """`d0 + n + pause_days` calendar days, moved to the next working day if needed (rules 4, 6)."""
        self.require(d0)
        return self.roll_forward(d0 + timedelta(days=n + pause_days))

    def working_days_between(self, a, b):
        """Working days strictly after `a`, up to and including `b` (0 when b <= a)."""
        if b <= a:
            self.require(a, b)
            return 0
        self.require_range(a, b)
        count = 0
        d = a + ONE_DAY
        while d <= b:
            if self.is_working_day(d):
                count += 1
            d += ONE_DAY
        return count


def load_calendar():
    """Read the calendar from the database: one query for the days, one for the covered years."""
    from .models import CalendarDay, CalendarYear

    holidays, workdays, names = set(), set(), {}
    for d, kind, name in CalendarDay.objects.values_list("date", "kind", "name"):
        (workdays if kind == CalendarDay.Kind.WORKDAY else holidays).add(d)
        if name:
            names[d] = name
    years = set(CalendarYear.objects.values_list("year", flat=True))
    return WorkCalendar(holidays=holidays, workdays=workdays, covered_years=years, names=names)
