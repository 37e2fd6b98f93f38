"""What the task worker pays to claim one task when work has piled up, in-process.

    HUYING_DATABASE_URL=postgresql://…/huying_bench_claim python -m bench.task_claim
    HUYING_DATA_DIR=/tmp/somewhere python -m bench.task_claim --ready 7000 --finished 100000

It adds ``--ready`` tasks waiting to run and ``--finished`` tasks already done (what the
table holds when nothing purges it) under a task path of its own, claims ``--claims`` of
them exactly as ``manage.py db_worker`` does (its queryset, lock and ``claim``), and deletes
its rows again. One JSON document on stdout: wall time per claim and the claim's plan.
"""

from __future__ import annotations

import argparse
import json
import time
import uuid
from datetime import timedelta
from typing import Any

from bench import setup_django, summarise_ms

#: Never imported: the rows are claimed, not run.
TASK_PATH = "bench.task_claim.never_run"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ready", type=int, default=7000, help="tasks waiting (7000)")
    parser.add_argument("--finished", type=int, default=100_000, help="tasks done (100000)")
    parser.add_argument("--delayed", type=int, default=0, help="tasks waiting for a later time (0)")
    parser.add_argument("--claims", type=int, default=200, help="claims timed (200)")
    args = parser.parse_args()

    setup_django()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.management.commands.db_worker import Worker
    from django_tasks_db.models import DBTaskResult, get_date_max
    from django_tasks_db.utils import exclusive_transaction

    call_command("migrate", verbosity=0, interactive=False)
    now = timezone.now()

    def row(status: str, age: int, *, later: bool = False) -> DBTaskResult[Any, Any]:
        done = status != TaskResultStatus.READY
        return DBTaskResult(
            id=uuid.uuid4(),
            status=status,
            args_kwargs={"args": [age], "kwargs": {}},
            task_path=TASK_PATH,
            queue_name="default",
            backend_name="default",
            run_after=now + timedelta(hours=1, seconds=age) if later else get_date_max(),
            enqueued_at=now - timedelta(seconds=age),
            started_at=now - timedelta(seconds=age) if done else None,
            finished_at=now - timedelta(seconds=age) if done else None,
            return_value=None,
        )

    DBTaskResult.objects.filter(task_path=TASK_PATH).delete()
    DBTaskResult.objects.bulk_create(
        [row(TaskResultStatus.SUCCESSFUL, i) for i in range(args.finished)], batch_size=5000
    )
    DBTaskResult.objects.bulk_create(
        [row(TaskResultStatus.READY, i) for i in range(args.ready)], batch_size=5000
    )
    DBTaskResult.objects.bulk_create(
        [row(TaskResultStatus.READY, i, later=True) for i in range(args.delayed)],
        batch_size=5000,
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE django_tasks_database_dbtaskresult")

    # The worker's own selection, so a change to how it claims is measured as it runs.
    worker = Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="bench-claim",
        excluded_queue_names=[],
    )
    tasks = worker.ready_tasks() if hasattr(worker, "ready_tasks") else None
    if tasks is None:
        tasks = DBTaskResult.objects.ready().filter(
            backend_name="default", queue_name__in=["default"]
        )
    with exclusive_transaction(tasks.db):
        plan = tasks.select_for_update(skip_locked=True)[:1].explain()

    claims: list[float] = []
    selects: list[float] = []
    claimed = 0
    for _ in range(args.claims):
        started = time.perf_counter()
        with exclusive_transaction(tasks.db):
            found = tasks.get_locked()
            selects.append(time.perf_counter() - started)
            if found is not None:
                found.claim(worker.worker_id)
        claims.append(time.perf_counter() - started)
        claimed += found is not None and found.task_path == TASK_PATH
    DBTaskResult.objects.filter(task_path=TASK_PATH).delete()

    result: dict[str, Any] = {
        "benchmark": "task_claim",
        "database": connection.vendor,
        "ready": args.ready,
        "finished": args.finished,
        "claims": args.claims,
        "claimed_bench_rows": claimed,
        "delayed": args.delayed,
        "claim_ms": summarise_ms(claims),
        "select_ms": summarise_ms(selects),
        "plan": plan,
    }
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
