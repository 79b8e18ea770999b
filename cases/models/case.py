from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from complaints_portal.common.inserts import CompiledInsert
from complaints_portal.common.models import TimeStampedModel

from ..fields import PUBLIC_CODE_LENGTH, EncryptedTextField, format_public_code, new_public_code
from .deadlines import Tier
from .flags import CustomerFlag, MajorReason  # noqa: F401  (re-exported with the case's other choices)


class Status(models.TextChoices):
    RECEIVED = "received", _("Received")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    ASSIGNED = "assigned", _("Assigned")
    INVESTIGATING = "investigating", _("Investigating")
    REPORTED = "reported", _("Reported")
    PLAN_PENDING = "plan_pending", _("Plan awaiting approval")
    PLAN_APPROVED = "plan_approved", _("Plan approved")
    RESPONDED = "responded", _("Decision notified")
    CLOSED = "closed", _("Closed")
    ARCHIVED = "archived", _("Archived")


class Channel(models.TextChoices):
    HOTLINE = "hotline", _("Hotline")
    ONLINE = "online", _("Online")
    LETTER = "letter", _("Letter")
    VISIT = "visit", _("Visit")
    EMAIL = "email", pgettext_lazy("channel", "Email")
    REGULATOR = "regulator", _("Regulator referral")
    MEDIA = "media", _("Media / public opinion")
    OTHER = "other", _("Other")


class Category(models.TextChoices):
    PRODUCT = "product", _("Product")
    SERVICE = "service", _("Service quality")
    MISCONDUCT = "misconduct", _("Staff misconduct")


class MisconductKind(models.TextChoices):
    MIS_SELLING = "mis_selling", _("Mis-selling")
    INFO_LEAK = "info_leak", _("Information leak")
    OTHER = "other", _("Other misconduct")


class DisputeType(models.TextChoices):
    SALES = "sales", _("Sales dispute")
    CLAIMS = "claims", _("Claims dispute")
    SURRENDER = "surrender", _("Surrender dispute")
    UNDERWRITING = "underwriting", _("Underwriting dispute")
    POLICY_SERVICE = "policy_service", _("Policy service dispute")
    RENEWAL = "renewal", _("Renewal dispute")
    SERVICE = "service", _("Service dispute")
    INFO_SECURITY = "info_security", _("Information security dispute")
    OTHER = "other", _("Other dispute")


class ComplaintType(models.TextChoices):
    COMPLAINT = "complaint", _("Complaint")
    FEEDBACK = "feedback", _("Feedback only")


class IdType(models.TextChoices):
    RESIDENT_ID = "resident_id", _("Resident ID card")
    PASSPORT = "passport", _("Passport")
    HK_MACAO = "hk_macao", _("Mainland travel permit (HK/Macao)")
    OTHER = "other", _("Other")


class Outcome(models.TextChoices):
    ACCEPTED = "accepted", _("Accepted by the customer")
    CLOSED = "closed", _("Closed, obligations fulfilled")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    MERGED = "merged", _("Merged into another case")


class RootCause(models.TextChoices):
    PRODUCT_TERMS = "product_terms", _("Product terms unclear")
    MIS_SELLING = "mis_selling", _("Mis-selling / exaggerated returns")
    COMMUNICATION = "communication", _("Poor communication")
    PROCESS_DELAY = "process_delay", _("Slow or cumbersome process")
    SYSTEM_ERROR = "system_error", _("System or data error")
    INFO_SECURITY = "info_security", _("Personal data handling")
    STAFF_CONDUCT = "staff_conduct", _("Staff conduct")
    OTHER = "other", _("Other")


OPEN_STATUSES = (
    Status.RECEIVED,
    Status.ACKNOWLEDGED,
    Status.ASSIGNED,
    Status.INVESTIGATING,
    Status.REPORTED,
    Status.PLAN_PENDING,
    Status.PLAN_APPROVED,
    Status.RESPONDED,
)
# Before the decision is notified: the stage deadlines are tracked, the clock can be changed.
BEFORE_DECISION = OPEN_STATUSES[:-1]
# With a responsible department, before the decision.
WITH_DEPARTMENT = BEFORE_DECISION[2:]


class ReferenceCounter(models.Model):
    """Per-year sequence behind references like TS-2026-000123 (row-locked when drawn)."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)


class Complaint(CompiledInsert, TimeStampedModel):
    """One complaint case. Status changes only through cases.services.case_transition."""

    reference = models.CharField(_("reference"), max_length=20, unique=True)
    # The customer's status look-up code (random, SPEC §1); NULL for legacy cases.
    public_code = models.CharField(
        _("status look-up code"), max_length=PUBLIC_CODE_LENGTH, unique=True, null=True, blank=True,
        default=new_public_code, editable=False,
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.RECEIVED)
    # Bumped by every write through the services; a stale form carrying it is refused.
    version = models.PositiveIntegerField(default=1)
    round = models.PositiveSmallIntegerField(_("round"), default=1, help_text=_("2 = review after a dispute"))

    # Intake
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    regulator_reference = models.CharField(_("regulator reference"), max_length=60, blank=True)
    regulator_date = models.DateField(_("regulator transfer date"), null=True, blank=True)
    complaint_type = models.CharField(
        _("complaint type"), max_length=20, choices=ComplaintType.choices, default=ComplaintType.COMPLAINT
    )
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    misconduct_kind = models.CharField(_("misconduct kind"), max_length=20, choices=MisconductKind.choices, blank=True)
    dispute_type = models.CharField(_("dispute type"), max_length=20, choices=DisputeType.choices, blank=True)
    product_line = models.CharField(_("product line"), max_length=100, blank=True)
    policy_numbers = models.CharField(_("policy numbers"), max_length=200, blank=True)
    summary = models.CharField(_("summary"), max_length=200)
    description = models.TextField(_("what happened"), blank=True)
    expected_resolution = models.TextField(_("what the customer wants"), blank=True)

    customer_name = models.CharField(_("customer name"), max_length=100)
    customer_phone = models.CharField(_("customer phone"), max_length=30)  # indexed in Meta
    customer_email = models.EmailField(_("customer email"), blank=True)
    # Postal address as given; compared as written (after trimming) by the organised-complaint
    # signals of assessment/warning (SPEC §13).
    customer_address = models.CharField(_("customer address"), max_length=200, blank=True)
    customer_id_type = models.CharField(_("ID type"), max_length=20, choices=IdType.choices, blank=True)
    customer_id_number = EncryptedTextField(_("ID number"), blank=True)
    agent_name = models.CharField(_("agent or heir"), max_length=100, blank=True)
    agent_relation = models.CharField(_("relation to the customer"), max_length=50, blank=True)
    agent_authorisation = models.CharField(_("authorisation"), max_length=200, blank=True)
    # CustomerFlag codes, comma-separated (cases.flags); elderly derived from a resident ID.
    customer_flags = models.CharField(_("customer flags"), max_length=100, blank=True)
    customer_flags_note = models.CharField(_("customer's needs"), max_length=200, blank=True)
    # A group complaint (SPEC §12): how many complain together, and at most 5 representatives as
    # [{"name", "phone"}], checked by cases.groups (the phones by cases.identity).
    complainant_count = models.PositiveIntegerField(_("number of complainants"), default=1)
    representatives = models.JSONField(_("representatives"), default=list, blank=True)
    # A major complaint (SPEC §12): marked by the mark_major action, which opens the emergency
    # report's deadline (CaseDeadline stage emergency_report); submit_emergency_report meets it.
    major_reason = models.CharField(_("major complaint"), max_length=20, choices=MajorReason.choices, blank=True)
    major_note = models.CharField(_("why it is major"), max_length=200, blank=True)
    major_marked_at = models.DateTimeField(_("marked major at"), null=True, blank=True)
    emergency_report = models.TextField(_("emergency report"), blank=True)
    emergency_reported_at = models.DateTimeField(_("emergency report submitted at"), null=True, blank=True)

    received_at = models.DateTimeField(_("received at"))
    # D0: the local date of received_at unless new facts restarted the clock (SPEC §4 rule 7).
    clock_start = models.DateField(_("deadline clock start (D0)"))
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        db_index=False,  # a partial index in Meta
    )

    # Lifecycle
    # No index of its own: case_queue (department, status, next_due) leads with it.
    department = models.ForeignKey(
        "cases.Department", null=True, blank=True, on_delete=models.PROTECT, related_name="cases",
        verbose_name=_("responsible department"), db_index=False,
    )
    tier = models.CharField(_("tier"), max_length=10, choices=Tier.choices, default=Tier.SIMPLE)
    deadline_policy = models.ForeignKey("cases.DeadlinePolicy", on_delete=models.PROTECT, related_name="+")
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    ack_method = models.CharField(_("contact method"), max_length=30, blank=True)
    ack_note = models.TextField(_("what the customer was told"), blank=True)
    assigned_at = models.DateTimeField(_("assigned at"), null=True, blank=True)
    team_formed_at = models.DateTimeField(_("team formed at"), null=True, blank=True)
    reported_at = models.DateTimeField(_("reported at"), null=True, blank=True)
    plan_proposed_at = models.DateTimeField(_("plan proposed at"), null=True, blank=True)
    plan_approved_at = models.DateTimeField(_("plan approved at"), null=True, blank=True)
    notified_at = models.DateTimeField(_("decision notified at"), null=True, blank=True)
    first_notified_at = models.DateTimeField(_("first-round decision notified at"), null=True, blank=True)
    disputed_at = models.DateTimeField(_("disputed at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    archived_at = models.DateTimeField(_("archived at"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    # Due date in force for the first-round decision (tier, valid extensions, pauses).
    due_overall = models.DateField(_("regulatory due date"), null=True, blank=True)
    # Nearest open due date, denormalised so that queues sort and filter on an index.
    next_due = models.DateField(_("next due date"), null=True, blank=True)

    at_fault = models.BooleanField(_("at fault"), null=True, blank=True)
    root_cause = models.CharField(_("root cause"), max_length=30, choices=RootCause.choices, blank=True)
    major_negative_impact = models.BooleanField(_("major negative impact"), default=False)
    redress_amount = models.DecimalField(_("redress amount (CNY)"), max_digits=12, decimal_places=2, null=True, blank=True)
    corrective_action = models.TextField(_("corrective action"), blank=True)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="duplicates", verbose_name=_("merged into"),
        db_index=False,  # a partial index in Meta
    )

    retention_until = models.DateField(_("retain until"), null=True, blank=True)
    legal_hold = models.BooleanField(_("legal hold"), default=False)
    legal_hold_reason = models.CharField(_("legal hold reason"), max_length=200, blank=True)
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True)
    is_legacy = models.BooleanField(_("imported from legacy system"), default=False)
    # Where the case's latest mediation stands (SPEC §11; the Mediation rows hold the details):
    # read by the action guards without a query.
    mediation_state = models.CharField(_("mediation"), max_length=12, blank=True, choices=[
        ("under_way", _("Mediation under way")), ("agreed", _("Agreement to be performed"))])

    # History indexed by case, date and author only (the copied column indexes served no query).
    # Inserted by a statement compiled once, as the case (complaints_portal.common.inserts).
    history = HistoricalRecords(
        bases=[CompiledInsert, models.Model],
        excluded_fields=["updated_at"],
        no_db_index=["reference", "public_code", "customer_phone", "deadline_policy", "department", "merged_into", "registered_by"],
    )

    class Meta:
        ordering = ["-received_at"]
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        indexes = [
            models.Index(fields=["department", "status", "next_due"], name="case_queue"),
            models.Index(fields=["status", "next_due"], name="case_status_due"),
            models.Index(fields=["received_at"], name="case_received"),
            # A department's open cases in queue order: the first page straight from the index.
            models.Index(
                fields=["department", "next_due", "received_at"], name="case_open_queue",
                # The dashboard's backlog by status is counted from this index alone.
                include=["status"],
                condition=models.Q(status__in=[s.value for s in OPEN_STATUSES], merged_into__isnull=True),
            ),
            # The open major complaints (SPEC §12), counted on the dashboard: a handful of rows.
            models.Index(
                fields=["department"], name="case_major_open",
                condition=models.Q(status__in=[s.value for s in OPEN_STATUSES], merged_into__isnull=True)
                & ~models.Q(major_reason=""),
            ),
            models.Index(fields=["policy_numbers"], name="case_policy"),
            # Equality only: no pattern-matching index (Django adds one for db_index on PostgreSQL).
            models.Index(fields=["customer_phone"], name="case_customer_phone"),
            # The organised-complaint signals (assessment/warning) look up the cases sharing an
            # email, an address or an agent; most cases have none, which the indexes leave out.
            models.Index(fields=["customer_email"], name="case_customer_email", condition=~models.Q(customer_email="")),
            models.Index(fields=["customer_address"], name="case_customer_address",
                         condition=~models.Q(customer_address="")),
            models.Index(fields=["agent_name"], name="case_agent_name", condition=~models.Q(agent_name="")),
            # The NULLs (most cases), which no query looks up, are left out of these indexes.
            models.Index(fields=["merged_into"], name="case_merged_into", condition=models.Q(merged_into__isnull=False)),
            models.Index(
                fields=["registered_by"], name="case_registered_by", condition=models.Q(registered_by__isnull=False)
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=[s.value for s in Status]), name="case_status_valid"
            ),
            models.CheckConstraint(
                condition=~models.Q(status="closed")
                | models.Q(notified_at__isnull=False)
                | models.Q(withdrawn_at__isnull=False)
                | models.Q(merged_into__isnull=False)
                | models.Q(is_legacy=True),
                name="case_closed_has_decision_or_withdrawal",
            ),
            models.CheckConstraint(
                condition=models.Q(next_due__isnull=True) | models.Q(next_due__gte=models.F("clock_start")),
                name="case_due_not_before_receipt",
            ),
            models.CheckConstraint(condition=models.Q(complainant_count__gte=1), name="case_complainant_count_positive"),
        ]

    @property
    def flags(self):
        """The customer flags (CustomerFlag codes) the case carries."""
        return [code for code in self.customer_flags.split(",") if code]

    @property
    def is_major(self):
        return bool(self.major_reason)

    def __str__(self):
        return self.reference

    @property
    def public_code_display(self):
        """The look-up code as printed for the customer (ABCD-1234-EFGH)."""
        return format_public_code(self.public_code)

    @property
    def is_open(self):
        return self.status in OPEN_STATUSES


    @property
    def department_code(self):
        """The responsible department's code; None before dispatch."""
        return self.department.code if self.department_id else None

    @property
    def merged_into_reference(self):
        """The reference of the case this one was merged into, if any."""
        return self.merged_into.reference if self.merged_into_id else None
