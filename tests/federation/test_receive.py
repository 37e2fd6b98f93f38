"""The door peers post to: a message is verified, stored once, or refused with a record."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from federation import envelope, keys
from federation.models import InboxMessage, RefusedMessage

URL = "/federation/v1/messages"


def post(raw: bytes, signature: str):
    return Client().post(
        URL, data=raw, content_type="application/json", headers={"Huying-Signature": signature}
    )


def when(delta: timedelta) -> str:
    return (datetime.now(UTC) + delta).isoformat().replace("+00:00", "Z")


def test_a_signed_message_from_a_peer_is_stored_before_anything_else(zhengzhou, zhengzhou_keys):
    raw, signature = zhengzhou_keys.message()
    response = post(raw, signature)
    assert response.status_code == 202, response.content
    stored = InboxMessage.objects.get()
    assert (stored.peer, stored.kind, stored.envelope.encode()) == (zhengzhou, "ping", raw)
    assert str(stored.message_id) == response.json()["id"]
    assert stored.processed_at is None


def test_a_replay_is_refused_and_recorded(zhengzhou, zhengzhou_keys):
    raw, signature = zhengzhou_keys.message()
    assert post(raw, signature).status_code == 202
    again = post(raw, signature)
    assert again.status_code == 409 and again.json()["code"] == "replay"
    assert InboxMessage.objects.count() == 1
    assert RefusedMessage.objects.get().reason == "replay"


@pytest.mark.parametrize(
    ("overrides", "status", "reason"),
    [
        ({"from": "nanyang"}, 403, "unknown_peer"),
        ({"to": "xinxiang"}, 400, "wrong_recipient"),
        # A time, as an offset from the moment the test runs (not from when it was collected).
        ({"sent_at": timedelta(minutes=10)}, 400, "from_the_future"),
        ({"sent_at": -timedelta(hours=73)}, 400, "stale"),
    ],
)
def test_messages_we_do_not_take_are_refused_with_a_reason(
    zhengzhou, zhengzhou_keys, overrides, status, reason
):
    overrides = {
        name: when(value) if isinstance(value, timedelta) else value
        for name, value in overrides.items()
    }
    raw, signature = zhengzhou_keys.message(**overrides)
    response = post(raw, signature)
    assert (response.status_code, response.json()["code"]) == (status, reason)
    assert not InboxMessage.objects.exists()
    record = RefusedMessage.objects.get()
    assert record.reason == reason and record.remote_addr == "127.0.0.1"


def test_a_little_clock_skew_is_tolerated(zhengzhou, zhengzhou_keys):
    raw, signature = zhengzhou_keys.message(sent_at=when(timedelta(minutes=4)))
    assert post(raw, signature).status_code == 202


def test_a_forged_signature_is_refused(zhengzhou, zhengzhou_keys):
    from tests.federation.conftest import PeerKeys

    impostor = PeerKeys("zhengzhou")  # the right name, the wrong key
    raw, signature = impostor.message()
    response = post(raw, signature)
    assert (response.status_code, response.json()["code"]) == (403, "bad_signature")
    raw, _good = zhengzhou_keys.message()
    assert post(raw, "").status_code == 403
    assert RefusedMessage.objects.filter(reason="bad_signature").count() == 2


def test_an_inactive_peer_is_refused(zhengzhou, zhengzhou_keys):
    zhengzhou.is_active = False
    zhengzhou.save()
    raw, signature = zhengzhou_keys.message()
    assert post(raw, signature).json()["code"] == "unknown_peer"


def test_garbage_is_refused_and_recorded(db):
    response = post(b"<html>oops</html>", "x")
    assert (response.status_code, response.json()["code"]) == (400, "malformed")
    assert RefusedMessage.objects.get().reason == "malformed"


def test_only_post_and_no_cookie_needed(db):
    assert Client().get(URL).status_code == 405
    assert (
        Client(enforce_csrf_checks=True)
        .post(URL, data=b"{}", content_type="application/json")
        .status_code
        == 400
    )


def test_the_identity_gives_the_key_that_verifies_our_messages(db, settings):
    identity = Client().get("/federation/v1/identity").json()
    assert identity["id"] == settings.HUYING_INSTANCE_ID
    _id, raw, signature = envelope.seal(recipient="zhengzhou", kind="ping", body={})
    envelope.verify(raw, signature, identity["public_key"])
    assert identity["public_key"] == keys.public_key_text()
