"""How long one clocks sweep (``core.escalation.sweep``) takes on a large PostgreSQL database.

    python -m bench.escalation --size 1000000 --overdue 10000

The database (default ``huying_bench_escalation``) is created if missing, migrated and seeded
(or topped up) to ``--size`` requests, and given the demo duty roster (指挥部值班 included).
Then every open request is given deadlines a day ahead, and the ``--overdue`` newest requests
are made open and overdue (a third each received, dispatched and accepted), each with fresh
deadline moments, so every run starts a new ladder. It times:

- ``first``: the sweep that finds them all and writes one escalation event each;
- ``second``: the sweep right after, which finds them all again; those whose second step is
  already due (the 30-minute windows of urgent requests) take it;
- ``third``: the one after that, with nothing left to do.

Prints one JSON document on stdout. The data are changed directly: this is a bench database.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from typing import Any

from bench import ensure_database, migrate_and_seed, setup_django

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/huying_bench_escalation"


def _make_overdue(count: int) -> dict[str, int]:
    from datetime import timedelta

    from django.db import transaction
    from django.utils import timezone

    from core.models import OPEN_STATUSES, Group, HelpRequest, Status

    now = timezone.now()
    ahead = now + timedelta(days=1)
    group_ids = list(Group.objects.exclude(code="hq").values_list("id", flat=True))
    with transaction.atomic():
        pushed = HelpRequest.objects.filter(status__in=sorted(OPEN_STATUSES)).update(
            due_at=ahead, dispatch_due_at=ahead, accept_due_at=ahead, resolve_due_at=ahead
        )
        ids = list(HelpRequest.objects.order_by("-id").values_list("id", flat=True)[:count])
        statuses = (Status.RECEIVED, Status.DISPATCHED, Status.ACCEPTED)
        for index, status in enumerate(statuses):
            chosen = ids[index :: len(statuses)]
            # Fresh moments, a little apart, so that no earlier run's steps count.
            due = now - timedelta(minutes=30, microseconds=index + 1)
            changes: dict[str, Any] = {
                "status": status,
                "due_at": due,
                "dispatch_due_at": due,
                "accept_due_at": due,
                "resolve_due_at": due,
            }
            if status != Status.RECEIVED:
                for offset in range(len(group_ids)):
                    HelpRequest.objects.filter(pk__in=chosen[offset :: len(group_ids)]).update(
                        lead_group_id=group_ids[offset], **changes
                    )
            else:
                HelpRequest.objects.filter(pk__in=chosen).update(lead_group=None, **changes)
    return {"open_pushed_ahead": pushed, "made_overdue": len(ids)}


def measure(args: argparse.Namespace) -> dict[str, Any]:
    from django.db import connection

    from core.escalation import sweep
    from core.models import Event, HelpRequest
    from duty.demo import ensure_demo_roster

    seeded = migrate_and_seed(size=args.size, days=args.days, seed=args.seed)
    ensure_demo_roster()
    prepared = _make_overdue(args.overdue)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE core_helprequest")
    runs: dict[str, Any] = {}
    load_before = [round(x, 2) for x in os.getloadavg()]
    for name in ("first", "second", "third"):
        started = time.perf_counter()
        result = sweep()
        runs[name] = {
            "seconds": round(time.perf_counter() - started, 3),
            "counts": result.counts,
        }
    return {
        "database": connection.vendor,
        "requests": HelpRequest.objects.count(),
        "events": Event.objects.count(),
        "seeded": seeded,
        "prepared": prepared,
        "sweep": runs,
        "load_average_before": load_before,
        "python": platform.python_version(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.escalation",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--url", default=DEFAULT_URL, help=f"database URL (default {DEFAULT_URL})")
    parser.add_argument("--size", type=int, default=1_000_000, help="requests (default 10^6)")
    parser.add_argument("--overdue", type=int, default=10_000, help="overdue (default 10^4)")
    parser.add_argument("--days", type=float, default=180, help="seeded over D days (180)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    args = parser.parse_args()
    ensure_database(args.url)
    os.environ["HUYING_DATABASE_URL"] = args.url
    os.environ.setdefault("HUYING_DATA_DIR", "/tmp/hy-bench")  # noqa: S108 - bench only
    setup_django()
    json.dump(measure(args), sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
