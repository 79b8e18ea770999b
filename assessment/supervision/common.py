"""What the supervision modules share: their errors, the people they notify, working days."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy

from cases.calendar import load_calendar
from cases.models import DepartmentMembership
from cases.models.case import Status
from cases.permissions import is_supervisor
from complaints_portal.common.errors import (
    ApplicationError,
    PermissionDenied,
    ValidationFailed,
)
from complaints_portal.common.roles import SUPERVISOR

User = get_user_model()


CLOSED_STATES = (Status.CLOSED, Status.ARCHIVED)


def setting(name, default):
    return getattr(settings, name, default)


class SpotCheckExists(ApplicationError):
    code = "spot_check_exists"
    status_code = 409
    default_message = gettext_lazy(
        "A spot check for this period and department was already drawn. Replace it only with a recorded reason."
    )


class AlreadyReviewed(ApplicationError):
    code = "already_reviewed"
    status_code = 409
    default_message = gettext_lazy("This case of the sample has already been reviewed.")


class ClosingNoteRequired(ValidationFailed):
    code = "closing_note_required"
    default_message = gettext_lazy("A note saying what was done is required to close it.")


class AlreadyClosed(ApplicationError):
    code = "already_closed"
    status_code = 409
    default_message = gettext_lazy("This item is already closed.")


# ---------------------------------------------------------------------------------------------
# Who sees what


def require_supervisor(actor):
    if not is_supervisor(actor):
        raise PermissionDenied()


def heads_of(department):
    return User.objects.filter(memberships__department=department, memberships__role=DepartmentMembership.Role.HEAD,
                               is_active=True).order_by("pk").distinct()


def active_supervisors():
    return User.objects.filter(groups__name=SUPERVISOR, is_active=True).order_by("pk").distinct()


def working_days_from(day, n):
    return load_calendar().add_working_days(day, n)
