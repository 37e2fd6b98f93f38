"""What the live board hears: every committed ``Event`` and green-channel ``FilingEvent``, as a
small message without personal data.

With ``HUYING_REDIS_URL`` set, each committed event is published to a Redis channel and every
board stream, in whichever process, subscribes to it. Without Redis (the embedded default)
nothing is published and the streams look at the newest event id instead (``events_after``):
the database is what the processes share.

A message is only what changed: the event's id, the request's (or filing's) number, the
event's kind, the urgency and the status, and which stream it belongs to. The two streams
have their own ids, so a board's place is a ``Cursor`` of both. The page refetches the board itself, with the viewer's access.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from typing import Any

import redis
from django.conf import settings
from django.db import connection

from core.models import Event
from greenchannel.models import FilingEvent, Kind

log = logging.getLogger(__name__)


#: What a change is about: a help request's event, or a green-channel filing's step.
REQUEST = "request"
FILING = "filing"


@dataclass(frozen=True)
class Change:
    id: int
    number: str
    kind: str
    urgency: str
    status: str
    #: ``REQUEST`` (``id`` is an ``Event``'s) or ``FILING`` (``id`` is a ``FilingEvent``'s).
    stream: str = REQUEST

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
            stream=FILING if data.get("stream") == FILING else REQUEST,
        )

    @classmethod
    def of_filing(cls, event: FilingEvent) -> Change:
        filing = event.filing
        return cls(
            id=event.pk,
            number=filing.number,
            kind=event.kind,
            urgency=filing_urgency(filing.kind),
            status=event.to_status,
            stream=FILING,
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


def _publish_quietly(make: Callable[[], Change]) -> None:
    """Publish what ``make`` builds, when Redis is configured; never fail the caller for it."""
    if not redis_url():
        return
    try:
        publish(make())
    except redis.RedisError:
        # The change is committed; a board that misses a beat catches up from the database
        # on its next reconnect (Last-Event-ID). Filing must never fail for the board.
        log.warning("Could not publish a change to Redis", exc_info=True)


def on_event_committed(sender: Any, event: Event, **kwargs: Any) -> None:
    """Receiver of ``core.signals.event_committed``."""
    _publish_quietly(lambda: Change.of(event))


def on_filing_event_committed(sender: Any, event: FilingEvent, **kwargs: Any) -> None:
    """Receiver of ``greenchannel.signals.filing_event_committed``."""
    _publish_quietly(lambda: Change.of_filing(event))


def filing_urgency(kind: str) -> str:
    """A patient on the road is as urgent as a critical request; goods and people are urgent."""
    return "critical" if kind == Kind.PATIENT else "urgent"


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


@dataclass(frozen=True)
class Cursor:
    """Where a board stands in both streams; sent as the SSE id ``<event id>.<filing event id>``."""

    events: int
    filings: int

    def __str__(self) -> str:
        return f"{self.events}.{self.filings}"

    @classmethod
    def parse(cls, text: str) -> Cursor | None:
        """``12.3``, or ``12`` from a board opened before filings were on it; None if garbage."""
        head, _dot, tail = text.strip().partition(".")
        try:
            events = max(0, int(head))
            filings = max(0, int(tail)) if tail else latest_filing_event_id()
        except ValueError:
            return None
        return cls(events, filings)

    def after(self, change: Change) -> Cursor:
        if change.stream == FILING:
            return Cursor(self.events, max(self.filings, change.id))
        return Cursor(max(self.events, change.id), self.filings)

    def is_past(self, change: Change) -> bool:
        """Whether ``change`` is already behind this cursor (heard twice, or caught up)."""
        return change.id <= (self.filings if change.stream == FILING else self.events)


def latest() -> Cursor:
    return Cursor(latest_event_id(), latest_filing_event_id())


def latest_filing_event_id() -> int:
    return FilingEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


def changes_after(cursor: Cursor, *, limit: int = 50) -> list[Change]:
    """Everything after ``cursor`` in both streams: requests' events, then filings' steps."""
    changes = list(events_after(cursor.events, limit=limit))
    rows = (
        FilingEvent.objects.filter(id__gt=cursor.filings)
        .order_by("id")
        .values_list("id", "filing__number", "kind", "filing__kind", "to_status")[:limit]
    )
    changes.extend(
        Change(
            id=pk,
            number=number,
            kind=kind,
            urgency=filing_urgency(filing_kind),
            status=status,
            stream=FILING,
        )
        for pk, number, kind, filing_kind, status in rows
    )
    return changes


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
