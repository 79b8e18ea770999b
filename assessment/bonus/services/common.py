"""Errors, permission checks and file helpers shared by the results services."""
import csv
import datetime
import io

from openpyxl import Workbook

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



def table_csv(header, rows):
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    # A BOM so that Excel opens the Chinese names as UTF-8.
    return "\ufeff" + out.getvalue()


def table_xlsx(title, header, rows):
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title[:31]
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
