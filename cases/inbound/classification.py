"""The clerk confirms the category of a complaint that arrived by email (SPEC §14).

Email intake registers a mail under a default category (cases.inbound.services); the case waits
in the intake queue, marked, until a clerk confirms or corrects the category here. The
department is set by the ordinary dispatch (assign) as for any case.
"""
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints_portal.common.errors import PermissionDenied, ReadOnlyCase, ValidationFailed
from complaints_portal.common.roles import Access

from .. import deadlines
from ..events import event_record
from ..inputs import choice
from ..models import InboundMail
from ..models.case import Category, DisputeType, MisconductKind, Status
from ..permissions import is_clerk
from ..selectors import case_get_for_user
from ..signals import case_changed


def email_case_classify(*, actor, reference, data):
    """Set the category (with misconduct kind and dispute type) of an email case still awaiting
    it, recompute its deadlines (stage rules may differ by category) and record the event.

    Raises PermissionDenied for anyone but a clerk, NotFound for a case the actor may not see,
    ValidationFailed for bad values or a case that does not await classification."""
    access = Access.of(actor)
    with transaction.atomic():
        case = case_get_for_user(access, reference, for_update=True)
        if not is_clerk(access):
            raise PermissionDenied(_("Only intake clerks confirm the category of a complaint."))
        if case.status == Status.ARCHIVED:
            raise ReadOnlyCase()
        return _classify(case, access.user, data)


def _classify(case, actor, data):
    fields = {
        "category": choice(data, "category", Category),
        "misconduct_kind": choice(data, "misconduct_kind", MisconductKind, required=False),
        "dispute_type": choice(data, "dispute_type", DisputeType, required=False),
    }
    if fields["category"] != Category.MISCONDUCT:
        fields["misconduct_kind"] = ""
    elif not fields["misconduct_kind"]:
        raise ValidationFailed(_("Choose the kind of misconduct."),
                               extra={"fields": {"misconduct_kind": [_("This field is required.")]}})
    inbound = (InboundMail.objects.select_for_update()
               .filter(case=case, kind=InboundMail.Kind.NEW_CASE, classified_at__isnull=True).first())
    if inbound is None:
        raise ValidationFailed(_("This complaint does not await the confirmation of its category."))
    before = case.category
    for name, value in fields.items():
        setattr(case, name, value)
    deadlines.apply_deadlines(case)
    case.version += 1
    case._history_user = actor
    case.save()
    case_changed.send(sender=type(case), case=case)
    now = timezone.now()
    inbound.classified_by, inbound.classified_at = actor, now
    inbound._history_user = actor
    inbound.save(update_fields=["classified_by", "classified_at"])
    event_record(case, "classified", actor, data={"category": case.category, "before": before}, at=now)
    return case
