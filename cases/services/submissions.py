"""A submission sent twice registers one complaint (SPEC §3).

The customer's form and the clerk's intake form carry a one-time token (a hidden field drawn
when the form is shown); the API honours an ``Idempotency-Key`` header. The intake service
records the key with the case, in the case's transaction, under a unique constraint: whichever
of two identical submissions commits first registers the case, the other finds the key and is
answered with that case (``AlreadySubmitted``), in any number of workers and across restarts.
A key is honoured for ``KEY_HOURS`` hours; the API refuses a key sent again with another body.
"""
import datetime
import hashlib
import json
import secrets
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from complaints_portal.common.errors import ApplicationError, ValidationFailed

from ..models import SubmissionKey

KEY_HOURS = 24
KEY_MAX_LENGTH = 255
# The key's form, as the API schema states it (the check below is the same rule).
KEY_PATTERN = f"^[\\x21-\\x7e]{{1,{KEY_MAX_LENGTH}}}$"


class AlreadySubmitted(ApplicationError):
    """The submission was already registered: ``case`` is the complaint it registered."""

    code = "already_submitted"
    status_code = 409
    default_message = _("This form was already submitted; the complaint is registered once.")

    def __init__(self, case, **kwargs):
        self.case = case
        super().__init__(extra={"reference": case.reference}, **kwargs)


class IdempotencyKeyReused(ApplicationError):
    code = "idempotency_key_reused"
    status_code = 422
    default_message = _("This Idempotency-Key was already used with a different request body.")


@dataclass(frozen=True)
class Submission:
    """What a registration is submitted under: ``scope`` (who may replay it) and ``key``;
    ``fingerprint``: the digest of the body, when a reused key must carry the same one."""

    scope: str
    key: str
    fingerprint: str = ""


def form_token():
    """A fresh one-time token for a form (128 bits and more: never guessed)."""
    return secrets.token_urlsafe(24)


def form_submission(scope, token):
    """The Submission of a form posted with ``token``; None without one (a client that is
    not our page: nothing to deduplicate by)."""
    token = (token or "").strip()
    return Submission(scope, token[:KEY_MAX_LENGTH]) if token else None


def api_submission(user, key, body):
    """The Submission of an API request with header ``Idempotency-Key: key`` (None without
    the header); the key must be 1–255 visible ASCII characters."""
    if key is None:
        return None
    if not 0 < len(key) <= KEY_MAX_LENGTH or not all(33 <= ord(c) <= 126 for c in key):
        raise ValidationFailed(_("Idempotency-Key must be 1 to 255 visible ASCII characters."),
                               code="idempotency_key_invalid")
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, default=str).encode()
    return Submission(f"api:{user.pk}", key, hashlib.sha256(canonical).hexdigest())


def submission_record(submission, case):
    """Record ``submission`` as having registered ``case``; call inside the case's transaction,
    after the case is saved. Raises AlreadySubmitted (the first case) when the key was already
    used within KEY_HOURS (waiting, if that registration is still committing), and
    IdempotencyKeyReused when it came with another body; the caller's transaction then rolls
    the new case back. An older key is taken over."""
    now = timezone.now()
    fields = {"case": case, "fingerprint": submission.fingerprint, "created_at": now}
    try:
        with transaction.atomic():
            SubmissionKey.objects.create(scope=submission.scope, key=submission.key, **fields)
            return
    except IntegrityError:
        pass
    existing = SubmissionKey.objects.select_for_update().select_related("case").get(
        scope=submission.scope, key=submission.key)
    if existing.created_at < now - datetime.timedelta(hours=KEY_HOURS):
        SubmissionKey.objects.filter(pk=existing.pk).update(**fields)
        return
    if existing.fingerprint != submission.fingerprint:
        raise IdempotencyKeyReused()
    raise AlreadySubmitted(existing.case)


def submission_keys_purge(now=None):
    """Delete the keys no longer honoured; returns how many. Daily (beat), safe to run twice."""
    cutoff = (now or timezone.now()) - datetime.timedelta(hours=KEY_HOURS)
    deleted, _rows = SubmissionKey.objects.filter(created_at__lt=cutoff).delete()
    return deleted
