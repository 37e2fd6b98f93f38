"""Text messages to people, written down before they are sent.

Every message becomes an ``OutboundMessage`` row, so an administrator can read what went out
(and, on the default log backend that sends nothing, read the one-time codes a tester needs).
"""

from __future__ import annotations

from django.db import transaction

from core.models import Event, HelpRequest, OutboundMessage
from lib.sms import get_backend


def send_text(
    *,
    phone: str,
    body: str,
    help_request: HelpRequest | None = None,
    event: Event | None = None,
) -> OutboundMessage:
    """Record and send one message. Raises ``IntegrityError`` if ``event`` already has one."""
    backend = get_backend()
    with transaction.atomic():
        message = OutboundMessage.objects.create(
            help_request=help_request,
            event=event,
            phone=phone,
            body=body,
            backend=backend.name,
        )
        # Sent inside the transaction: a gateway failure rolls the record back, so the task
        # retries and the record never claims a message that did not go out.
        backend.send(phone, body)
    return message
