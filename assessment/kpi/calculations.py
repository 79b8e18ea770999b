"""KPI arithmetic on plain values (SPEC §5). No ORM here: the selectors count in the database
and hand the counts to these functions, and the tests check the rules without a database.

Rates are percentages rounded half-up; a zero (or missing) denominator gives None, which the
reports show as N/A (empty in CSV). Never 0 or 100 for "no data".
"""
import datetime
import enum
from decimal import ROUND_HALF_UP, Decimal

KPI_RULES_VERSION = "2026.1"

COMPLAINT_RATE_PLACES = 4
RATE_PLACES = 2
COMPANION_PLACES = 4


def rate(numerator, denominator, places, scale=100):
    """``scale`` × numerator ÷ denominator rounded half-up to ``places``; None if denominator is 0."""
    if denominator is None or numerator is None:
        return None
    denominator = Decimal(denominator)
    if denominator == 0:
        return None
    value = Decimal(scale) * Decimal(numerator) / denominator
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def complaint_rate(complaints, new_policies):
    """100 × complaints ÷ new policies underwritten, 4 places."""
    return rate(complaints, new_policies, COMPLAINT_RATE_PLACES)


def on_time_rate(on_time, denominator):
    """100 × on time ÷ (cohort − excluded − pending), 2 places."""
    return rate(on_time, denominator, RATE_PLACES)


def satisfaction_rate(satisfied, revisited):
    """100 × satisfied (rating 4–5) ÷ revisited (first completed visit), 2 places."""
    return rate(satisfied, revisited, RATE_PLACES)


def revisit_success_rate(revisited, attempted):
    """100 × completed visits ÷ visits with any outcome, 2 places."""
    return rate(revisited, attempted, RATE_PLACES)


def stage_compliance_rate(met, denominator):
    return rate(met, denominator, RATE_PLACES)


def per_10k(complaints, base):
    """Complaints per 10,000 (policies in force or insured persons), 4 places."""
    return rate(complaints, base, COMPANION_PLACES, scale=10_000)


def per_100m_premium(complaints, premium):
    """Complaints per CNY 100 million of premium, 4 places."""
    return rate(complaints, premium, COMPANION_PLACES, scale=100_000_000)


def format_rate(value):
    """A rate as text for CSV: the decimal as computed, empty for N/A."""
    return "" if value is None else str(value)


class Timeliness(enum.StrEnum):
    EXCLUDED = "excluded"
    PENDING = "pending"
    ON_TIME = "on_time"
    LATE = "late"


def _local_date(value, tz):
    if value is None or isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return value
    return value.astimezone(tz).date() if tz is not None else value.date()


def classify_on_time(*, due_on, as_of, notified_at=None, withdrawn_at=None, tz=None):
    """How one complaint counts in the on-time rate as of the end of local day ``as_of``.

    ``notified_at`` is the first-round decision notice (a review does not change the first
    round's judgement), ``withdrawn_at`` the withdrawal; both aware datetimes (converted to
    local dates with ``tz``) or None. Events after ``as_of`` have not happened yet.

    - excluded: withdrawn on or before the due date, before any decision was notified;
    - on time / late: decision notified on / after the due date;
    - pending: no decision yet and the due date is today or later (or not known yet);
    - late: otherwise — open (or withdrawn) past the due date without a decision.
    """
    notified_on = _local_date(notified_at, tz)
    withdrawn_on = _local_date(withdrawn_at, tz)
    if notified_on is not None and notified_on > as_of:
        notified_at = notified_on = None
    if withdrawn_on is not None and withdrawn_on > as_of:
        withdrawn_at = withdrawn_on = None
    withdrawn_first = withdrawn_on is not None and (notified_at is None or notified_at > withdrawn_at)
    if withdrawn_first and due_on is not None and withdrawn_on <= due_on:
        return Timeliness.EXCLUDED
    if notified_on is not None:
        if due_on is not None and notified_on <= due_on:
            return Timeliness.ON_TIME
        # A decision with no known due date cannot be judged; it waits like a pending case.
        return Timeliness.LATE if due_on is not None else Timeliness.PENDING
    if due_on is None or due_on >= as_of:
        return Timeliness.PENDING
    return Timeliness.LATE
