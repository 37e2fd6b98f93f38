"""Background work, run by the task worker (``manage.py db_worker``).

Each task takes ids, not objects, and is queued with ``transaction.on_commit`` by a service,
so it only ever sees committed data.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django_tasks import task

from core.models import Event, OutboundMessage
from lib.sms import get_backend


@task()
def send_answer(event_id: int) -> None:
    """Tell the requester by text message that their request has an answer."""
    event = Event.objects.select_related("help_request__requester").get(pk=event_id)
    help_request = event.help_request
    backend = get_backend()
    with translation.override("zh-hans"):
        body = _("[huying] Your request %(number)s has an answer: %(answer)s") % {
            "number": help_request.number,
            "answer": help_request.answer,
        }
    try:
        # The one-to-one on ``event`` claims the message: a retried task finds it written
        # and does not text the person twice.
        with transaction.atomic():
            OutboundMessage.objects.create(
                help_request=help_request,
                event=event,
                phone=help_request.requester.phone,
                body=body,
                backend=backend.name,
            )
            backend.send(help_request.requester.phone, body)
    except IntegrityError:
        return
