"""Messages are signed by this instance's key and checked byte for byte."""

from __future__ import annotations

import json

import pytest

from federation import envelope, keys
from tests.federation.conftest import PeerKeys


def test_a_sealed_message_verifies_with_our_public_key(settings):
    message_id, raw, signature = envelope.seal(recipient="zhengzhou", kind="ping", body={"a": "甲"})
    parsed = envelope.parse(raw)
    assert (parsed.id, parsed.sender, parsed.recipient, parsed.kind) == (
        message_id,
        settings.HUYING_INSTANCE_ID,
        "zhengzhou",
        "ping",
    )
    envelope.verify(raw, signature, keys.public_key_text())


def test_the_key_is_made_once_and_kept_private(settings, tmp_path):
    settings.HUYING_FEDERATION_KEY_FILE = str(tmp_path / "key.pem")
    keys.private_key.cache_clear()
    try:
        first = keys.public_key_text()
        keys.private_key.cache_clear()
        assert keys.public_key_text() == first
        assert (tmp_path / "key.pem").stat().st_mode & 0o077 == 0
    finally:
        keys.private_key.cache_clear()


def test_a_forged_or_tampered_message_is_refused():
    _id, raw, signature = envelope.seal(recipient="zhengzhou", kind="ping", body={"n": 1})
    other = PeerKeys("forger")
    with pytest.raises(envelope.Refused) as forged:
        envelope.verify(raw, signature, other.public_key)
    assert forged.value.reason == "bad_signature" and forged.value.status == 403
    tampered = raw.replace(b'"n":1', b'"n":2')
    with pytest.raises(envelope.Refused):
        envelope.verify(tampered, signature, keys.public_key_text())
    for bad in ("", "not base64!", "AAAA"):
        with pytest.raises(envelope.Refused):
            envelope.verify(raw, bad, keys.public_key_text())


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        (b"\xff\xfe", "UTF-8 JSON"),
        (b"not json", "UTF-8 JSON"),
        (b"[1, 2]", "JSON object"),
        (json.dumps({"v": 1}).encode(), "'id'"),
        (
            json.dumps(
                {
                    "v": True,
                    "id": "x",
                    "from": "a",
                    "to": "b",
                    "sent_at": "t",
                    "kind": "k",
                    "body": {},
                }
            ).encode(),
            "'v'",
        ),
        (
            json.dumps(
                {"v": 2, "id": "x", "from": "a", "to": "b", "sent_at": "t", "kind": "k", "body": {}}
            ).encode(),
            "version 2",
        ),
        (
            json.dumps(
                {"v": 1, "id": "x", "from": "a", "to": "b", "sent_at": "t", "kind": "k", "body": {}}
            ).encode(),
            "UUID",
        ),
        (
            json.dumps(
                {
                    "v": 1,
                    "id": "8a4c3b1e-0f5b-4c55-9d3e-2f6f7a1b2c3d",
                    "from": "a",
                    "to": "b",
                    "sent_at": "t",
                    "kind": "k",
                    "body": {},
                }
            ).encode(),
            "ISO 8601",
        ),
        (
            json.dumps(
                {
                    "v": 1,
                    "id": "8a4c3b1e-0f5b-4c55-9d3e-2f6f7a1b2c3d",
                    "from": "a",
                    "to": "b",
                    "sent_at": "2022-01-14T10:00:00",
                    "kind": "k",
                    "body": {},
                }
            ).encode(),
            "time zone",
        ),
        (
            json.dumps(
                {
                    "v": 1,
                    "id": "8a4c3b1e-0f5b-4c55-9d3e-2f6f7a1b2c3d",
                    "from": "a",
                    "to": "b",
                    "sent_at": "2022-01-14T10:00:00Z",
                    "kind": "k",
                    "body": [],
                }
            ).encode(),
            "'body'",
        ),
    ],
)
def test_malformed_envelopes_say_what_is_wrong(raw, says):
    with pytest.raises(envelope.Refused) as refused:
        envelope.parse(raw)
    assert refused.value.reason == "malformed"
    assert says in refused.value.detail
