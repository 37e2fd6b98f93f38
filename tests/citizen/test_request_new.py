"""Filing a request on the citizen app: the account is the requester, photos lose their EXIF,
bad files are refused by name, and filing is rate-limited."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django_tasks_db.models import DBTaskResult

from accounts.models import User
from core.access import Actor
from core.models import Attachment, Channel, HelpRequest, RequesterKind, Urgency
from core.selectors import RequestFilters, request_queue
from public import portal
from tests.citizen.conftest import RESIDENT_ID, RESIDENT_PHONE, request_data
from tests.portal_helpers import exif_of, image_bytes, jpeg_with_exif, upload

pytestmark = pytest.mark.django_db

URL = "/app/requests/new/"


def post(client: Client, **overrides: Any):
    return client.post(URL, request_data(**overrides))


def photo(name: str = "photo.jpg") -> Any:
    return upload(name, jpeg_with_exif(), "image/jpeg")


def test_the_form_offers_the_counties_and_narrows_the_streets(resident_client: Client):
    response = resident_client.get(URL)

    assert response.status_code == 200
    page = response.content.decode()
    assert 'hx-get="/app/streets/"' in page
    assert 'value="410802"' in page  # 解放区
    assert 'id="id_urgency_2"' in page and 'value="normal" ' in page
    assert response.context["form"]["urgency"].value() == Urgency.NORMAL

    streets = resident_client.get("/app/streets/", {"county": "410802"}).content.decode()
    assert 'value="410802001"' in streets
    assert "410811" not in streets  # 山阳区's streets are not 解放区's
    assert (
        resident_client.get("/app/streets/", {"county": "nowhere"})
        .content.decode()
        .count("<option")
        == 1
    )


def test_it_files_with_photos_and_shows_the_number_large(
    resident_client: Client, resident: User, dispatcher: User, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = resident_client.post(
            URL,
            request_data(photos=[photo("IMG_0001.jpg"), upload("plan.png", image_bytes("PNG"))]),
        )

    assert response.status_code == 302
    hr = HelpRequest.objects.get()
    assert response["Location"] == f"/app/requests/{hr.number}/"
    assert hr.channel == Channel.APP
    assert hr.created_by == resident
    assert hr.division_id == "410802001"
    assert hr.address == "幸福里小区3号楼"
    requester = hr.requester
    assert (requester.kind, requester.name, requester.phone, requester.id_number) == (
        RequesterKind.PERSON,
        "李娟",
        RESIDENT_PHONE,
        RESIDENT_ID,
    )
    # The receipt with the number is queued for the task worker (a critical request also
    # queues the duty post's page, core.escalation).
    assert DBTaskResult.objects.filter(task_path="core.tasks.send_receipt").count() == 1

    page = resident_client.get(response["Location"]).content.decode()
    assert f'<p class="filed-number">{hr.number}</p>' in page
    assert "A text message with this number is on its way" in page
    # Shown once: a reload is an ordinary page.
    assert "filed-number" not in resident_client.get(response["Location"]).content.decode()

    # The dispatcher has it in the console's queue at once.
    queue = request_queue(actor=Actor(user=dispatcher), filters=RequestFilters())
    assert [item.number for item in queue.items] == [hr.number]


def test_stored_photos_have_no_exif(resident_client: Client, file_request):
    original = jpeg_with_exif()
    assert exif_of(original)

    hr = file_request(photos=[upload("IMG_0001.jpg", original, "image/jpeg")])

    attachment = hr.attachments.get()
    assert attachment.kind == Attachment.Kind.PHOTO
    assert attachment.original_name == "IMG_0001.jpg"
    assert attachment.content_type == "image/jpeg"
    stored = attachment.file.read()
    assert exif_of(stored) == {}
    assert b"PhoneMaker" not in stored
    assert not attachment.file.name.endswith("IMG_0001.jpg")


def test_a_request_may_come_without_photos_and_without_a_street(resident_client: Client):
    response = post(resident_client, street="")

    assert response.status_code == 302
    hr = HelpRequest.objects.get()
    assert hr.division_id == "410802"
    assert not hr.attachments.exists()


def test_a_disguised_jpg_is_refused_naming_the_file(resident_client: Client):
    response = resident_client.post(
        URL,
        request_data(
            photos=[
                photo("good.jpg"),
                upload("cat.jpg", b"<?php system($_GET['c']); ?>", "image/jpeg"),
            ]
        ),
    )

    assert response.status_code == 422
    errors = response.context["form"].errors["photos"]
    assert errors == ["cat.jpg is not a JPEG, PNG or WebP image."]
    assert not HelpRequest.objects.exists()
    assert not Attachment.objects.exists()


def test_an_oversize_photo_is_refused_naming_the_file(resident_client: Client, settings):
    settings.HUYING_MAX_PHOTO_BYTES = 2048

    response = resident_client.post(
        URL, request_data(photos=[upload("huge.jpg", jpeg_with_exif((600, 600)), "image/jpeg")])
    )

    assert response.status_code == 422
    assert "huge.jpg is larger than" in response.context["form"].errors["photos"][0]
    assert not HelpRequest.objects.exists()


def test_four_photos_are_refused(resident_client: Client):
    response = resident_client.post(
        URL, request_data(photos=[photo(f"p{n}.jpg") for n in range(4)])
    )

    assert response.status_code == 422
    assert response.context["form"].errors["photos"] == ["Send at most 3 files (you chose 4)."]
    assert not HelpRequest.objects.exists()


def test_bad_input_is_answered_field_by_field_keeping_what_was_typed(resident_client: Client):
    response = post(
        resident_client, category="", description="   ", county="410811", address="幸福里小区3号楼"
    )

    assert response.status_code == 422
    errors = response.context["form"].errors
    assert set(errors) == {"category", "description", "street"}
    assert "is not in" in errors["street"][0]
    page = response.content.decode()
    assert 'value="幸福里小区3号楼"' in page
    assert "Files are not kept when the form comes back" in page


def test_urgency_follows_the_words_upwards(resident_client: Client, file_request):
    hr = file_request(urgency="normal", description="父亲透析中断，呼吸困难")

    assert hr.urgency == Urgency.CRITICAL


def test_urgency_is_never_lowered(resident_client: Client, file_request):
    hr = file_request(urgency="critical", description="想咨询一下返乡政策")

    assert hr.urgency == Urgency.CRITICAL


def test_the_person_is_told_when_the_urgency_was_raised(resident_client: Client):
    response = post(resident_client, urgency="normal", description="孩子高烧不退，家里没药")

    page = resident_client.get(response["Location"]).content.decode()
    assert "we treat your request as “Urgent”" in page


def test_html_in_the_text_is_stored_as_text_and_shown_escaped(
    resident_client: Client, file_request
):
    text = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    hr = file_request(description=text, address="<b>3号楼</b>")

    assert hr.description == text
    page = resident_client.get(f"/app/requests/{hr.number}/").content.decode()
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert "&lt;b&gt;3号楼&lt;/b&gt;" in page
    assert "<script>alert" not in page
    assert "<img src=x" not in page
    list_page = resident_client.get("/app/").content.decode()
    assert "<script>alert" not in list_page


def test_filing_is_limited_per_account(resident_client: Client, monkeypatch):
    monkeypatch.setattr(portal, "FILINGS_PER_ACCOUNT_PER_HOUR", 2)
    for _ in range(2):
        assert post(resident_client).status_code == 302

    response = post(resident_client)

    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 3600
    assert "You have sent many requests in a short time" in response.content.decode()
    assert 'value="幸福里小区3号楼"' in response.content.decode()
    assert HelpRequest.objects.count() == 2


def test_filing_is_limited_per_address(
    client: Client, resident: User, neighbour: User, monkeypatch
):
    monkeypatch.setattr(portal, "FILINGS_PER_CLIENT_PER_HOUR", 1)
    client.force_login(resident)
    assert post(client).status_code == 302

    client.force_login(neighbour)
    response = post(client)

    assert response.status_code == 429
    assert HelpRequest.objects.count() == 1


def test_an_unconfirmed_phone_cannot_file(resident_client: Client, resident: User):
    User.objects.filter(pk=resident.pk).update(phone_confirmed_at=None)

    response = post(resident_client)

    assert response.status_code == 403
    assert "You may not file requests." in response.content.decode()
    assert not HelpRequest.objects.exists()
