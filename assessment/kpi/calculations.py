"""KPI arithmetic on plain values (SPEC §5): rates are percentages rounded half-up; a zero or
missing denominator gives None (N/A, empty in CSV), never 0 or 100."""
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
    """How a cohort case counts in the on-time rate (rules.timeliness decides)."""

    EXCLUDED = "excluded"
    PENDING = "pending"
    ON_TIME = "on_time"
    LATE = "late"
