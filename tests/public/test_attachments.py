"""/attachments/<id>/: a request's files, only to those who may see the request and the
person in it; everyone else gets the same answer as for an id that does not exist."""

from __future__ import annotations

import io
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from accounts.models import Role, User
from core.access import Actor
from core.models import Attachment, Channel, MediaOutlet, PersonalDataAccess
from core.services import request_create, request_dispatch
from lib.uploads import clean_document, clean_photo
from tests.conftest import PASSWORD, new_request

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _files_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def jpeg(name: str = "处方照片.jpg") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(out, "JPEG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def pdf(name: str = "诊断证明.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


@pytest.fixture
def owner(citizen):
    citizen.phone = "13812341234"
    citizen.phone_confirmed_at = timezone.now()
    citizen.save()
    return citizen


@pytest.fixture
def filed(owner):
    """The citizen's request on the app, with a photo and a PDF."""
    help_request, _ = request_create(
        actor=Actor(user=owner),
        new=new_request(
            channel=Channel.APP,
            attachments=(
                clean_photo(jpeg(), max_bytes=1_000_000),
                clean_document(pdf(), max_bytes=1_000_000),
            ),
        ),
    )
    return help_request


@pytest.fixture
def photo(filed):
    return filed.attachments.get(kind=Attachment.Kind.PHOTO)


@pytest.fixture
def document(filed):
    return filed.attachments.get(kind=Attachment.Kind.DOCUMENT)


def get(client, user, attachment_id: int):
    if user is not None:
        client.force_login(user)
    return client.get(f"/attachments/{attachment_id}/")


def test_the_requester_gets_their_photo_inline(client, owner, photo):
    response = get(client, owner, photo.pk)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"].startswith("inline; ")
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xff\xd8")  # a JPEG, as stored
    assert len(body) == photo.size
    # Their own file: nothing to record.
    assert not PersonalDataAccess.objects.exists()


def test_staff_get_it_and_the_view_is_recorded(client, dispatcher, filed, photo):
    response = get(client, dispatcher, photo.pk)
    assert response.status_code == 200
    record = PersonalDataAccess.objects.get()
    assert (record.user, record.help_request, record.via) == (dispatcher, filed, "attachment")


def test_the_group_working_on_it_gets_it_and_another_group_does_not(
    client, dispatcher, member_a, member_b, group_a, filed, photo
):
    request_dispatch(filed, actor=Actor(user=dispatcher), group=group_a)
    assert get(client, member_a, photo.pk).status_code == 200
    assert get(client, member_b, photo.pk).status_code == 404


def test_another_citizen_gets_not_found(client, outsider, photo):
    assert get(client, outsider, photo.pk).status_code == 404


def test_roles_that_see_personal_data_masked_get_not_found(client, commander, auditor, photo):
    # They see the request, but a prescription photo is the person unmasked.
    assert get(client, commander, photo.pk).status_code == 404
    assert get(client, auditor, photo.pk).status_code == 404
    assert not PersonalDataAccess.objects.exists()


def test_the_editors_of_the_outlet_that_passed_a_lead_on_get_not_found(client):
    outlet = MediaOutlet.objects.create(code="jiaozuo-daily", name="焦作日报")
    editor = User.objects.create_user(
        username="editor", password=PASSWORD, role=Role.MEDIA, media_outlet=outlet
    )
    lead, _ = request_create(
        actor=Actor(user=editor),
        new=new_request(
            channel=Channel.MEDIA,
            media_outlet=outlet,
            attachments=(clean_photo(jpeg(), max_bytes=1_000_000),),
        ),
    )
    # The lead is theirs to follow, the person in it is not theirs to see.
    client.force_login(editor)
    assert client.get(f"/media/leads/{lead.number}/").status_code == 200
    assert get(client, editor, lead.attachments.get().pk).status_code == 404


def test_a_missing_id_looks_like_a_forbidden_one(client, dispatcher, outsider, photo):
    assert get(client, dispatcher, photo.pk + 1000).status_code == 404
    assert get(client, outsider, photo.pk + 1000).status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in_whether_the_id_exists_or_not(client, photo):
    real = client.get(f"/attachments/{photo.pk}/")
    missing = client.get(f"/attachments/{photo.pk + 1000}/")
    assert real.status_code == missing.status_code == 302
    assert real["Location"] == f"/console/login/?next=/attachments/{photo.pk}/"
    assert missing["Location"] == f"/console/login/?next=/attachments/{photo.pk + 1000}/"


def test_every_answer_is_private_and_not_sniffed(client, dispatcher, photo, document):
    for attachment in (photo, document):
        response = get(client, dispatcher, attachment.pk)
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Cache-Control"] == "private, no-store"
        assert "sandbox" in response["Content-Security-Policy"]


def test_a_document_is_downloaded_under_its_chinese_name(client, dispatcher, document):
    response = get(client, dispatcher, document.pk)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        "attachment; filename=\"attachment.pdf\"; filename*=UTF-8''" + quote("诊断证明.pdf")
    )
    assert b"".join(response.streaming_content) == PDF


def test_a_photo_keeps_its_chinese_name_too(client, dispatcher, photo):
    response = get(client, dispatcher, photo.pk)
    assert (
        "filename*=UTF-8''%E5%A4%84%E6%96%B9%E7%85%A7%E7%89%87.jpg"
        in response["Content-Disposition"]
    )


def test_a_name_with_the_wrong_ending_gets_the_right_one(client, dispatcher, owner):
    help_request, _ = request_create(
        actor=Actor(user=owner),
        new=new_request(
            channel=Channel.APP,
            attachments=(clean_document(pdf('scan "final".exe'), max_bytes=1_000_000),),
        ),
    )
    response = get(client, dispatcher, help_request.attachments.get().pk)
    disposition = response["Content-Disposition"]
    assert disposition.startswith('attachment; filename="scan_final_.exe.pdf"; ')
    assert disposition.endswith(quote('scan "final".exe.pdf', safe=""))
    assert "\n" not in disposition and "\r" not in disposition


def test_a_file_gone_from_disk_is_not_found(client, dispatcher, photo):
    photo.file.storage.delete(photo.file.name)
    assert get(client, dispatcher, photo.pk).status_code == 404


def test_only_reading_is_allowed(client, dispatcher, photo):
    client.force_login(dispatcher)
    assert client.post(f"/attachments/{photo.pk}/").status_code == 405
    assert client.head(f"/attachments/{photo.pk}/").status_code == 200
