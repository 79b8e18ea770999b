"""One application error type with a stable code; views and the API render it the same way.

Services raise these for every business failure. The `code` is part of the API contract:
clients branch on it, so codes are never renamed.
"""
from django.utils.translation import gettext_lazy as _


class ApplicationError(Exception):
    code = "application_error"
    status_code = 400
    default_message = _("The request could not be carried out.")

    def __init__(self, message=None, *, code=None, extra=None):
        self.message = str(message if message is not None else self.default_message)
        if code:
            self.code = code
        self.extra = extra or {}
        super().__init__(self.message)


class ValidationFailed(ApplicationError):
    code = "invalid"
    status_code = 400
    default_message = _("Some fields are not valid.")


class NotFound(ApplicationError):
    """Raised both for a missing object and for one the user may not see: the two must be
    indistinguishable, or the error itself leaks that a case exists."""

    code = "not_found"
    status_code = 404
    default_message = _("Not found.")


class PermissionDenied(ApplicationError):
    code = "permission_denied"
    status_code = 403
    default_message = _("You are not allowed to do this.")


class TransitionNotAllowed(ApplicationError):
    code = "transition_not_allowed"
    status_code = 409
    default_message = _("This action is not allowed in the case's current state.")


class ConcurrentModification(ApplicationError):
    code = "case_changed"
    status_code = 409
    default_message = _("The case was changed by someone else in the meantime. Reload it and try again.")


class CalendarMissing(ApplicationError):
    code = "deadline_calendar_missing"
    status_code = 422
    default_message = _("The working-day calendar does not cover a date needed for this deadline.")


class ReadOnlyCase(ApplicationError):
    code = "case_archived"
    status_code = 409
    default_message = _("The case is archived and read-only.")
