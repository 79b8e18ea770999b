"""Attachments (SPEC §8): size limit, type by content not by name, stored outside the web root,
downloaded only through the permission check."""
import io
import zipfile

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from cases.models import Attachment, CaseEvent
from cases.services import attachment_add, attachment_open
from cases.services.attachments import AttachmentRefused
from complaints_portal.common.errors import NotFound, ReadOnlyCase
from tests.factories.cases import ComplaintFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")


def zipped(entries):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


DOCX_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
)
DOCX = zipped({"[Content_Types].xml": DOCX_TYPES, "_rels/.rels": "<Relationships/>",
               "word/document.xml": "<w:document/>"})


def xlsx():
    workbook = openpyxl.Workbook()
    workbook.active["A1"] = "理赔金额"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def upload(name, content, content_type="application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.mark.parametrize(("name", "content", "mime"), [
    ("letter.pdf", PDF, "application/pdf"),
    ("photo.png", PNG, "image/png"),
    ("scan-without-extension", PDF, "application/pdf"),
    ("statement.docx", DOCX, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("figures.xlsx", xlsx(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
])
def test_allowed_types_are_stored_by_content_with_an_event(people, media, name, content, mime):
    case = ComplaintFactory(investigating=True)

    attachment = attachment_add(actor=people["inv_sales"], reference=case.reference, uploaded_file=upload(name, content))

    assert (attachment.content_type, attachment.size, attachment.original_name) == (mime, len(content), name)
    # stored under MEDIA_ROOT (outside the web root), under a name that is not the uploaded one
    assert attachment.file.path.startswith(str(media))
    assert name not in attachment.file.name
    assert CaseEvent.objects.filter(case=case, kind="attachment", data__attachment=attachment.pk).count() == 1


def test_oversized_file_is_refused_and_nothing_is_stored(people, settings, media):
    settings.ATTACHMENT_MAX_BYTES = 50
    case = ComplaintFactory(investigating=True)

    with pytest.raises(AttachmentRefused) as error:
        attachment_add(actor=people["inv_sales"], reference=case.reference, uploaded_file=upload("big.pdf", PDF))

    assert error.value.code == "attachment_refused"
    assert not Attachment.objects.exists()
    assert not any(media.rglob("*"))


@pytest.mark.parametrize(("name", "content"), [
    ("invoice.pdf", b"just some text pretending to be a PDF"),
    ("photo.png", b"<html><script>alert(1)</script></html>"),
    ("tool.pdf", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"),  # a Windows executable
    # zips that only look like Office documents by a folder name
    ("report.docx", zipped({"word/evil.html": "<script>alert(1)</script>", "run.exe": b"MZ\x90\x00"})),
    ("report.docx", zipped({"word/document.xml": "<w:document/>", "run.exe": b"MZ\x90\x00"})),
    ("figures.xlsx", zipped({"[Content_Types].xml": DOCX_TYPES.replace("word/document", "xl/other"),
                             "xl/evil.html": "<script/>"})),
    ("report.docx", b"PK\x03\x04 a broken zip"),
])
def test_disguised_file_is_refused_whatever_its_name(people, name, content):
    case = ComplaintFactory(investigating=True)

    with pytest.raises(AttachmentRefused):
        attachment_add(actor=people["inv_sales"], reference=case.reference, uploaded_file=upload(name, content))

    assert not Attachment.objects.exists()
    assert not CaseEvent.objects.filter(kind="attachment").exists()


def test_upload_to_another_departments_case_is_not_found(people):
    case = ComplaintFactory(investigating=True, department="SALES")

    with pytest.raises(NotFound):
        attachment_add(actor=people["inv_cs"], reference=case.reference, uploaded_file=upload("a.pdf", PDF))


def test_upload_to_an_archived_case_is_refused(people):
    case = ComplaintFactory(archived=True)

    with pytest.raises(ReadOnlyCase):
        attachment_add(actor=people["clerk"], reference=case.reference, uploaded_file=upload("a.pdf", PDF))


def test_download_is_served_to_permitted_users_only(people):
    # given
    case = ComplaintFactory(investigating=True)
    attachment = attachment_add(actor=people["inv_sales"], reference=case.reference,
                                uploaded_file=upload("letter.pdf", PDF))
    # when: permitted
    response = attachment_open(actor=people["head_sales"], reference=case.reference, attachment_id=attachment.pk)
    # then
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert f"{case.reference}-{attachment.pk}.pdf" in response["Content-Disposition"]
    # and another department's staff get 404, as for a missing attachment
    for user in (people["inv_cs"], people["head_cs"]):
        with pytest.raises(NotFound):
            attachment_open(actor=user, reference=case.reference, attachment_id=attachment.pk)
    with pytest.raises(NotFound):
        attachment_open(actor=people["head_sales"], reference=case.reference, attachment_id=attachment.pk + 999)


def test_api_upload_list_and_download(people):
    # given
    case = ComplaintFactory(investigating=True)
    url = f"/api/v1/complaints/{case.reference}/attachments/"
    # when
    created = api(people["inv_sales"]).post(url, {"file": upload("letter.pdf", PDF), "kind": "letter"},
                                            format="multipart")
    refused = api(people["inv_sales"]).post(url, {"file": upload("fake.pdf", b"plain text")}, format="multipart")
    # then
    assert created.status_code == 201, created.json()
    assert created.json()["content_type"] == "application/pdf" and created.json()["kind"] == "letter"
    assert refused.status_code == 400 and refused.json()["code"] == "attachment_refused"
    listed = api(people["head_sales"]).get(url).json()
    assert [a["id"] for a in listed] == [created.json()["id"]]
    download = api(people["head_sales"]).get(f"{url}{created.json()['id']}/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    for user in (people["inv_cs"], people["head_cs"]):
        assert api(user).get(f"{url}{created.json()['id']}/").status_code == 404
        assert api(user).get(url).status_code == 404
        assert api(user).post(url, {"file": upload("a.pdf", PDF)}, format="multipart").status_code == 404
