"""Surge alerts (SPEC §13): a daily comparison of each product line's, dispute type's and
department's complaints of the last window with the windows before.

Complaints are counted as for the complaint rate (assessment.kpi.rules.COUNTED, on the KPI read
model): complaint type, not merged. The counts are one GROUP BY per dimension over the days of
the window and its history; the arithmetic is ``surge_test`` (pure). The job is safe to run
twice: an alert is not raised again while an earlier alert of the same key overlaps the window,
and (dimension, key, window end) is unique in the table.
"""
import datetime
import statistics
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.db.models.functions import TruncDate
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessment.kpi.models import KpiCase
from assessment.kpi.periods import day_start, local_today, local_tz
from assessment.kpi.rules import COUNTED
from assessment.supervision.common import active_supervisors, require_supervisor
from cases.models import Department
from cases.models.case import DisputeType
from cases.notifications import notify
from complaints_portal.common.errors import ApplicationError, NotFound, ValidationFailed

from .models import SurgeAlert

# The read model's column of each dimension (the product line is read from the case).
KEY_COLUMNS = {
    SurgeAlert.Dimension.PRODUCT_LINE: "case__product_line",
    SurgeAlert.Dimension.DISPUTE_TYPE: "dispute_type",
    SurgeAlert.Dimension.DEPARTMENT: "department__code",
}


class NoteRequired(ValidationFailed):
    code = "acknowledgement_note_required"
    default_message = gettext_lazy("A note is required to acknowledge an alert.")


class AlreadyAcknowledged(ApplicationError):
    code = "already_acknowledged"
    status_code = 409
    default_message = gettext_lazy("This alert has already been acknowledged.")


@dataclass(frozen=True)
class SurgeTest:
    count: int
    mean: float
    stdev: float
    threshold: float
    surge: bool


def surge_test(count, history, *, sigma, minimum):
    """Is ``count`` a surge over the earlier windows' counts ``history``? It is when it exceeds
    mean + sigma × (population) standard deviation and is at least ``minimum``."""
    mean = statistics.fmean(history) if history else 0.0
    stdev = statistics.pstdev(history) if len(history) > 1 else 0.0
    threshold = mean + sigma * stdev
    return SurgeTest(count, mean, stdev, threshold, count > threshold and count >= minimum)


@dataclass(frozen=True)
class Windows:
    """The current window [start, end] (local dates, inclusive) and the ``history`` windows of
    the same length before it; ``index(day)`` is 0 for the current window, 1.. for the earlier."""

    end: datetime.date
    days: int
    history: int

    @property
    def start(self):
        return self.end - datetime.timedelta(days=self.days - 1)

    @property
    def first_day(self):
        return self.end - datetime.timedelta(days=self.days * (self.history + 1) - 1)

    def index(self, day):
        return (self.end - day).days // self.days


def surge_windows(today=None):
    """The windows of a run on ``today``: the current window ends yesterday (whole days only)."""
    today = today or local_today()
    return Windows(today - datetime.timedelta(days=1), settings.SURGE_WINDOW_DAYS, settings.SURGE_HISTORY_WINDOWS)


def _counted(windows, start):
    end = day_start(windows.end + datetime.timedelta(days=1))
    return KpiCase.objects.filter(COUNTED, received_at__gte=day_start(start), received_at__lt=end)


def surge_counts(dimension, windows):
    """{key: [count of window 0, window 1, ...]} for one dimension; cases without a value left out."""
    column = KEY_COLUMNS[dimension]
    rows = (_counted(windows, windows.first_day).exclude(**{f"{column}__isnull": True}).exclude(**{column: ""})
            .annotate(day=TruncDate("received_at", tzinfo=local_tz())).values_list(column, "day")
            .annotate(n=Count("pk")).order_by())
    counts = {}
    for key, day, n in rows:
        counts.setdefault(key, [0] * (windows.history + 1))[windows.index(day)] += n
    return counts


def surge_case_ids(dimension, key, windows):
    """The cases behind a count: the counted complaints of the key in the current window."""
    return list(_counted(windows, windows.start).filter(**{KEY_COLUMNS[dimension]: key})
                .order_by("received_at").values_list("case_id", flat=True))


def key_label(dimension, key):
    """How a key is shown: the dispute type's label, the department's code and name."""
    if dimension == SurgeAlert.Dimension.DISPUTE_TYPE:
        try:
            return DisputeType(key).label
        except ValueError:
            return key
    if dimension == SurgeAlert.Dimension.DEPARTMENT:
        name = Department.objects.filter(code=key).values_list("name", flat=True).first()
        return f"{key} {name}" if name else key
    return key


def surge_alerts_raise(today=None):
    """Raise the alerts of a run on ``today`` (default: the local date) and tell the supervisors;
    returns the alerts raised. Keys with an alert whose window overlaps this one are skipped."""
    windows = surge_windows(today)
    raised = []
    for dimension in SurgeAlert.Dimension:
        for key, series in sorted(surge_counts(dimension, windows).items()):
            result = surge_test(series[0], series[1:], sigma=settings.SURGE_SIGMA, minimum=settings.SURGE_MINIMUM)
            if not result.surge:
                continue
            if SurgeAlert.objects.filter(dimension=dimension, key=key, window_end__gte=windows.start).exists():
                continue
            alert = _alert_create(dimension, key, windows, result)
            if alert is not None:
                raised.append(alert)
    return raised


def _money(value):
    return Decimal(str(round(value, 2)))


def _alert_create(dimension, key, windows, result):
    try:
        with transaction.atomic():
            alert = SurgeAlert.objects.create(
                dimension=dimension, key=key, window_start=windows.start, window_end=windows.end,
                count=result.count, mean=_money(result.mean), stdev=_money(result.stdev),
                threshold=_money(result.threshold), history_windows=windows.history, raised_at=timezone.now(),
            )
            alert.cases.set(surge_case_ids(dimension, key, windows))
            subject = _("Surge: %(count)d complaints of %(what)s %(key)s from %(start)s to %(end)s") % {
                "count": result.count, "what": alert.get_dimension_display(), "key": key_label(dimension, key),
                "start": f"{windows.start:%Y-%m-%d}", "end": f"{windows.end:%Y-%m-%d}",
            }
            body = _("Threshold %(threshold)s (mean %(mean)s, standard deviation %(stdev)s). %(url)s") % {
                "threshold": alert.threshold, "mean": alert.mean, "stdev": alert.stdev,
                "url": reverse("warning_alert", args=[alert.pk]),
            }
            for supervisor in active_supervisors():
                notify(supervisor, "surge_alert", subject, body, dedupe_key=f"surge_alert:{alert.pk}:{supervisor.pk}")
    except IntegrityError:
        return None  # a concurrent run raised it
    return alert


def surge_alert_acknowledge(*, actor, alert_id, note):
    """Acknowledge an alert with a note (supervisors). The alert stays in the list."""
    require_supervisor(actor)
    note = (note or "").strip()
    if not note:
        raise NoteRequired(extra={"fields": {"note": [_("This field is required.")]}})
    with transaction.atomic():
        alert = SurgeAlert.objects.select_for_update().filter(pk=alert_id).first()
        if alert is None:
            raise NotFound()
        if alert.acknowledged_at is not None:
            raise AlreadyAcknowledged()
        alert.acknowledged_at = timezone.now()
        alert.acknowledged_by = actor
        alert.note = note
        alert._history_user = actor
        alert.save(update_fields=["acknowledged_at", "acknowledged_by", "note"])
    return alert


def surge_alerts_open_count():
    """The dashboard card's figure: alerts not yet acknowledged."""
    return SurgeAlert.objects.filter(acknowledged_at__isnull=True).count()
