"""Encrypted text column for ID numbers (SPEC §8): Fernet with the key from the environment;
masking of phone and ID numbers; the customer's status look-up code."""
import base64
import hashlib
import re
import secrets
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models


@lru_cache(maxsize=4)
def _fernet(key):
    if not key:
        raise ImproperlyConfigured("Environment variable FIELD_ENCRYPTION_KEY is not set")
    try:
        return Fernet(key.encode())
    except ValueError:
        # Accept any passphrase by deriving a proper 32-byte key from it.
        return Fernet(base64.urlsafe_b64encode(hashlib.sha256(key.encode()).digest()))


def fernet():
    return _fernet(settings.FIELD_ENCRYPTION_KEY)


class EncryptedTextField(models.TextField):
    """Stores Fernet ciphertext; Python code only ever sees the plain value."""

    def from_db_value(self, value, expression, connection):
        if not value:
            return value
        try:
            return fernet().decrypt(value.encode()).decode()
        except InvalidToken:
            return ""

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if not value:
            return value
        return fernet().encrypt(value.encode()).decode()


def mask_id_number(value):
    """110105199001011234 -> 110***********1234."""
    if not value:
        return ""
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_phone(value):
    """13812345678 -> 138****5678."""
    if not value:
        return ""
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


# The customer's status look-up code (SPEC §1: references are sequential, so the public
# look-up takes this random code instead). Crockford's base32: no I, L, O or U, so a code read
# out on the phone or typed from a letter is unambiguous; 12 characters are 60 random bits.
PUBLIC_CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
PUBLIC_CODE_LENGTH = 12
_PUBLIC_CODE_READINGS = str.maketrans({"O": "0", "I": "1", "L": "1"})


def new_public_code():
    return "".join(secrets.choice(PUBLIC_CODE_ALPHABET) for _ in range(PUBLIC_CODE_LENGTH))


def normalise_public_code(text):
    """The code as stored (12 characters of the alphabet) from what a customer typed (any case,
    spaces or dashes, O for 0, I or L for 1); None when it cannot be a code."""
    code = re.sub(r"[\s\-]", "", text or "").upper().translate(_PUBLIC_CODE_READINGS)
    if len(code) != PUBLIC_CODE_LENGTH or any(c not in PUBLIC_CODE_ALPHABET for c in code):
        return None
    return code


def format_public_code(code):
    """ABCD1234EFGH -> ABCD-1234-EFGH (as printed for the customer)."""
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4)) if code else ""
