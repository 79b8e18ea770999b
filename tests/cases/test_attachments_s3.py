"""Attachments in S3-compatible object storage (STORAGE_URL=s3://…), against a real S3 server.

moto's server mode listens on a free local port and speaks the S3 HTTP API; the portal talks
to it through django-storages and boto3 exactly as it would to MinIO or a cloud bucket. Every
path that touches attachment bytes is exercised: staff upload, public form upload, the
permission-checked download, anonymisation, and the clean-up of a failed write.
"""
import uuid

import boto3
import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from moto.server import ThreadedMotoServer

from cases import retention
from cases.models import Attachment, Complaint
from cases.public import services as public_services
from cases.services import attachment_add, attachment_open, case_transition
from complaints_portal.common.storage import STREAM_CHUNK, ChunkReader
from complaints_portal.common.storage_s3 import AttachmentS3Storage
from complaints_portal.common.storage_url import storage_from_url
from tests.factories import cases as f

pytestmark = pytest.mark.django_db

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
REGION = "cn-north-1"


@pytest.fixture(scope="module")
def s3_endpoint():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def bucket(s3_endpoint, settings, monkeypatch, tmp_path):
    """A fresh bucket, and the portal's default storage configured from STORAGE_URL to use it
    (credentials from the environment, as in production). MEDIA_ROOT points at an empty
    directory that must stay empty."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "portal-test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "portal-test-secret")
    for name in ("AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
        monkeypatch.delenv(name, raising=False)
    name = f"attachments-{uuid.uuid4().hex[:12]}"
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name=REGION)
    client.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
    settings.MEDIA_ROOT = tmp_path
    url = f"s3://{name}/portal?endpoint_url={s3_endpoint}&region_name={REGION}&addressing_style=path"
    settings.STORAGES = {**settings.STORAGES, "default": storage_from_url(url)}

    def keys():
        return sorted(obj["Key"] for obj in client.list_objects_v2(Bucket=name).get("Contents", []))

    def body(key):
        return client.get_object(Bucket=name, Key=key)["Body"].read()

    yield type("Bucket", (), {"name": name, "keys": staticmethod(keys), "body": staticmethod(body)})
    assert list(tmp_path.iterdir()) == [], "nothing may be written to the local disk"


def png(name="photo.png"):
    return SimpleUploadedFile(name, PNG, content_type="image/png")


def test_storage_url_configures_the_s3_storage_with_every_storage_method(bucket):
    # given the storage built from STORAGE_URL
    assert isinstance(default_storage, AttachmentS3Storage)
    # when a file goes through save / exists / size / open / delete
    name = default_storage.save("probe/hello.pdf", SimpleUploadedFile("x", PDF))
    # then the object is under the URL's prefix, and every method answers from the bucket
    assert bucket.keys() == [f"portal/{name}"]
    assert default_storage.exists(name) and default_storage.size(name) == len(PDF)
    with default_storage.open(name) as handle:
        assert handle.read() == PDF
    # a second save under the same name never overwrites the first object
    second = default_storage.save("probe/hello.pdf", SimpleUploadedFile("x", b"%PDF-other"))
    assert second != name and bucket.body(f"portal/{name}") == PDF
    default_storage.delete(name)
    default_storage.delete(second)
    assert not default_storage.exists(name) and bucket.keys() == []


def test_staff_upload_through_the_page_stores_the_object_in_the_bucket(client, people, bucket):
    # given an investigation of SALES
    case = f.ComplaintFactory(investigating=True, department="SALES")
    client.force_login(people["inv_sales"])
    # when the investigator uploads through the case page's form
    response = client.post(f"/cases/{case.reference}/attachments/", {"file": png("张三.png"), "kind": "evidence"})
    # then the bytes are one object under the case's prefix, named without the uploaded name
    assert response.status_code == 302
    attachment = Attachment.objects.get(case=case)
    assert bucket.keys() == [f"portal/{attachment.file.name}"]
    assert attachment.file.name.startswith(f"cases/{case.pk}/") and "张三" not in attachment.file.name
    assert bucket.body(f"portal/{attachment.file.name}") == PNG


def test_public_form_upload_stores_the_object_in_the_bucket(client, people, bucket):
    data = {
        "customer_name": "王小明", "customer_phone": "13800138000", "category": "service",
        "dispute_type": "claims", "summary": "理赔款迟迟未到账", "description": "至今未收到款项。",
        "expected_resolution": "尽快支付。", "consent": "on",
        "attachments": [SimpleUploadedFile("letter.pdf", PDF, content_type="application/pdf")],
    }
    response = client.post("/public/complain/", data, REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 302
    attachment = Attachment.objects.get(case=Complaint.objects.get())
    assert bucket.keys() == [f"portal/{attachment.file.name}"]
    assert bucket.body(f"portal/{attachment.file.name}") == PDF


def test_failed_public_submission_removes_the_objects_it_wrote(people, bucket, monkeypatch):
    # given a submission whose customer message fails after the files were stored
    def broken(*args, **kwargs):
        raise RuntimeError("message store down")

    monkeypatch.setattr(public_services.messaging, "send_customer_message", broken)
    data = {"customer_name": "王小明", "customer_phone": "13800138000", "category": "service",
            "dispute_type": "claims", "summary": "s", "description": "d", "expected_resolution": "e"}
    # when it is submitted
    with pytest.raises(RuntimeError):
        public_services.public_complaint_submit(data=data, files=[(PDF, "application/pdf", "a.pdf")], language="en")
    # then neither the rows nor the objects remain
    assert Complaint.objects.count() == 0
    assert bucket.keys() == []


def test_download_streams_the_object_through_the_permission_check(client, people, bucket):
    # given a 300 KB attachment stored in the bucket
    case = f.ComplaintFactory(investigating=True, department="SALES")
    content = PDF + b"%" + b"x" * (300 * 1024)
    attachment = attachment_add(actor=people["inv_sales"], reference=case.reference,
                                uploaded_file=SimpleUploadedFile("big.pdf", content))
    url = f"/cases/{case.reference}/attachments/{attachment.pk}/"

    # when the case's investigator downloads it
    client.force_login(people["inv_sales"])
    response = client.get(url)

    # then the bytes arrive as a stream, in chunks no larger than STREAM_CHUNK
    assert response.status_code == 200
    assert response.streaming
    assert int(response["Content-Length"]) == len(content)
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    chunks = list(response.streaming_content)
    assert b"".join(chunks) == content
    assert len(chunks) >= 5 and max(len(chunk) for chunk in chunks) <= STREAM_CHUNK

    # and another department's investigator gets the same 404 as for a missing case
    client.force_login(people["inv_cs"])
    assert client.get(url).status_code == 404


def test_download_reads_the_s3_response_body_not_a_downloaded_copy(people, bucket):
    case = f.ComplaintFactory(investigating=True, department="SALES")
    attachment = attachment_add(actor=people["inv_sales"], reference=case.reference, uploaded_file=png())
    response = attachment_open(actor=people["inv_sales"], reference=case.reference, attachment_id=attachment.pk)
    # S3Storage.open() would download the whole object into a temporary file first
    assert isinstance(response.file_to_stream, ChunkReader)
    assert b"".join(response.streaming_content) == PNG
    response.close()


def test_download_of_an_object_missing_from_the_bucket_is_a_404(client, people, bucket):
    case = f.ComplaintFactory(investigating=True, department="SALES")
    attachment = attachment_add(actor=people["inv_sales"], reference=case.reference, uploaded_file=png())
    default_storage.delete(attachment.file.name)
    client.force_login(people["inv_sales"])
    assert client.get(f"/cases/{case.reference}/attachments/{attachment.pk}/").status_code == 404


def test_anonymisation_deletes_the_objects_from_the_bucket(people, bucket, django_capture_on_commit_callbacks):
    # given an archived case past its retention date, with an attachment in the bucket besides
    # the PDF of its decision notice (an attachment of the case too)
    case = f.ComplaintFactory(closed=True)
    attachment_add(actor=people["clerk"], reference=case.reference, uploaded_file=png())
    case_transition(actor=people["supervisor"], reference=case.reference, action="archive")
    Complaint.objects.filter(pk=case.pk).update(retention_until="2000-01-01")
    assert case.notices.filter(document__isnull=False).count() == 1
    assert len(bucket.keys()) == Attachment.objects.filter(case=case).count() == 2

    # when the retention job runs and its transaction commits
    with django_capture_on_commit_callbacks(execute=True):
        done = retention.anonymise_expired()

    # then every object of the case is gone and each row says so
    assert done == [case.reference]
    assert bucket.keys() == []
    assert not Attachment.objects.filter(case=case, removed_at__isnull=True).exists()


def test_a_storage_error_while_deleting_is_logged_not_raised(people, bucket, monkeypatch, caplog):
    # an S3 error is a botocore ClientError, not an OSError: it must not break the retention job
    from botocore.exceptions import ClientError

    def refuse(self, name):
        raise ClientError({"Error": {"Code": "AccessDenied", "Message": "denied"}}, "DeleteObject")

    monkeypatch.setattr(AttachmentS3Storage, "delete", refuse)
    retention._delete_files(["cases/1/x"])
    assert "could not delete" in caplog.text
