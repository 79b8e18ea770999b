"""Assessment periods: calendar quarters (``2026Q3``) and years (``2026``), as local dates in
settings.TIME_ZONE whose aware bounds are the half-open range [start 00:00, day after end
00:00) that database filters use."""
import datetime
import re
import zoneinfo
from dataclasses import dataclass

from django.conf import settings
from django.core.validators import RegexValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from complaints_portal.common.errors import ApplicationError

_PERIOD_RE = re.compile(r"^(\d{4})(?:Q([1-4]))?$")
# The years a period or an as-of date may name: wide enough for any data the portal holds and
# its history, narrow enough that no date arithmetic on them leaves Python's date range.
MIN_YEAR, MAX_YEAR = 1990, 2100
PERIOD_VALIDATOR = RegexValidator(r"^\d{4}(Q[1-4])?$", _("Use a period like 2026Q3 or 2026."))


class InvalidPeriod(ApplicationError):
    code = "invalid_period"
    status_code = 400
    default_message = _("Use a period like 2026Q3 or 2026.")


@dataclass(frozen=True)
class Period:
    code: str
    start: datetime.date
    end: datetime.date  # inclusive

    @property
    def is_year(self):
        return "Q" not in self.code

    @property
    def year(self):
        return self.start.year

    @property
    def quarter_codes(self):
        """The quarters the period is made of (a quarter is made of itself)."""
        if self.is_year:
            return [f"{self.year}Q{q}" for q in range(1, 5)]
        return [self.code]

    def __str__(self):
        return self.code


def local_tz():
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def period_parse(text):
    """Parse ``2026Q3`` or ``2026`` into a Period; raise InvalidPeriod otherwise."""
    match = _PERIOD_RE.match((text or "").strip().upper())
    if not match:
        raise InvalidPeriod(
            _("“%(period)s” is not a period; use a period like 2026Q3 or 2026.") % {"period": text},
            extra={"period": text},
        )
    year = int(match.group(1))
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise InvalidPeriod(
            _("“%(period)s” is outside the years %(first)s–%(last)s.") % {"period": text, "first": MIN_YEAR, "last": MAX_YEAR},
            extra={"period": text},
        )
    if match.group(2):
        quarter = int(match.group(2))
        start = datetime.date(year, 3 * quarter - 2, 1)
        end = _quarter_end(year, quarter)
        return Period(f"{year}Q{quarter}", start, end)
    return Period(str(year), datetime.date(year, 1, 1), datetime.date(year, 12, 31))


def _quarter_end(year, quarter):
    if quarter == 4:
        return datetime.date(year, 12, 31)
    return datetime.date(year, 3 * quarter + 1, 1) - datetime.timedelta(days=1)


def quarter_of(day):
    """The quarter containing a date."""
    return period_parse(f"{day.year}Q{(day.month - 1) // 3 + 1}")


def previous_quarter(day=None):
    """The quarter before the one containing ``day`` (default: today, local)."""
    day = day or local_today()
    current = quarter_of(day)
    return quarter_of(current.start - datetime.timedelta(days=1))


def quarters_ending(period, count):
    """The ``count`` quarters ending with ``period`` (its last quarter for a year), oldest first."""
    last = quarter_of(period.end)
    result = [last]
    while len(result) < count:
        result.append(quarter_of(result[-1].start - datetime.timedelta(days=1)))
    return list(reversed(result))


def local_today():
    return timezone.localdate(timezone.now(), local_tz())


def day_start(day):
    """Aware datetime of 00:00 local time on ``day``."""
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=local_tz())


def day_end_exclusive(day):
    """Aware datetime of 00:00 local time on the day after ``day`` (the end of day, exclusive)."""
    return day_start(day + datetime.timedelta(days=1))


def period_bounds(period):
    """(start, end) aware datetimes of a period, end exclusive."""
    return day_start(period.start), day_end_exclusive(period.end)


def date_parse(text):
    """Parse an ISO date (YYYY-MM-DD) between MIN_YEAR and MAX_YEAR, or raise InvalidPeriod
    with a clear message."""
    try:
        day = datetime.date.fromisoformat((text or "").strip())
    except ValueError:
        raise InvalidPeriod(
            _("“%(date)s” is not a date; use YYYY-MM-DD.") % {"date": text}, code="invalid_date"
        ) from None
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        raise InvalidPeriod(
            _("“%(date)s” is outside the years %(first)s–%(last)s.") % {"date": text, "first": MIN_YEAR, "last": MAX_YEAR},
            code="invalid_date",
        )
    return day
