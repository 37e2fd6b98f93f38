"""What the live board hears: every committed ``Event``, as a small message without personal data.

With ``HUYING_REDIS_URL`` set, each committed event is published to a Redis channel and every
board stream, in whichever process, subscribes to it. Without Redis (the embedded default)
nothing is published and the streams look at the newest event id instead (``events_after``):
the database is what the processes share.

A message is only what changed: the event's id, the request's number, the event's kind, the
request's urgency and status. The page refetches the board itself, with the viewer's access.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from typing import Any

import redis
from django.conf import settings
from django.db import connection

from core.models import Event

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Change:
    id: int
    number: str
    kind: str
    urgency: str
    status: str

    def to_json(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str | bytes) -> Change:
        data = json.loads(text)
        return cls(
            id=int(data["id"]),
            number=str(data["number"]),
            kind=str(data["kind"]),
            urgency=str(data["urgency"]),
            status=str(data["status"]),
        )

    @classmethod
    def of(cls, event: Event) -> Change:
        request = event.help_request
        return cls(
            id=event.pk,
            number=request.number,
            kind=event.kind,
            urgency=request.urgency,
            status=event.to_status,
        )


def redis_url() -> str:
    return str(getattr(settings, "HUYING_REDIS_URL", ""))


def channel_name() -> str:
    """One channel per database, so two installations sharing a Redis never hear each other."""
    return f"huying:board:{connection.settings_dict['NAME']}"


def client(url: str | None = None) -> redis.Redis:
    return redis.Redis.from_url(url or redis_url(), socket_connect_timeout=2, socket_timeout=5)


def publish(change: Change, *, url: str | None = None, channel: str | None = None) -> None:
    with client(url) as conn:
        conn.publish(channel or channel_name(), change.to_json())


def on_event_committed(sender: Any, event: Event, **kwargs: Any) -> None:
    """Receiver of ``core.signals.event_committed``: publish when Redis is configured."""
    if not redis_url():
        return
    try:
        publish(Change.of(event))
    except redis.RedisError:
        # The request was filed; a board that misses a beat catches up from the database
        # on its next reconnect (Last-Event-ID). Filing must never fail for the board.
        log.warning("Could not publish event %s to Redis", event.pk, exc_info=True)


class Subscription:
    """A Redis subscription to the board's channel, read with a timeout."""

    def __init__(self, *, url: str | None = None, channel: str | None = None) -> None:
        self._client = client(url)
        self._pubsub = self._client.pubsub(ignore_subscribe_messages=True)  # type: ignore[no-untyped-call]
        self._pubsub.subscribe(channel or channel_name())

    def get(self, timeout: float) -> Change | None:
        message = self._pubsub.get_message(timeout=timeout)
        if message is None or message.get("type") != "message":
            return None
        try:
            return Change.from_json(message["data"])
        except (KeyError, TypeError, ValueError):
            return None

    def close(self) -> None:
        self._pubsub.close()
        self._client.close()


def latest_event_id() -> int:
    """The highest event id: read from the primary key's index, whatever the table's size."""
    return Event.objects.order_by("-id").values_list("id", flat=True).first() or 0


def events_after(last_id: int, *, limit: int = 50) -> Iterator[Change]:
    """The events after ``last_id``, oldest first, as messages."""
    rows = (
        Event.objects.filter(id__gt=last_id)
        .order_by("id")
        .values_list("id", "help_request__number", "kind", "help_request__urgency", "to_status")[
            :limit
        ]
    )
    for pk, number, kind, urgency, status in rows:
        yield Change(id=pk, number=number, kind=kind, urgency=urgency, status=status)
