"""Sending to a peer through the outbox, and taking a peer's message into the inbox."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from federation import envelope
from federation.models import InboxMessage, OutboxMessage, Peer, RefusedMessage


def send(peer: Peer, kind: str, body: dict[str, Any]) -> OutboxMessage:
    """Sign a message for ``peer`` and put it in the outbox, in the caller's transaction.

    It is delivered by the task worker after the transaction commits, and again with
    back-off until the peer acknowledges it: a peer that is down loses nothing.
    """
    from federation.tasks import start_delivering

    message_id, raw, signature = envelope.seal(recipient=peer.code, kind=kind, body=body)
    message = OutboxMessage.objects.create(
        peer=peer,
        message_id=message_id,
        kind=kind,
        envelope=raw.decode("utf-8"),
        signature=signature,
    )
    transaction.on_commit(start_delivering)
    return message


def _queue_processing() -> None:
    from federation.tasks import process_inbox

    process_inbox.enqueue()


def _refuse(refused: envelope.Refused, *, sender: str, message_id: str, remote_addr: str) -> None:
    RefusedMessage.objects.create(
        sender=sender[:60],
        message_id=message_id[:60],
        reason=refused.reason,
        detail=refused.detail[:2000],
        remote_addr=remote_addr[:60],
    )


def receive(raw: bytes, signature: str, *, remote_addr: str = "") -> InboxMessage:
    """Verify a peer's message and store it, once; envelope.Refused (and a record) otherwise.

    The checks, in order: well-formed, from a known active peer, addressed to us, signed
    by that peer, neither from the future nor stale, not seen before.
    """
    sender = message_id = ""
    try:
        parsed = envelope.parse(raw)
        sender, message_id = parsed.sender, str(parsed.id)
        peer = Peer.objects.filter(code=parsed.sender, is_active=True).first()
        if peer is None:
            raise envelope.Refused(
                "unknown_peer", f"{parsed.sender!r} is not a registered peer", status=403
            )
        if parsed.recipient != settings.HUYING_INSTANCE_ID:
            raise envelope.Refused(
                "wrong_recipient", f"addressed to {parsed.recipient!r}, not to us"
            )
        envelope.verify(raw, signature, peer.public_key)
        now = timezone.now()
        skew = timedelta(seconds=settings.HUYING_FEDERATION_MAX_SKEW_SECONDS)
        if parsed.sent_at > now + skew:
            raise envelope.Refused(
                "from_the_future", f"sent at {parsed.sent_at.isoformat()}, later than now"
            )
        if parsed.sent_at < now - timedelta(hours=settings.HUYING_FEDERATION_MAX_AGE_HOURS):
            raise envelope.Refused("stale", f"sent at {parsed.sent_at.isoformat()}, too long ago")
        try:
            with transaction.atomic():
                stored = InboxMessage.objects.create(
                    peer=peer,
                    message_id=parsed.id,
                    kind=parsed.kind,
                    envelope=raw.decode("utf-8"),
                    signature=signature,
                    sent_at=parsed.sent_at,
                )
                # Acted on by the task worker once stored: the peer's answer does not wait.
                transaction.on_commit(_queue_processing)
                return stored
        except IntegrityError:
            raise envelope.Refused(
                "replay", "this message was received before", status=409
            ) from None
    except envelope.Refused as refused:
        _refuse(refused, sender=sender, message_id=message_id, remote_addr=remote_addr)
        raise
