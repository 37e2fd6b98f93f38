"""The green channel's federation messages: a filing from the origin, a step from either side."""

from __future__ import annotations

from typing import Any

from federation.handlers import handles
from federation.models import InboxMessage
from greenchannel import services


@handles(services.FILING_MESSAGE)
def filing(message: InboxMessage, body: dict[str, Any]) -> str:
    return services.receive_filing(message.peer, body, message.message_id)


@handles(services.STEP_MESSAGE)
def step(message: InboxMessage, body: dict[str, Any]) -> str:
    return services.apply_step(message.peer, body, message.message_id)
