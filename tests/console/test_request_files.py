"""A request's page in the console shows its files and where it came from (channel details)."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from accounts.models import Role, User
from core.access import Actor
from core.models import Attachment, Channel, Division, Enterprise, LeadSource, MediaOutlet
from core.services import request_create
from lib.uploads import clean_document, clean_photo
from tests.conftest import PASSWORD, new_request

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _files_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def photo_upload():
    out = io.BytesIO()
    Image.new("RGB", (20, 20), (10, 120, 40)).save(out, "PNG")
    return clean_photo(SimpleUploadedFile("门口.png", out.getvalue()), max_bytes=1_000_000)


def document_upload():
    return clean_document(SimpleUploadedFile("出院小结.pdf", PDF), max_bytes=1_000_000)


def detail(client, user, number):
    client.force_login(user)
    response = client.get(f"/console/requests/{number}/")
    assert response.status_code == 200
    return response.content.decode()


def test_a_dispatcher_sees_thumbnails_and_document_links(client, dispatcher, make_request):
    help_request = make_request(attachments=(photo_upload(), document_upload()))
    photo = help_request.attachments.get(kind=Attachment.Kind.PHOTO)
    document = help_request.attachments.get(kind=Attachment.Kind.DOCUMENT)
    body = detail(client, dispatcher, help_request.number)
    assert f'<img class="attachment-thumb" src="/attachments/{photo.pk}/"' in body
    assert f'href="/attachments/{photo.pk}/"' in body
    assert f'<a href="/attachments/{document.pk}/">出院小结.pdf</a>' in body
    assert f"{len(PDF)}\xa0bytes" in body


def test_a_commander_is_told_there_are_files_but_gets_no_links(client, commander, make_request):
    help_request = make_request(attachments=(photo_upload(),))
    body = detail(client, commander, help_request.number)
    assert "/attachments/" not in body
    assert "Files sent with this request: 1." in body


def test_no_files_no_section(client, dispatcher, make_request):
    body = detail(client, dispatcher, make_request().number)
    assert 'id="attachments-title"' not in body


def test_the_panel_swapped_in_by_htmx_has_them_too(client, dispatcher, make_request):
    help_request = make_request(attachments=(photo_upload(),))
    client.force_login(dispatcher)
    response = client.get(
        f"/console/requests/{help_request.number}/", headers={"HX-Request": "true"}
    )
    assert "/attachments/" in response.content.decode()


def test_a_media_lead_shows_the_outlet_the_source_and_its_reference(
    client, dispatcher, make_request
):
    outlet = MediaOutlet.objects.create(code="jiaozuo-daily", name="焦作日报")
    editor = User.objects.create_user(
        username="editor", password=PASSWORD, role=Role.MEDIA, media_outlet=outlet
    )
    lead, _ = request_create(
        actor=Actor(user=editor),
        new=new_request(
            channel=Channel.MEDIA,
            media_outlet=outlet,
            lead_source=LeadSource.HOTLINE_CALL,
            external_ref="热线记录 0114-07",
        ),
    )
    body = detail(client, dispatcher, lead.number)
    assert "Media outlet" in body and "焦作日报" in body
    assert "Call to the newspaper&#x27;s help line" in body
    assert "热线记录 0114-07" in body


def test_an_enterprise_request_shows_the_company_and_its_workforce(
    client, dispatcher, make_request
):
    company = Enterprise.objects.create(
        uscc="91410800MA44PQ5G0X",
        name="焦作市某某机械有限公司",
        workforce=800,
        division=Division.objects.get(code="410802"),
    )
    help_request = make_request(enterprise=company, workforce=800)
    body = detail(client, dispatcher, help_request.number)
    assert "焦作市某某机械有限公司" in body
    assert "Number of employees" in body and "800" in body


def test_a_hotline_request_has_no_channel_details(client, dispatcher, make_request):
    body = detail(client, dispatcher, make_request().number)
    assert 'id="channel-details-title"' not in body
