"""The outbox's delivery, run by the task worker: one chain that re-queues itself while
messages wait, timed to the next retry."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django_tasks import task


def _pending() -> bool:
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(
        task_path=deliver_outbox.module_path, status=TaskResultStatus.READY
    ).exists()


def start_delivering() -> bool:
    """Queue a delivery round now unless one is waiting; whether it queued one."""
    if _pending():
        return False
    deliver_outbox.enqueue()
    return True


@task()
def deliver_outbox() -> dict[str, list[int]]:
    """Deliver what is due; then queue the next round for the earliest retry, if any."""
    from federation.delivery import deliver_due
    from federation.models import OutboxMessage

    try:
        done = deliver_due()
    finally:
        waiting = (
            OutboxMessage.objects.filter(delivered_at=None, abandoned_at=None)
            .order_by("next_attempt_at")
            .values_list("next_attempt_at", flat=True)
            .first()
        )
        if waiting is not None and not _pending():
            at = max(waiting, timezone.now() + timedelta(seconds=1))
            deliver_outbox.using(run_after=at).enqueue()
    return {"delivered": done.delivered, "failed": done.failed, "abandoned": done.abandoned}


@task()
def process_inbox() -> int:
    """Act on the messages peers sent, in the order they came; how many were processed."""
    from federation.handlers import process_pending

    return process_pending()
