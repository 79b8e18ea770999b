"""Errors, permission checks and file helpers shared by the results services."""
import datetime

from complaints_portal.common.errors import ApplicationError, PermissionDenied, ValidationFailed
from complaints_portal.common.roles import ADMINISTRATOR, SUPERVISOR, has_role


class BonusRulesInvalid(ValidationFailed):
    code = "bonus_rules_invalid"


class BonusNoRules(ApplicationError):
    code = "bonus_no_rules"
    status_code = 409


class BonusConfirmationRequired(ApplicationError):
    code = "bonus_confirmation_required"
    status_code = 409


class BonusNothingToApprove(ApplicationError):
    code = "bonus_nothing_to_approve"
    status_code = 409


class BonusCorrectionInvalid(ValidationFailed):
    code = "bonus_correction_invalid"


def can_manage_results(user):
    return has_role(user, SUPERVISOR)


def can_export_for_hr(user):
    return has_role(user, SUPERVISOR, ADMINISTRATOR)


_ONE_DAY = datetime.timedelta(days=1)


def _require_supervisor(user):
    if not can_manage_results(user):
        raise PermissionDenied()
