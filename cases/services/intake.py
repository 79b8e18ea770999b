"""case_create: registering a complaint (SPEC §2) with its deadlines."""
import datetime

from django.db import connection, router, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints_portal.common.errors import PermissionDenied, ValidationFailed
from complaints_portal.common.inserts import rows_insert
from complaints_portal.common.roles import Access

from .. import flags, groups
from ..deadlines import configuration, initial_deadlines
from ..events import event_record
from ..identity import customer_numbers_check
from ..inputs import choice, invalid, require, to_date, to_datetime
from ..models import CaseDeadline, Complaint, ReferenceCounter
from ..models.case import Category, Channel, ComplaintType, DisputeType, IdType, MisconductKind
from ..permissions import is_clerk
from ..signals import case_changed
from .submissions import submission_record


def contact_field(channel):
    """The contact intake requires: a complaint by email needs the sender's address, any other
    channel a phone number (the email channel may give both)."""
    return "customer_email" if channel == Channel.EMAIL else "customer_phone"


def intake_rule_errors(data, *, public=False):
    """{field: message} for the rules of intake across fields (SPEC §2, §14), shared by the
    clerk's form (IntakeForm.clean), the public form and case_create for every channel; phone
    and ID numbers are checked and normalised in ``data`` (cases.identity)."""
    errors = {}
    channel = data.get("channel")
    contact = contact_field(channel)
    if not data.get(contact):
        errors[contact] = _("This field is required.")
    errors.update(customer_numbers_check(data))
    if channel == Channel.REGULATOR and not data.get("regulator_reference"):
        errors["regulator_reference"] = _("Required for a regulator referral.")
    if not public and data.get("category") == Category.MISCONDUCT and not data.get("misconduct_kind"):
        # The customer may not know the kind (their form says "not sure"); staff register it.
        errors["misconduct_kind"] = _("Choose the kind of misconduct.")
    # A group complaint's count and representatives (SPEC §12; case_create raises their own codes).
    for name, check in (("complainant_count", groups.complainant_count_checked),
                        ("representatives", groups.representatives_checked)):
        if data.get(name) not in (None, "", []):
            try:
                check(data[name], name)
            except ValidationFailed as exc:
                errors[name] = exc.message
    regulator_date = data.get("regulator_date")
    if isinstance(regulator_date, datetime.date) and regulator_date > timezone.localdate():
        errors["regulator_date"] = _("The transfer date cannot be in the future.")
    received_at = data.get("received_at")
    if isinstance(received_at, datetime.datetime) and received_at > timezone.now() + datetime.timedelta(minutes=5):
        errors["received_at"] = _("The receipt time cannot be in the future.")
    return errors


def _rules_check(fields, *, public):
    errors = intake_rule_errors(fields, public=public)
    if not errors:
        return
    # A mistyped number has its own code, so that a client can branch on it.
    if "customer_phone" in errors and fields.get("customer_phone"):
        code = "invalid_phone"
    elif errors.keys() & {"customer_id_number", "customer_id_type"}:
        code = "invalid_id_number"
    else:
        code = "invalid"
    first = next(iter(errors))
    raise ValidationFailed(f"{first}: {errors[first]}", code=code,
                           extra={"fields": {name: [str(message)] for name, message in errors.items()}})


TEXT_LIMITS = {"summary": 200, "customer_name": 100, "customer_phone": 30, "policy_numbers": 200,
               "regulator_reference": 60, "product_line": 100, "agent_name": 100,
               "customer_address": 200, "customer_flags_note": 200}


def reference_next(year):
    """Draw the next TS-YYYY-NNNNNN with one UPDATE … RETURNING on the year's counter row (its lock,
    held one statement since intake draws before its transaction, serialises the draws)."""
    qn = connection.ops.quote_name
    sql = (f"UPDATE {qn(ReferenceCounter._meta.db_table)} SET {qn('last')} = {qn('last')} + 1 "  # noqa: S608  # nosec B608 - identifiers from model metadata
           f"WHERE {qn('year')} = %s RETURNING {qn('last')}")
    for _attempt in range(2):
        with connection.cursor() as cursor:
            cursor.execute(sql, [year])
            row = cursor.fetchone()
        if row is not None:
            return f"TS-{year}-{row[0]:06d}"
        ReferenceCounter.objects.get_or_create(year=year)
    raise RuntimeError(f"reference counter of {year} could not be created")


def case_create(*, actor, data, public=False, at=None, channel=None, submission=None):
    """Register a complaint (SPEC §2) and compute its deadlines. `actor`: an Access or a user;
    `public=True`: no staff member registered it (the online form, or `channel` for email
    intake). The rules across fields (intake_rule_errors: the contact, phone and ID numbers
    checked and normalised by cases.identity, a regulator referral received on its transfer
    date) hold for every channel. Raises ValidationFailed or CalendarMissing, saving nothing.
    `at` backdates the event (demo data and migrations only). `submission`
    (cases.services.submissions): the form token or Idempotency-Key it came with; a key already
    used raises AlreadySubmitted with the case it registered, saving nothing new. The case's
    ``registered_deadlines`` are the deadline rows written (its answer need not read them back)."""
    access = None if public else Access.of(actor)
    if access is not None and not is_clerk(access):
        raise PermissionDenied(_("Only intake clerks register complaints."))
    staff = access.user if access is not None else None
    data = dict(data)
    customer = data.pop("customer", None) or {}
    for key in ("name", "phone", "id_number", "id_type", "email", "policy_number"):
        if key in customer and f"customer_{key}" not in data:
            data[f"customer_{key}"] = customer[key]
    if customer.get("policy_number") and not data.get("policy_numbers"):
        data["policy_numbers"] = customer["policy_number"]
    if public:
        data["channel"] = channel or Channel.ONLINE
    require(data, "channel", "category", "summary", "customer_name")
    channel = choice(data, "channel", Channel)
    fields = {
        "channel": channel,
        "category": choice(data, "category", Category),
        "complaint_type": choice(data, "complaint_type", ComplaintType, required=False, default=ComplaintType.COMPLAINT),
        "misconduct_kind": choice(data, "misconduct_kind", MisconductKind, required=False),
        "dispute_type": choice(data, "dispute_type", DisputeType, required=False),
        "customer_id_type": choice(data, "customer_id_type", IdType, required=False),
    }
    for name in ("summary", "description", "expected_resolution", "customer_name", "customer_phone",
                 "customer_email", "customer_address", "customer_id_number", "policy_numbers", "product_line", "regulator_reference",
                 "agent_name", "agent_relation", "agent_authorisation", "customer_flags_note"):
        value = (data.get(name) or "").strip() if isinstance(data.get(name) or "", str) else data.get(name)
        limit = TEXT_LIMITS.get(name)
        if limit and value and len(value) > limit:
            raise invalid(name, _("%(field)s is longer than %(limit)d characters.") % {"field": name, "limit": limit},
                          _("Too long."))
        fields[name] = value or ""
    if fields["category"] != Category.MISCONDUCT:
        fields["misconduct_kind"] = ""
    fields["complainant_count"] = groups.complainant_count_checked(data.get("complainant_count"))
    fields["representatives"] = groups.representatives_checked(data.get("representatives"))
    regulator_date = to_date(data["regulator_date"], "regulator_date") \
        if channel == Channel.REGULATOR and data.get("regulator_date") else None
    received_at = to_datetime(data["received_at"], "received_at") if data.get("received_at") else None
    checked = {**fields, "regulator_date": regulator_date, "received_at": received_at}
    _rules_check(checked, public=public)
    fields.update(customer_phone=checked["customer_phone"], customer_id_number=checked["customer_id_number"])
    if received_at is None:
        # A regulator referral was received on its transfer date (SPEC §2), in every channel.
        received_at = timezone.now()
        if regulator_date is not None and regulator_date < timezone.localdate(received_at):
            received_at = timezone.make_aware(datetime.datetime.combine(regulator_date, datetime.time.min))
    if channel == Channel.REGULATOR:
        fields["regulator_date"] = regulator_date or timezone.localdate(received_at)
    d0 = timezone.localdate(received_at)
    fields["customer_flags"] = flags.at_intake(data.get("customer_flags") or [], fields["customer_id_type"],
                                               fields["customer_id_number"], d0)
    # Calendar, policies and the deadlines of a new case are the same all day: memoised per
    # process while the configuration does not change (None inside a transaction).
    memo = configuration.memo()
    case = Complaint(
        received_at=received_at,
        clock_start=d0,
        registered_by=staff,
        deadline_policy=memo.policy_for(d0) if memo else configuration.policy_for(d0),
        **fields,
    )
    # Computed before anything is written (a missing calendar raises here): the case is
    # inserted once, with its due dates, and its deadline rows in one statement.
    rows = initial_deadlines(case, computed=memo.deadlines_for_new_case(case) if memo else None)
    case.reference = reference_next(d0.year)
    with transaction.atomic():
        case._history_user = staff
        case.save()
        if submission is not None:
            submission_record(submission, case)
        rows_insert(CaseDeadline, rows, router.db_for_write(CaseDeadline))
        case_changed.send(sender=type(case), case=case, created=True, memo=memo)
        event_record(case, "created", staff, to_status=case.status, data={"channel": channel, "public": public}, at=at)
    case.registered_deadlines = rows
    return case
