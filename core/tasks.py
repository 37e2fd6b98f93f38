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
RECEIPT = gettext_noop(
    "[huying] We have your request. Its number is %(number)s; keep it to follow it up."
)
ANSWER = gettext_noop("[huying] Your request %(number)s has an answer: %(answer)s")


@task()
def send_receipt(event_id: int) -> None:
    """Tell the requester the number of the request just filed, whatever channel it came by."""
    _text_requester(event_id, RECEIPT)


@task()
def send_answer(event_id: int) -> None:
    """Tell the requester by text message that their request has an answer."""
    _text_requester(event_id, ANSWER)


ESCALATION_TEXT = gettext_noop(
    "[huying] Request %(number)s (%(urgency)s) is past its %(deadline)s deadline of %(due)s; "
    "escalation step %(step)s. Please see to it now."
)
PAGE_TEXT = gettext_noop(
    "[huying] Critical request %(number)s needs you now: %(summary)s (%(deadline)s due %(due)s)."
)
DEADLINE_NAMES = {
    "dispatch": gettext_noop("dispatch"),
    "accept": gettext_noop("accept"),
    "resolve": gettext_noop("resolve"),
}


@task()
def text_escalations(event_ids: list[int]) -> int:
    """Text the person each escalation or page event names; the messages sent.

    Someone without a phone number is skipped (the event stays as the record). A retried
    task finds the messages already written (one per event) and does not send them twice.
    """
    from datetime import datetime

    from django.utils import timezone

    from accounts.models import User

    events = list(
        Event.objects.filter(pk__in=event_ids, message__isnull=True).select_related("help_request")
    )
    names = {str(e.data.get("notified", "")) for e in events} - {""}
    phones = dict(User.objects.filter(username__in=names).values_list("username", "phone"))
    sent = 0
    with translation.override("zh-hans"):
        for event in events:
            phone = phones.get(str(event.data.get("notified", "")), "")
            if not phone:
                continue
            hr = event.help_request
            due = timezone.localtime(datetime.fromisoformat(str(event.data["due_at"])))
            values = {
                "number": hr.number,
                "urgency": hr.get_urgency_display(),
                "summary": hr.summary,
                "deadline": _(DEADLINE_NAMES.get(str(event.data.get("deadline")), "")),
                "due": due.strftime("%m-%d %H:%M"),
                "step": event.data.get("step", 0),
            }
            template = PAGE_TEXT if event.kind == Event.Kind.PAGED else ESCALATION_TEXT
            try:
                send_text(phone=phone, body=_(template) % values, help_request=hr, event=event)
            except IntegrityError:
                continue
            sent += 1
    return sent


@task()
def page_duty_post(event_id: int) -> None:
    """Page the duty post for a critical request just filed or dispatched."""
    from core.escalation import page

    page(event_id)


SWEEP_EVERY_SECONDS = 30


def _pending(module_path: str) -> bool:
    """Whether a task of ``module_path`` waits to run (index ``core_task_waiting_path``)."""
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(
        task_path=module_path, status=TaskResultStatus.READY
    ).exists()


def _sweep_pending() -> bool:
    return _pending(sweep_clocks.module_path)


def start_sweeping() -> bool:
    """Queue the first sweep unless one is already waiting; whether it queued one."""
    if _sweep_pending():
        return False
    sweep_clocks.enqueue()
    return True


@task()
def sweep_clocks() -> dict[str, int]:
    """Escalate what is overdue, then queue the next sweep 30 s later (one chain only).

    It also keeps one purge of finished tasks queued (``purge_finished_tasks``), so whatever
    starts the sweep starts the purge too.
    """
    from datetime import timedelta

    from django.utils import timezone

    from core.escalation import sweep

    try:
        result = sweep()
    finally:
        if not _sweep_pending():
            sweep_clocks.using(
                run_after=timezone.now() + timedelta(seconds=SWEEP_EVERY_SECONDS)
            ).enqueue()
        _keep_purging()
    return result.counts


#: How often finished tasks are purged, and how many rows one DELETE removes at most: short
#: statements, so that on SQLite the creates waiting for the write lock wait little.
PURGE_EVERY_SECONDS = 3600
PURGE_CHUNK = 2000


def _keep_purging() -> None:
    from datetime import timedelta

    from django.utils import timezone

    if not _pending(purge_finished_tasks.module_path):
        purge_finished_tasks.using(
            run_after=timezone.now() + timedelta(seconds=PURGE_EVERY_SECONDS)
        ).enqueue()


def purge_finished_tasks_now() -> int:
    """Delete the tasks that finished more than ``HUYING_TASK_RETENTION_HOURS`` ago; how many.

    Every create queues a task (the receipt), and the library keeps each row after it ran;
    without this the table only grows. Waiting and running tasks are never touched; the texts
    themselves stay recorded as ``OutboundMessage`` rows.
    """
    from datetime import timedelta

    from django.conf import settings
    from django.utils import timezone
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    cutoff = timezone.now() - timedelta(hours=settings.HUYING_TASK_RETENTION_HOURS)
    old = DBTaskResult.objects.filter(
        status__in=[TaskResultStatus.SUCCESSFUL, TaskResultStatus.FAILED],
        finished_at__lt=cutoff,
    )
    deleted = 0
    while True:
        chunk = list(old.order_by().values_list("pk", flat=True)[:PURGE_CHUNK])
        if not chunk:
            return deleted
        deleted += DBTaskResult.objects.filter(pk__in=chunk).delete()[0]


@task()
def purge_finished_tasks() -> int:
    """Purge finished tasks (``purge_finished_tasks_now``), then queue the next purge an hour
    later (one chain only); the number deleted."""
    try:
        return purge_finished_tasks_now()
    finally:
        _keep_purging()
