"""What one refresh of the live board costs on a large PostgreSQL database, server side.

    python -m bench.board [--open 100000] [--iterations 200]

Seeds ``huying_bench_board`` with ``bench.migrate_and_seed`` (created if missing) to
``--open`` requests, then makes that many of them open (status ``received`` on the oldest
finished ones: a read benchmark needs the open rows, not a believable history). Then it times
GET /board/fragment/ through the Django test client (URLconf, middleware, session, template)
signed in as the demo commander, after a warm-up, and counts its queries. Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import ensure_database, migrate_and_seed, setup_django, summarise_ms

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/huying_bench_board"


def _open_requests(target: int) -> int:
    from django.db import connection

    from core.models import OPEN_STATUSES, HelpRequest, Status

    open_statuses = sorted(OPEN_STATUSES)
    have = HelpRequest.objects.filter(status__in=open_statuses).count()
    if have < target:
        ids = list(
            HelpRequest.objects.exclude(status__in=open_statuses)
            .order_by("received_at")
            .values_list("id", flat=True)[: target - have]
        )
        HelpRequest.objects.filter(id__in=ids).update(status=Status.RECEIVED)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE core_helprequest")
    return HelpRequest.objects.filter(status__in=open_statuses).count()


def measure(args: argparse.Namespace) -> dict[str, Any]:
    from django.db import connection
    from django.test import Client

    from accounts.models import Role, User

    seeded = migrate_and_seed(size=args.open, days=args.days, seed=args.seed)
    open_count = _open_requests(args.open)
    user = User.objects.filter(role=Role.COMMANDER).first()
    if user is None:
        user = User.objects.create_user("bench-commander", role=Role.COMMANDER)
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)

    def refresh() -> None:
        response = client.get("/board/fragment/")
        assert response.status_code == 200, response.status_code

    for _ in range(args.warmup):
        refresh()
    queries: list[tuple[str, float]] = []

    def record(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            queries.append((sql, time.perf_counter() - started))

    with connection.execute_wrapper(record):
        refresh()
    samples: list[float] = []
    for _ in range(args.iterations):
        started = time.perf_counter()
        refresh()
        samples.append(time.perf_counter() - started)
    return {
        "benchmark": "board_fragment_refresh",
        "database": connection.settings_dict["NAME"],
        "seeded": seeded,
        "open_requests": open_count,
        "queries_per_refresh": len(queries),
        "query_ms": [round(seconds * 1000, 2) for _sql, seconds in queries],
        "ms": summarise_ms(samples),
        "python": platform.python_version(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default=DEFAULT_URL, help=f"database URL (default {DEFAULT_URL})")
    parser.add_argument("--open", type=int, default=100_000, help="open requests (default 10^5)")
    parser.add_argument("--days", type=int, default=14)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--iterations", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=10)
    args = parser.parse_args()
    ensure_database(args.url)
    os.environ["HUYING_DATABASE_URL"] = args.url
    os.environ.setdefault(
        "HUYING_DATA_DIR", str(Path(tempfile.gettempdir()) / "huying-bench-board")
    )
    setup_django()
    json.dump(measure(args), sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
