"""The task queue keeps what still matters: finished tasks go after the retention, by a task
the clocks' sweep keeps queued, one chain only."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult, get_date_max

from core import tasks

pytestmark = pytest.mark.django_db


def task_row(status: str, *, finished_hours_ago: float | None = None) -> DBTaskResult[Any, Any]:
    now = timezone.now()
    finished = None if finished_hours_ago is None else now - timedelta(hours=finished_hours_ago)
    return DBTaskResult.objects.create(
        id=uuid.uuid4(),
        status=status,
        args_kwargs={"args": [1], "kwargs": {}},
        task_path=tasks.send_receipt.module_path,
        backend_name="default",
        run_after=get_date_max(),
        started_at=finished,
        finished_at=finished,
    )


def test_finished_tasks_older_than_the_retention_are_purged(settings):
    settings.HUYING_TASK_RETENTION_HOURS = 24
    old_done = task_row(TaskResultStatus.SUCCESSFUL, finished_hours_ago=25)
    old_failed = task_row(TaskResultStatus.FAILED, finished_hours_ago=30)
    recent = task_row(TaskResultStatus.SUCCESSFUL, finished_hours_ago=23)
    waiting = task_row(TaskResultStatus.READY)
    running = task_row(TaskResultStatus.RUNNING)
    assert tasks.purge_finished_tasks_now() == 2
    left = set(DBTaskResult.objects.values_list("pk", flat=True))
    assert left == {recent.pk, waiting.pk, running.pk}
    assert not left & {old_done.pk, old_failed.pk}


def test_the_purge_goes_in_chunks_until_nothing_old_is_left(settings, monkeypatch):
    settings.HUYING_TASK_RETENTION_HOURS = 1
    monkeypatch.setattr(tasks, "PURGE_CHUNK", 2)
    for _ in range(5):
        task_row(TaskResultStatus.SUCCESSFUL, finished_hours_ago=2)
    assert tasks.purge_finished_tasks_now() == 5
    assert not DBTaskResult.objects.exists()


def purges() -> list[DBTaskResult[Any, Any]]:
    return list(DBTaskResult.objects.filter(task_path=tasks.purge_finished_tasks.module_path))


def test_the_purge_queues_the_next_one_an_hour_later_once_only():
    tasks.purge_finished_tasks.call()
    tasks.purge_finished_tasks.call()
    [queued] = purges()
    assert queued.status == TaskResultStatus.READY
    assert queued.run_after > timezone.now() + timedelta(minutes=59)


def test_the_sweep_keeps_one_purge_queued():
    tasks.sweep_clocks.call()
    tasks.sweep_clocks.call()
    assert len(purges()) == 1
