"""Supporting files of a filing: checked on attaching, sent in parts, checked again on arrival."""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from accounts.models import User
from core.access import Actor
from core.errors import InvalidInput, TransitionNotAllowed
from federation.models import OutboxMessage, Peer
from greenchannel import files
from greenchannel.models import Filing, FilingFile, FilingFilePart
from greenchannel.services import filing_create, filing_step
from tests.federation.conftest import PeerKeys
from tests.greenchannel.test_filings import from_peer, stent
from tests.portal_helpers import image_bytes, pdf_bytes

pytestmark = pytest.mark.django_db

INCOMING = "0d4a3c57-2b1e-4f7a-9c61-7e0f3d9a5b21"


def big_pdf(size: int) -> bytes:
    """A PDF by its header, padded to ``size`` bytes, so it needs several parts."""
    head = pdf_bytes()
    return head + b"%" * (size - len(head))


def upload(data: bytes, name: str = "介绍信.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


def parts_sent() -> list[dict[str, Any]]:
    return [
        json.loads(message.envelope)["body"]
        for message in OutboxMessage.objects.filter(kind=files.PART_MESSAGE).order_by("id")
    ]


@pytest.fixture
def incoming(peer: Peer, zhengzhou_keys: PeerKeys) -> Filing:
    """A filing 郑州 approved and sent to us."""
    from_peer(
        zhengzhou_keys,
        "gc.filing",
        {
            "uid": INCOMING,
            "number": "zhengzhou-20220114-001",
            "version": 1,
            "origin": "zhengzhou",
            "destination": "jiaozuo",
            "data": stent(),
        },
    )
    return Filing.objects.get(uid=INCOMING)


def part_bodies(
    data: bytes, *, name: str = "化验单.pdf", sha256: str | None = None
) -> list[dict[str, Any]]:
    """The parts 郑州 would send of ``data``."""
    size = files.PART_BYTES
    count = max(1, -(-len(data) // size))
    file_uid = str(uuid.uuid4())
    return [
        {
            "uid": INCOMING,
            "file": file_uid,
            "index": index,
            "count": count,
            "name": name,
            "size": len(data),
            "sha256": sha256 or hashlib.sha256(data).hexdigest(),
            "added_by": "值班员",
            "data": base64.b64encode(data[index * size : (index + 1) * size]).decode(),
        }
        for index in range(count)
    ]


def test_a_file_attached_before_approval_follows_the_filing(chief: Actor, peer: Peer) -> None:
    filing = filing_create(actor=chief, peer=peer, data=stent())
    data = big_pdf(files.PART_BYTES * 2 + 100)
    attached = files.filing_attach(filing, actor=chief, upload=upload(data))
    assert attached.size == len(data) and attached.sha256 == hashlib.sha256(data).hexdigest()
    assert attached.file.read() == data
    assert not OutboxMessage.objects.exists()  # the other side does not know the filing yet

    filing_step(filing, "approve_origin", actor=chief)
    kinds = list(OutboxMessage.objects.order_by("id").values_list("kind", flat=True))
    assert kinds == ["gc.filing", files.PART_MESSAGE, files.PART_MESSAGE, files.PART_MESSAGE]
    parts = parts_sent()
    assert [p["index"] for p in parts] == [0, 1, 2] and {p["count"] for p in parts} == {3}
    assert b"".join(base64.b64decode(p["data"]) for p in parts) == data
    assert filing.events.filter(kind="file_added", note="介绍信.pdf").exists()


def test_a_file_attached_to_a_shared_filing_is_sent_at_once(approved: Filing, chief: Actor) -> None:
    before = OutboxMessage.objects.count()
    files.filing_attach(approved, actor=chief, upload=upload(image_bytes("PNG"), "车辆照片.png"))
    assert OutboxMessage.objects.count() == before + 1
    assert parts_sent()[0]["name"] == "车辆照片.png"


def test_what_is_not_a_document_is_refused_by_its_contents(chief: Actor, peer: Peer) -> None:
    filing = filing_create(actor=chief, peer=peer, data=stent())
    with pytest.raises(InvalidInput) as error:
        files.filing_attach(filing, actor=chief, upload=upload(b"MZ\x90\x00 not a pdf", "证明.pdf"))
    assert "file" in error.value.details
    too_big = big_pdf(settings.HUYING_GREEN_CHANNEL_MAX_FILE_BYTES + 1)
    with pytest.raises(InvalidInput):
        files.filing_attach(filing, actor=chief, upload=upload(too_big))
    assert not FilingFile.objects.exists()


def test_a_finished_filing_takes_no_more_files(chief: Actor, peer: Peer) -> None:
    filing = filing_create(actor=chief, peer=peer, data=stent())
    filing_step(filing, "reject_origin", actor=chief, reason="取消")
    with pytest.raises(TransitionNotAllowed):
        files.filing_attach(filing, actor=chief, upload=upload(pdf_bytes()))


def test_parts_from_the_other_side_make_the_file_in_any_order_and_twice(
    incoming: Filing, zhengzhou_keys: PeerKeys
) -> None:
    data = big_pdf(files.PART_BYTES + 5000)
    first, second = part_bodies(data)
    from_peer(zhengzhou_keys, files.PART_MESSAGE, second)
    assert not FilingFile.objects.exists() and FilingFilePart.objects.count() == 1
    from_peer(zhengzhou_keys, files.PART_MESSAGE, second)  # the same part again, as a new message
    from_peer(zhengzhou_keys, files.PART_MESSAGE, first)
    received = FilingFile.objects.get()
    assert (
        received.filing == incoming and received.side == "origin" and received.name == "化验单.pdf"
    )
    assert received.file.read() == data
    assert not FilingFilePart.objects.exists()
    assert incoming.events.filter(kind="file_added", side="origin").count() == 1
    from_peer(zhengzhou_keys, files.PART_MESSAGE, first)  # late duplicate: known, ignored
    assert FilingFile.objects.count() == 1


def test_a_file_that_does_not_match_its_checksum_is_refused_and_recorded(
    incoming: Filing, zhengzhou_keys: PeerKeys
) -> None:
    (part,) = part_bodies(pdf_bytes(), sha256="0" * 64)
    from_peer(zhengzhou_keys, files.PART_MESSAGE, part)
    assert not FilingFile.objects.exists()
    assert incoming.events.filter(kind="file_refused").exists()


def test_a_peer_cannot_slip_in_what_we_would_not_accept_ourselves(
    incoming: Filing, zhengzhou_keys: PeerKeys
) -> None:
    (part,) = part_bodies(b"<html><script>alert(1)</script></html>", name="证明.pdf")
    from_peer(zhengzhou_keys, files.PART_MESSAGE, part)
    assert not FilingFile.objects.exists()
    assert incoming.events.get(kind="file_refused").note


@pytest.mark.parametrize(
    "change",
    [
        {"data": "***not base64***"},
        {"count": 1000},
        {"index": 5},
        {"size": 0},
        {"uid": str(uuid.uuid4())},
        {"file": "not-a-uuid"},
    ],
)
def test_bad_parts_are_ignored(
    incoming: Filing, zhengzhou_keys: PeerKeys, change: dict[str, Any]
) -> None:
    (part,) = part_bodies(pdf_bytes())
    part.update(change)
    from_peer(zhengzhou_keys, files.PART_MESSAGE, part)
    assert not FilingFile.objects.exists() and not FilingFilePart.objects.exists()


def signed_in(user: User, language: str = "en") -> Client:
    client = Client()
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def test_the_page_attaches_lists_and_serves_a_file(approved: Filing, dispatcher: User) -> None:
    client = signed_in(dispatcher)
    url = reverse("greenchannel:file_add", args=[approved.number])
    response = client.post(url, {"file": upload(pdf_bytes(), "介绍信")})
    assert response.status_code == 302
    attached = FilingFile.objects.get()
    page = client.get(reverse("greenchannel:detail", args=[approved.number])).content.decode()
    download = reverse("greenchannel:file", args=[approved.number, attached.uid])
    assert f'data-file="{attached.uid}"' in page and download in page
    served = client.get(download)
    assert served.status_code == 200 and served.getvalue() == pdf_bytes()
    assert (
        served["Content-Disposition"].startswith("attachment;")
        and ".pdf" in served["Content-Disposition"]
    )
    assert "sandbox" in served["Content-Security-Policy"]
    assert (
        client.get(reverse("greenchannel:file", args=[approved.number, uuid.uuid4()])).status_code
        == 404
    )


def test_a_bad_upload_is_named_on_the_field_in_chinese(approved: Filing, dispatcher: User) -> None:
    client = signed_in(dispatcher, "zh-hans")
    url = reverse("greenchannel:file_add", args=[approved.number])
    response = client.post(url, {"file": upload(b"MZ\x90\x00", "病历.pdf")})
    assert response.status_code == 422
    html = response.content.decode()
    assert 'id="id_file_file_error"' in html and "病历.pdf" in html
    assert client.post(url, {}).status_code == 422
    assert not FilingFile.objects.exists()


def test_an_auditor_reads_files_but_does_not_attach(
    approved: Filing, chief: Actor, auditor: User
) -> None:
    attached = files.filing_attach(approved, actor=chief, upload=upload(pdf_bytes()))
    client = signed_in(auditor)
    assert (
        client.get(reverse("greenchannel:file", args=[approved.number, attached.uid])).status_code
        == 200
    )
    response = client.post(
        reverse("greenchannel:file_add", args=[approved.number]), {"file": upload(pdf_bytes())}
    )
    assert response.status_code == 403 and FilingFile.objects.count() == 1


def test_other_roles_and_strangers_get_no_file(
    approved: Filing, chief: Actor, member_a: User
) -> None:
    attached = files.filing_attach(approved, actor=chief, upload=upload(pdf_bytes()))
    url = reverse("greenchannel:file", args=[approved.number, attached.uid])
    assert signed_in(member_a).get(url).status_code == 403
    assert Client().get(url).status_code == 302
