"""CSV imports (SPEC §9): a bad line is reported by number (the header is line 1) and imports
nothing; the good lines import; re-importing updates."""
import csv
import datetime
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils.translation import gettext as _

from cases.models import Department

from .models import PolicyVolume
from .periods import InvalidPeriod, period_parse


class LineError(Exception):
    """A problem with one CSV line; the message is shown with the line number."""


class HeaderError(Exception):
    """The file cannot be read as the expected CSV at all."""


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    errors: list = field(default_factory=list)  # [(line number, message)]

    @property
    def ok(self):
        return not self.errors


def read_rows(lines, required, optional=()):
    """Yield (line number, {column: stripped value}) from a CSV after checking the header, as
    csv.DictReader reads it; None for a line with more fields than the header."""
    reader = csv.reader(lines)
    header = [h.strip() for h in next(reader, [])]
    missing = [c for c in required if c not in header]
    if missing:
        raise HeaderError(_("The header lacks the column(s): %(cols)s.") % {"cols": ", ".join(missing)})
    unknown = [c for c in header if c not in required and c not in optional]
    if unknown:
        raise HeaderError(_("Unknown column(s) in the header: %(cols)s.") % {"cols": ", ".join(unknown)})
    width = len(header)
    for row in reader:
        if not row:
            continue
        if len(row) > width:
            yield reader.line_num, None
            continue
        if len(row) < width:
            row += [""] * (width - len(row))
        yield reader.line_num, dict(zip(header, [v.strip() for v in row], strict=True))


def parse_int(value, column, required=False):
    if value == "":
        if required:
            raise LineError(_("%(col)s is required.") % {"col": column})
        return None
    try:
        number = int(value)
    except ValueError:
        raise LineError(_("%(col)s: “%(value)s” is not a whole number.") % {"col": column, "value": value}) from None
    if number < 0:
        raise LineError(_("%(col)s: “%(value)s” is negative.") % {"col": column, "value": value})
    return number


def parse_decimal(value, column):
    if value == "":
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise LineError(_("%(col)s: “%(value)s” is not a number.") % {"col": column, "value": value}) from None
    if not number.is_finite() or number < 0 or number != number.quantize(Decimal("0.01")):
        raise LineError(_("%(col)s: “%(value)s” is not an amount with at most 2 decimals.") % {"col": column, "value": value})
    if abs(number) >= Decimal(10) ** 16:
        raise LineError(_("%(col)s: “%(value)s” is too large.") % {"col": column, "value": value})
    return number


VOLUME_REQUIRED = ("period", "department", "new_policies")
VOLUME_OPTIONAL = ("policies_in_force", "premium", "insured_persons")


def policy_volumes_import(lines):
    """Import `period,department,new_policies[,policies_in_force,premium,insured_persons]`, a line
    per transaction; a repeated period and department is reported, not imported."""
    result = ImportResult()
    departments = {d.code: d for d in Department.objects.all()}
    seen = {}
    for line, row in read_rows(lines, VOLUME_REQUIRED, VOLUME_OPTIONAL):
        try:
            if row is None:
                raise LineError(_("too many fields"))
            try:
                period = period_parse(row["period"])
            except InvalidPeriod as exc:
                raise LineError(exc.message) from None
            department = departments.get(row["department"])
            if department is None:
                raise LineError(_("unknown department “%(code)s”.") % {"code": row["department"]})
            values = {
                "new_policies": parse_int(row["new_policies"], "new_policies", required=True),
                "policies_in_force": parse_int(row.get("policies_in_force", ""), "policies_in_force"),
                "premium": parse_decimal(row.get("premium", ""), "premium"),
                "insured_persons": parse_int(row.get("insured_persons", ""), "insured_persons"),
            }
            for name in ("new_policies", "policies_in_force", "insured_persons"):
                if values[name] is not None and values[name] > 2_147_483_647:
                    raise LineError(_("%(col)s is too large.") % {"col": name})
            key = (period.code, department.code)
            if key in seen:
                raise LineError(
                    _("duplicate of line %(line)s (%(period)s %(dept)s).")
                    % {"line": seen[key], "period": period.code, "dept": department.code}
                )
            seen[key] = line
            with transaction.atomic():
                _obj, created = PolicyVolume.objects.update_or_create(
                    period=period.code, department=department, defaults=values
                )
            if created:
                result.created += 1
            else:
                result.updated += 1
        except LineError as exc:
            result.errors.append((line, str(exc)))
    return result


def report_errors(stderr, errors):
    for line, message in errors:
        stderr.write(_("line %(line)s: %(message)s") % {"line": line, "message": message})


def local_datetime(value, column, tz):
    """ISO 8601 date-time; without an offset it is local time."""
    if value == "":
        return None
    try:
        parsed = datetime.datetime.fromisoformat(value)
    except ValueError:
        raise LineError(
            _("%(col)s: “%(value)s” is not an ISO 8601 date-time.") % {"col": column, "value": value}
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=tz)
    return parsed
