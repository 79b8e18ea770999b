"""STORAGE_URL: where attachments are kept, as one URL (read by the settings).

- unset or empty: local files under ATTACHMENT_ROOT (Django's FileSystemStorage);
- ``s3://BUCKET[/PREFIX]?endpoint_url=https://host:9000&region_name=…&addressing_style=path``:
  an S3-compatible bucket through django-storages. Credentials are not part of the URL: boto3
  reads them from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (or an instance role), so the URL
  can be logged and shown without leaking a secret.

Pure parsing, no import of boto3: the settings of a local installation stay light.
"""
import re
from urllib.parse import parse_qsl, urlsplit

from django.core.exceptions import ImproperlyConfigured

LOCAL_BACKEND = "django.core.files.storage.FileSystemStorage"
S3_BACKEND = "complaints_portal.common.storage_s3.AttachmentS3Storage"

# S3 bucket naming rules: 3–63 characters, lower-case letters, digits, dots and hyphens,
# beginning and ending with a letter or digit.
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_BOOL = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}
_ADDRESSING = {"path", "virtual", "auto"}
_ENCRYPTION = {"AES256", "aws:kms"}
# Query options accepted, and what they become in S3Storage's OPTIONS.
_OPTIONS = {"endpoint_url", "region_name", "addressing_style", "signature_version", "verify", "use_ssl",
            "server_side_encryption"}
# Reads larger than this spool to a temporary file instead of memory (S3File.read); the
# download view does not use it at all, it streams the object body.
MAX_MEMORY_SIZE = 2 * 1024 * 1024


def _fail(reason):
    raise ImproperlyConfigured(
        f"Environment variable STORAGE_URL is invalid: {reason}. Expected "
        "s3://BUCKET[/PREFIX]?endpoint_url=https://HOST:PORT&region_name=REGION&addressing_style=path "
        "(credentials in AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY), or leave it unset for local "
        "files under ATTACHMENT_ROOT"
    )


def storage_from_url(url):
    """The STORAGES["default"] entry for ``url``; ImproperlyConfigured naming the problem."""
    url = (url or "").strip()
    if not url:
        return {"BACKEND": LOCAL_BACKEND}
    try:
        parts = urlsplit(url)
        port = parts.port  # raises on a non-numeric port
    except ValueError as exc:
        _fail(f"cannot be parsed ({exc})")
    if parts.scheme != "s3":
        _fail(f"unsupported scheme “{parts.scheme or '(none)'}”")
    if parts.username or parts.password or port is not None:
        _fail("credentials or a port belong in AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY and endpoint_url, "
              "not in the bucket part")
    bucket = parts.netloc  # not .hostname, which would lower-case an invalid name into a valid one
    if not _BUCKET.match(bucket) or ".." in bucket:
        _fail(f"“{bucket}” is not a valid bucket name")
    if parts.fragment:
        _fail("a fragment (#…) has no meaning here")
    prefix = parts.path.strip("/")
    options = {
        "bucket_name": bucket,
        "location": prefix,
        # Two uploads never replace each other's bytes: a name in use gets a suffix.
        "file_overwrite": False,
        # The bucket's own policy decides access (private); objects are never public-read.
        "default_acl": None,
        "max_memory_size": MAX_MEMORY_SIZE,
    }
    try:
        pairs = parse_qsl(parts.query, keep_blank_values=True, strict_parsing=bool(parts.query))
    except ValueError:
        _fail("the query string is malformed")
    seen = set()
    for key, value in pairs:
        if key not in _OPTIONS:
            _fail(f"unknown option “{key}” (known: {', '.join(sorted(_OPTIONS))})")
        if key in seen:
            _fail(f"option “{key}” is given twice")
        seen.add(key)
        if value == "":
            _fail(f"option “{key}” has no value")
        if key == "endpoint_url":
            endpoint = urlsplit(value)
            if endpoint.scheme not in ("http", "https") or not endpoint.hostname:
                _fail("endpoint_url must be an http:// or https:// URL with a host")
            options["endpoint_url"] = value
        elif key == "addressing_style":
            if value not in _ADDRESSING:
                _fail(f"addressing_style must be one of {', '.join(sorted(_ADDRESSING))}")
            options["addressing_style"] = value
        elif key in ("verify", "use_ssl"):
            if value.lower() not in _BOOL:
                _fail(f"option “{key}” must be true or false")
            options[key] = _BOOL[value.lower()]
        elif key == "server_side_encryption":
            if value not in _ENCRYPTION:
                _fail(f"server_side_encryption must be one of {', '.join(sorted(_ENCRYPTION))}")
            options["object_parameters"] = {"ServerSideEncryption": value}
        else:
            options[key] = value
    return {"BACKEND": S3_BACKEND, "OPTIONS": options}


def storage_is_local(storages):
    """True when attachments (the default storage) are files on this machine's disk."""
    return storages["default"]["BACKEND"] in (LOCAL_BACKEND, "django.core.files.storage.filesystem.FileSystemStorage")
