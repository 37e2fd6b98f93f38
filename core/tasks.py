"""Background work, run by the task worker (``manage.py db_worker``).

Each task takes ids, not objects, and is queued with ``transaction.on_commit`` by a service,
so it only ever sees committed data.
"""

from __future__ import annotations

from django.db import IntegrityError
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django_tasks import task

from core.models import Event
from core.notify import send_text


def _text_requester(event_id: int, message: str) -> None:
    event = Event.objects.select_related("help_request__requester").get(pk=event_id)
    help_request = event.help_request
    with translation.override("zh-hans"):
        body = _(message) % {"number": help_request.number, "answer": help_request.answer}
    try:
        # The one-to-one on ``event`` claims the message: a retried task finds it written
        # and does not text the person twice.
        send_text(
            phone=help_request.requester.phone, body=body, help_request=help_request, event=event
        )
    except IntegrityError:
        return


#: Marked for translation here, translated when the task runs (always into Chinese).
RECEIPT = gettext_noop("[huying] We have your request. Its number is %(number)s; keep it to follow it up.")
ANSWER = gettext_noop("[huying] Your request %(number)s has an answer: %(answer)s")


@task()
def send_receipt(event_id: int) -> None:
    """Tell the requester the number of the request just filed, whatever channel it came by."""
    _text_requester(event_id, RECEIPT)


@task()
def send_answer(event_id: int) -> None:
    """Tell the requester by text message that their request has an answer."""
    _text_requester(event_id, ANSWER)
