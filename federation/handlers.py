"""Acting on stored messages: each app registers a handler for the kinds it understands.

The inbox is processed in the order messages were received, each in its own transaction, so
a handler that fails leaves its message unprocessed (and the error in ``outcome``) without
losing it or blocking the transport.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils import timezone

from federation.models import InboxMessage

logger = logging.getLogger(__name__)

#: kind -> handler(message, body) returning what it did, in a few words.
Handler = Callable[[InboxMessage, dict[str, Any]], str]
HANDLERS: dict[str, Handler] = {}


def handles(kind: str) -> Callable[[Handler], Handler]:
    """Register the decorated function as the handler of messages of ``kind``."""

    def register(handler: Handler) -> Handler:
        HANDLERS[kind] = handler
        return handler

    return register


def _ping(message: InboxMessage, body: dict[str, Any]) -> str:
    return "pong"


HANDLERS["ping"] = _ping


def process_pending(limit: int = 200) -> int:
    """Act on the unprocessed messages, oldest first; how many were processed."""
    import json

    done = 0
    for pk in list(
        InboxMessage.objects.filter(processed_at=None)
        .order_by("id")
        .values_list("pk", flat=True)[:limit]
    ):
        try:
            with transaction.atomic():
                message = InboxMessage.objects.select_for_update().get(pk=pk)
                if message.processed_at is not None:
                    continue
                handler = HANDLERS.get(message.kind)
                body = json.loads(message.envelope)["body"]
                message.outcome = (
                    handler(message, body) if handler else f"no handler for {message.kind!r}"
                )
                message.processed_at = timezone.now()
                message.save(update_fields=["outcome", "processed_at"])
                done += 1
        except Exception as exc:
            logger.exception("Could not act on federation message %s", pk)
            InboxMessage.objects.filter(pk=pk).update(outcome=f"error: {exc}"[:2000])
    return done
