from complaints_portal.common.errors import PermissionDenied
from complaints_portal.common.roles import Access

from ..fields import mask_id_number, mask_phone
from ..models import AccessLog
from ..permissions import can_reveal
from ..selectors import case_get_for_user

REVEALABLE = {"customer_phone", "customer_id_number"}


def personal_data_reveal(*, actor, reference, field, via="web"):
    """Return the full value of a personal field and log the view (SPEC §1, §8); who may
    reveal which field: cases.permissions.can_reveal."""
    access = Access.of(actor)
    case = case_get_for_user(access, reference)
    if field not in REVEALABLE or not can_reveal(access, case, field):
        raise PermissionDenied()
    AccessLog.objects.create(user=access.user, case=case, field=field, via=via)
    return getattr(case, field)


def masked(case, field):
    value = getattr(case, field)
    return mask_id_number(value) if field == "customer_id_number" else mask_phone(value)
