"""Follow-up visits after the decision (回访, SPEC §5): the queue, each case's due date, and the
writes of attempts and outcomes (permission checked inside, one transaction with the
timeline row and the KPI read-model row)."""
import datetime

from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.calendar import load_calendar
from cases.events import event_record
from cases.models import Complaint
from cases.models.case import Status
from cases.permissions import handles_case, is_clerk, is_department_investigator, is_supervisor
from cases.selectors import case_list_visible_to
from complaints_portal.common.errors import (
    ApplicationError,
    CalendarMissing,
    PermissionDenied,
    ReadOnlyCase,
    ValidationFailed,
)

from .models import FollowUpAttempt, FollowUpVisit
from .readmodel import kpi_cases_refresh

UNREACHABLE_MIN_ATTEMPTS = 3


class FollowUpNotDue(ApplicationError):
    code = "followup_before_decision"
    status_code = 409
    default_message = _("A follow-up visit can only be recorded after the decision was notified.")


class FollowUpInvalid(ValidationFailed):
    code = "followup_invalid"


class FollowUpNeedsAttempts(ApplicationError):
    code = "followup_needs_attempts"
    status_code = 409
    default_message = _("“Unreachable” needs 3 recorded attempts to reach the customer.")


def can_follow_up(user, case):
    """Clerks (customer service), supervisors and the people handling the case's department."""
    return is_clerk(user) or is_supervisor(user) or handles_case(user, case) or is_department_investigator(user, case)


def _check_followup(case, user, at):
    if not can_follow_up(user, case):
        raise PermissionDenied()
    # An archived case accepts nothing (SPEC §3), so a visit can no longer change the figures
    # of a published quarter. The status is read under the case's row lock, so an archive
    # committing at the same moment cannot slip between this check and the write.
    status = Complaint.objects.select_for_update().filter(pk=case.pk).values_list("status", flat=True).first()
    if status == Status.ARCHIVED:
        raise ReadOnlyCase()
    if case.notified_at is None:
        raise FollowUpNotDue()
    if at > timezone.now() + datetime.timedelta(minutes=5):
        raise FollowUpInvalid(_("The time is in the future."), extra={"fields": {"at": ["future"]}})
    if at < case.notified_at:
        raise FollowUpInvalid(_("The time is before the decision was notified."), extra={"fields": {"at": ["before_decision"]}})


@transaction.atomic
def followup_attempt_record(case, user, at=None, channel="phone", result=FollowUpAttempt.Result.NO_ANSWER, note=""):
    """Record one try at reaching the customer after the decision; returns the attempt.

    Three recorded attempts are what allow a visit to be closed as "unreachable"."""
    at = at or timezone.now()
    _check_followup(case, user, at)
    if result not in FollowUpAttempt.Result.values:
        raise FollowUpInvalid(_("Unknown result."), extra={"fields": {"result": ["invalid"]}})
    attempt = FollowUpAttempt.objects.create(case=case, at=at, channel=channel or "phone", result=result, note=note, by=user)
    event_record(case, "followup_attempt", user, data={"result": result, "channel": attempt.channel}, at=at)
    return attempt


@transaction.atomic
def followup_record(case, user, outcome, rating=None, visited_at=None, comment=""):
    """Record a follow-up visit's outcome after the decision notice (SPEC §5): completed needs a
    rating 1–5, unreachable 3 recorded attempts; the first completed visit is the one counted."""
    visited_at = visited_at or timezone.now()
    _check_followup(case, user, visited_at)
    if outcome not in FollowUpVisit.Outcome.values:
        raise FollowUpInvalid(_("Unknown outcome."), extra={"fields": {"outcome": ["invalid"]}})
    if outcome == FollowUpVisit.Outcome.COMPLETED:
        if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
            raise FollowUpInvalid(_("A completed visit needs a rating from 1 to 5."), extra={"fields": {"rating": ["required"]}})
    elif rating is not None:
        raise FollowUpInvalid(_("Only a completed visit has a rating."), extra={"fields": {"rating": ["not_allowed"]}})
    if outcome == FollowUpVisit.Outcome.UNREACHABLE:
        attempts = FollowUpAttempt.objects.filter(case=case, at__lte=visited_at).count()
        if attempts < UNREACHABLE_MIN_ATTEMPTS:
            raise FollowUpNeedsAttempts(extra={"attempts": attempts})
    # Counted for the case's department: the KPI read model's writer keeps the copy in step.
    visit = FollowUpVisit(case=case, outcome=outcome, rating=rating, visited_at=visited_at, comment=comment, by=user,
                          department_id=case.department_id)
    visit._change_reason = "followup"
    visit.save()
    kpi_cases_refresh([case.pk], visit_times=[visited_at])
    event_record(case, "followup", user, data={"outcome": outcome, "rating": rating}, at=visited_at)
    return visit




def followup_due(case, calendar):
    """The date a follow-up visit of ``case`` is due: the deadline policy's
    ``followup_working_days`` (default 5) working days after the local date of the decision
    notice. None when the calendar does not cover the dates (SPEC §4: never guessed)."""
    try:
        return calendar.add_working_days(timezone.localdate(case.notified_at), case.deadline_policy.followup_working_days)
    except ApplicationError:
        return None


def followup_queue(user, limit=200):
    """The cases ``user`` may see that wait for a follow-up visit (decision notified, not
    merged, not archived, no visit outcome yet), nearest due date first (undated last), as
    [{"case", "due", "attempts"}]."""
    cases = (
        case_list_visible_to(user)
        .filter(notified_at__isnull=False, merged_into__isnull=True)
        .exclude(status=Status.ARCHIVED)
        .exclude(followups__outcome__in=FollowUpVisit.Outcome.values)
        .select_related("department", "deadline_policy")
        .annotate(attempt_count=Count("followup_attempts"))
        .order_by("notified_at")[:limit]
    )
    try:
        calendar = load_calendar()
    except CalendarMissing:
        calendar = None
    items = [{"case": case, "due": calendar and followup_due(case, calendar), "attempts": case.attempt_count}
             for case in cases]
    items.sort(key=lambda i: (i["due"] is None, i["due"] or datetime.date.max))
    return items
