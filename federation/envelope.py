"""The federation message: a JSON envelope, signed with Ed25519, accepted once.

Wire format (``docs/federation.md``): ``POST <peer>/federation/v1/messages`` with the envelope
as the body, in canonical JSON (UTF-8, keys sorted, no spaces), and its signature in the
``Huying-Signature`` header (base64 of the 64-byte Ed25519 signature of the body's bytes).
The receiver verifies the exact bytes it got, so no re-encoding can change what was signed.
"""

from __future__ import annotations

import base64
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from django.conf import settings

from federation import keys

VERSION = 1
SIGNATURE_HEADER = "Huying-Signature"
FIELDS = {"v": int, "id": str, "from": str, "to": str, "sent_at": str, "kind": str, "body": dict}


class Refused(Exception):
    """A message we will not take; ``reason`` is a stable code, ``status`` the HTTP answer."""

    def __init__(self, reason: str, detail: str, *, status: int = 400) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail
        self.status = status


@dataclass(frozen=True)
class Envelope:
    id: uuid.UUID
    sender: str
    recipient: str
    sent_at: datetime
    kind: str
    body: dict[str, Any]


def canonical(data: dict[str, Any]) -> bytes:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def seal(
    *, recipient: str, kind: str, body: dict[str, Any], now: datetime | None = None
) -> tuple[uuid.UUID, bytes, str]:
    """A new message from this instance: its id, the bytes to send, and their signature."""
    message_id = uuid.uuid4()
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    data = {
        "v": VERSION,
        "id": str(message_id),
        "from": settings.HUYING_INSTANCE_ID,
        "to": recipient,
        "sent_at": moment.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "kind": kind,
        "body": body,
    }
    raw = canonical(data)
    signature = base64.b64encode(keys.private_key().sign(raw)).decode("ascii")
    return message_id, raw, signature


def parse(raw: bytes) -> Envelope:
    """The envelope in ``raw``, or Refused("malformed") naming what is wrong with it."""
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise Refused("malformed", f"the body is not UTF-8 JSON ({exc})") from None
    if not isinstance(data, dict):
        raise Refused("malformed", "the body is not a JSON object")
    for name, kind in FIELDS.items():
        if not isinstance(data.get(name), kind) or isinstance(data.get(name), bool):
            raise Refused("malformed", f"field {name!r} is missing or not a {kind.__name__}")
    if data["v"] != VERSION:
        raise Refused("malformed", f"version {data['v']} is not spoken here (only {VERSION})")
    try:
        message_id = uuid.UUID(data["id"])
    except ValueError:
        raise Refused("malformed", "field 'id' is not a UUID") from None
    try:
        sent_at = datetime.fromisoformat(data["sent_at"].replace("Z", "+00:00"))
    except ValueError:
        raise Refused("malformed", "field 'sent_at' is not an ISO 8601 time") from None
    if sent_at.tzinfo is None:
        raise Refused("malformed", "field 'sent_at' has no time zone")
    return Envelope(
        id=message_id,
        sender=data["from"],
        recipient=data["to"],
        sent_at=sent_at,
        kind=data["kind"],
        body=data["body"],
    )


def verify(raw: bytes, signature: str, public_key: str) -> None:
    """Refused("bad_signature") unless ``signature`` is the sender's over exactly ``raw``."""
    try:
        key = keys.load_public_key(public_key)
        signed = base64.b64decode((signature or "").strip(), validate=True)
        key.verify(signed, raw)
    except (ValueError, TypeError, InvalidSignature):
        raise Refused(
            "bad_signature", "the signature does not match the sender's key", status=403
        ) from None
