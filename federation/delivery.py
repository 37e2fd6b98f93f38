"""Delivering the outbox: one POST per due message, back-off on every failure.

A message counts as delivered when the peer answers 202 (stored) or 409 ``replay`` (it had
it already: an earlier answer was lost). Anything else — the peer down, a 500, garbage, a
timeout — is written down and retried after 30 s, 1 min, 2 min … up to an hour between tries,
until the message is older than the peers accept (``HUYING_FEDERATION_MAX_AGE_HOURS``).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from federation.envelope import SIGNATURE_HEADER
from federation.models import OutboxMessage

LONGEST_WAIT_SECONDS = 3600
TIMEOUT_SECONDS = 10


def backoff(attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failure: 30 s (``HUYING_FEDERATION_FIRST_RETRY_SECONDS``)
    doubling, at most an hour."""
    first = settings.HUYING_FEDERATION_FIRST_RETRY_SECONDS
    return timedelta(seconds=min(first * 2 ** max(attempts - 1, 0), LONGEST_WAIT_SECONDS))


@dataclass
class Round:
    delivered: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    abandoned: list[int] = field(default_factory=list)


def _post(message: OutboxMessage) -> tuple[bool, str]:
    """Send one message; (delivered, what happened)."""
    url = message.peer.url.rstrip("/") + "/federation/v1/messages"
    request = urllib.request.Request(  # noqa: S310 - a peer's registered http(s) URL
        url,
        data=message.envelope.encode("utf-8"),
        method="POST",
        headers={"Content-Type": "application/json", SIGNATURE_HEADER: message.signature},
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
            status = response.status
            body = response.read(4096)
    except urllib.error.HTTPError as exc:
        status, body = exc.code, exc.read(4096)
    except (urllib.error.URLError, OSError) as exc:
        return False, f"unreachable: {getattr(exc, 'reason', exc)}"
    if status == 202:
        return True, "202"
    if status == 409:
        try:
            if json.loads(body).get("code") == "replay":
                return True, "409 replay: the peer had it already"
        except (ValueError, AttributeError):
            pass
    return False, f"HTTP {status}: {body[:300].decode('utf-8', 'replace')}"


def deliver_due(now: datetime | None = None, limit: int = 50) -> Round:
    """Try what is due, once, in order per peer; what was delivered, failed or given up.

    Messages to one peer go in the order they were written: a peer's next message waits
    until the one before it is delivered (or given up), so a filing's steps never arrive
    out of order after a retry.
    """
    now = now or timezone.now()
    result = Round()
    oldest = now - timedelta(hours=settings.HUYING_FEDERATION_MAX_AGE_HOURS)
    waiting = OutboxMessage.objects.filter(delivered_at=None, abandoned_at=None)
    for peer_id in sorted(set(waiting.values_list("peer_id", flat=True))):
        while len(result.delivered) + len(result.failed) < limit:
            head = (
                waiting.filter(peer_id=peer_id).order_by("id").values_list("pk", flat=True).first()
            )
            if head is None:
                break
            message = _claim(head, now=now, oldest=oldest)
            if message is None:  # not due yet, or another worker has it
                break
            if message.abandoned_at is not None:
                result.abandoned.append(message.pk)
                continue
            if not _attempt(message, result):
                break
    return result


def _attempt(message: OutboxMessage, result: Round) -> bool:
    """One POST, outside any transaction (a slow peer must not hold a lock: on SQLite it
    would stop every other write for as long as its timeout); whether it was delivered."""
    delivered, what = _post(message)
    message.attempts += 1
    if delivered:
        message.delivered_at = timezone.now()
        result.delivered.append(message.pk)
    else:
        message.next_attempt_at = timezone.now() + backoff(message.attempts)
        message.last_error = what
        result.failed.append(message.pk)
    message.save(update_fields=["attempts", "delivered_at", "next_attempt_at", "last_error"])
    return delivered


def _claim(message_id: int, *, now: datetime, oldest: datetime) -> OutboxMessage | None:
    """Take one due message for this round: lease it, or give it up if it is too old.

    The lease moves ``next_attempt_at`` past the POST's timeout, so a second worker running
    at the same moment skips the message instead of sending it twice.
    """
    with transaction.atomic():
        rows = OutboxMessage.objects.select_related("peer").filter(
            pk=message_id, delivered_at=None, abandoned_at=None, next_attempt_at__lte=now
        )
        if connection.vendor == "postgresql":
            rows = rows.select_for_update(skip_locked=True, of=("self",))
        message = rows.first()
        if message is None:
            return None
        if message.created_at < oldest:
            message.abandoned_at = now
            message.last_error = "\n".join(
                part
                for part in (message.last_error, "given up: older than the peers accept")
                if part
            )
            message.save(update_fields=["abandoned_at", "last_error"])
            return message
        message.next_attempt_at = now + timedelta(seconds=TIMEOUT_SECONDS * 3)
        message.save(update_fields=["next_attempt_at"])
        return message
