"""STORAGE_URL → the attachment storage (local files by default, an S3-compatible bucket)."""
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from complaints_portal.common.storage_url import LOCAL_BACKEND, S3_BACKEND, storage_from_url

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("url", [None, "", "   "])
def test_unset_storage_url_means_local_files_under_attachment_root(url):
    # no location option: FileSystemStorage follows MEDIA_ROOT (= ATTACHMENT_ROOT)
    assert storage_from_url(url) == {"BACKEND": LOCAL_BACKEND}


def test_s3_url_with_every_option():
    config = storage_from_url(
        "s3://complaints-attachments/portal/prod?endpoint_url=http://minio.internal:9000"
        "&region_name=cn-east-1&addressing_style=path&signature_version=s3v4&verify=false&use_ssl=true"
        "&server_side_encryption=AES256"
    )
    assert config["BACKEND"] == S3_BACKEND
    assert config["OPTIONS"] == {
        "bucket_name": "complaints-attachments", "location": "portal/prod",
        "endpoint_url": "http://minio.internal:9000", "region_name": "cn-east-1", "addressing_style": "path",
        "signature_version": "s3v4", "verify": False, "use_ssl": True,
        "object_parameters": {"ServerSideEncryption": "AES256"},
        "file_overwrite": False, "default_acl": None, "max_memory_size": 2 * 1024 * 1024,
    }


def test_s3_url_with_only_a_bucket_uses_the_default_endpoint_and_no_prefix():
    options = storage_from_url("s3://complaints")["OPTIONS"]
    assert options["bucket_name"] == "complaints" and options["location"] == ""
    assert "endpoint_url" not in options


def _settings_with(storage_url):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "complaints_portal.settings.local", "STORAGE_URL": storage_url}
    code = ("import django; django.setup(); from django.core.files.storage import default_storage as s; "
            "print(s.__class__.__name__, s.bucket_name)")
    return subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True,
                          timeout=120, check=False)


def test_the_settings_build_the_s3_storage_from_the_environment():
    result = _settings_with("s3://complaints?endpoint_url=https://s3.example.com&region_name=cn-east-1")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["AttachmentS3Storage", "complaints"]


def test_a_malformed_storage_url_stops_the_process_with_the_variable_named():
    result = _settings_with("s3://Not_A_Bucket")
    assert result.returncode != 0
    assert "ImproperlyConfigured: Environment variable STORAGE_URL is invalid" in result.stderr


@pytest.mark.parametrize(("url", "says"), [
    ("ftp://bucket", "unsupported scheme “ftp”"),
    ("complaints", "unsupported scheme “(none)”"),
    ("s3://", "is not a valid bucket name"),
    ("s3://Upper_Case", "“Upper_Case” is not a valid bucket name"),
    ("s3://a..b", "not a valid bucket name"),
    ("s3://key:secret@bucket", "credentials"),
    ("s3://bucket:9000", "credentials or a port"),
    ("s3://bucket:abc", "cannot be parsed"),
    ("s3://bucket?region=cn-east-1", "unknown option “region”"),
    ("s3://bucket?region_name=a&region_name=b", "given twice"),
    ("s3://bucket?region_name=", "has no value"),
    ("s3://bucket?endpoint_url=minio:9000", "endpoint_url must be an http:// or https:// URL"),
    ("s3://bucket?addressing_style=sideways", "addressing_style must be one of auto, path, virtual"),
    ("s3://bucket?verify=maybe", "must be true or false"),
    ("s3://bucket?server_side_encryption=rot13", "server_side_encryption must be one of"),
    ("s3://bucket?endpoint_url", "malformed"),
    ("s3://bucket#frag", "fragment"),
])
def test_malformed_storage_url_stops_start_up_with_a_message_naming_the_problem(url, says):
    with pytest.raises(ImproperlyConfigured) as error:
        storage_from_url(url)
    assert "STORAGE_URL" in str(error.value)
    assert says in str(error.value)
    assert "secret" not in str(error.value)
