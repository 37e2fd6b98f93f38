"""How fast the request queue answers on a large PostgreSQL database, server side.

    python -m bench.list --sizes 10000,100000,1000000

For each size, a database ``huying_bench_<size>`` is created if missing, migrated and seeded
(or topped up) to that many requests with ``core.demo.seed_requests``. Then, for a few filter
combinations, it times ``--iterations`` calls after ``--warmup`` calls of:

- ``console``: GET /console/requests/ through the Django test client (real URLconf,
  middleware, session, template), signed in as the demo dispatcher;
- ``api``: GET /api/v1/requests the same way (session auth);
- ``selector``: ``core.selectors.request_queue`` alone, which both of them call (as the API
  does, every column; ``open_console_columns`` as the console does, only what its rows show).

The test client runs in this process, so the figures are the server's own time per request,
without the network and without the client. Each size runs in a child process, because
Django binds to one database per process; its rate limits are off (``rate_limits`` in the
JSON). Prints one JSON document on stdout.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

from bench import ensure_database, migrate_and_seed, print_report, setup_django, summarise_ms

DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432"
#: Set in the child's environment: the per-client rate limits would answer the API cases'
#: thousands of calls from one signed-in user with 429, and they are not what is measured.
LIFTED_LIMITS = {"HUYING_RATE_LIMIT_API": "off", "HUYING_RATE_LIMIT_PUBLIC": "off"}

#: (name, query string) of the console; its default (no status) is the open requests.
CONSOLE_CASES: list[tuple[str, dict[str, str]]] = [
    ("default_open", {}),
    ("all_statuses", {"status": "all"}),
    ("status_received", {"status": "received"}),
    ("category_medical", {"category": "medical"}),
    ("overdue", {"overdue": "true"}),
    ("group_medical", {"group": "medical"}),
]
#: The API's default is every status.
API_CASES: list[tuple[str, dict[str, str]]] = [
    ("default_all", {}),
    ("open", {"status": "received,dispatched,accepted,in_progress"}),
    ("status_received", {"status": "received"}),
    ("category_medical", {"category": "medical"}),
    ("overdue", {"overdue": "true"}),
    ("group_medical", {"group": "medical"}),
]


def _time(call: Callable[[], Any], *, iterations: int, warmup: int, budget: float) -> list[float]:
    for _ in range(warmup):
        call()
    samples: list[float] = []
    stop_at = time.monotonic() + budget
    for _ in range(iterations):
        started = time.perf_counter()
        call()
        samples.append(time.perf_counter() - started)
        if time.monotonic() > stop_at:
            break
    return samples


def _child(args: argparse.Namespace) -> dict[str, Any]:
    """Seed this process's database to ``args.size`` requests and measure it."""
    setup_django()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User
    from console.views import QUEUE_COLUMNS
    from core.access import Actor
    from core.models import OPEN_STATUSES, HelpRequest
    from core.selectors import RequestFilters, request_queue

    seeded = migrate_and_seed(size=args.size, days=args.days, seed=args.seed)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        cursor.execute("SELECT count(*) FROM core_event")
        events = cursor.fetchone()[0]
    total = HelpRequest.objects.count()
    open_count = HelpRequest.objects.filter(status__in=OPEN_STATUSES).count()

    if args.gc_freeze:
        # What a tuned server does after start-up: the objects alive now are never scanned
        # again, so the occasional full collection no longer adds tens of ms to one call.
        gc.collect()
        gc.freeze()
    dispatcher = User.objects.get(username="dispatcher")
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(dispatcher)
    budget = args.budget

    def http_case(url: str, params: dict[str, str]) -> dict[str, Any]:
        first = client.get(url, params)
        if first.status_code != 200:
            return {
                "error": first.status_code,
                "body": first.content[:300].decode(errors="replace"),
            }
        with CaptureQueriesContext(connection) as captured:
            client.get(url, params)
        queries = len(captured)  # now: the log is cleared at the start of each request
        samples = _time(
            lambda: client.get(url, params),
            iterations=args.iterations,
            warmup=args.warmup,
            budget=budget,
        )
        return {**summarise_ms(samples), "queries": queries, "bytes": len(first.content)}

    def cursor_of(filters: RequestFilters) -> str | None:
        return request_queue(actor=Actor(user=dispatcher), filters=filters, limit=50).next_cursor

    results: dict[str, Any] = {"console": {}, "api": {}, "selector": {}}
    for name, params in CONSOLE_CASES:
        results["console"][name] = http_case("/console/requests/", params)
    open_cursor = cursor_of(RequestFilters(statuses=sorted(OPEN_STATUSES)))
    if open_cursor:
        results["console"]["default_open_page2"] = http_case(
            "/console/requests/", {"cursor": open_cursor}
        )
    for name, params in API_CASES:
        results["api"][name] = http_case("/api/v1/requests", params)
    all_cursor = cursor_of(RequestFilters())
    if all_cursor:
        results["api"]["default_all_page2"] = http_case("/api/v1/requests", {"cursor": all_cursor})

    actor = Actor(user=dispatcher)
    selector_cases: list[tuple[str, RequestFilters, str | None]] = [
        ("all", RequestFilters(), None),
        ("open", RequestFilters(statuses=sorted(OPEN_STATUSES)), None),
        ("status_received", RequestFilters(statuses=["received"]), None),
        ("category_medical", RequestFilters(category="medical"), None),
        ("overdue", RequestFilters(overdue=True), None),
        ("group_medical", RequestFilters(group="medical"), None),
        ("all_page2", RequestFilters(), all_cursor),
        ("open_page2", RequestFilters(statuses=sorted(OPEN_STATUSES)), open_cursor),
    ]
    # The console loads only the columns its rows show; the API, every column.
    selector_cases.append(
        ("open_console_columns", RequestFilters(statuses=sorted(OPEN_STATUSES)), None)
    )
    for name, filters, page_cursor in selector_cases:
        columns = QUEUE_COLUMNS if name.endswith("_console_columns") else ()

        def call(
            filters: RequestFilters = filters,
            page_cursor: str | None = page_cursor,
            columns: tuple[str, ...] = columns,
        ) -> Any:
            return request_queue(
                actor=actor, filters=filters, cursor=page_cursor, limit=50, columns=columns
            )

        results["selector"][name] = summarise_ms(
            _time(call, iterations=args.iterations, warmup=args.warmup, budget=budget)
        )
    return {
        "size": args.size,
        "database": connection.settings_dict["NAME"],
        "vendor": connection.vendor,
        "requests": total,
        "open_requests": open_count,
        "events": events,
        "seeding": seeded,
        **results,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.list",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--sizes",
        default="10000,100000,1000000",
        help="comma-separated request counts (default 10000,100000,1000000)",
    )
    parser.add_argument(
        "--server",
        default=DEFAULT_SERVER,
        help=f"PostgreSQL server URL without a database (default {DEFAULT_SERVER})",
    )
    parser.add_argument(
        "--db-prefix",
        default="huying_bench",
        help="database name prefix; the size is appended (default huying_bench)",
    )
    parser.add_argument(
        "--days",
        type=float,
        default=180,
        help="seeded requests are spread over this many days (default 180)",
    )
    parser.add_argument("--seed", type=int, default=1, help="random seed for seeding (default 1)")
    parser.add_argument(
        "--iterations", type=int, default=200, help="timed calls per case (default 200)"
    )
    parser.add_argument("--warmup", type=int, default=20, help="untimed calls first (default 20)")
    parser.add_argument(
        "--budget",
        type=float,
        default=60.0,
        help="at most this many seconds of timed calls per case (default 60)",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=3600.0,
        help="give up on a size after this many seconds (default 3600)",
    )
    parser.add_argument(
        "--gc-freeze",
        action="store_true",
        help="gc.freeze() after start-up, as a tuned server would (see docs)",
    )
    parser.add_argument("--output", default="", help="also write the JSON to this file")
    parser.add_argument("--size", type=int, default=0, help=argparse.SUPPRESS)  # child only
    args = parser.parse_args()

    if args.size:
        print(json.dumps(_child(args), ensure_ascii=False))
        return

    if not args.server.startswith("postgresql://") or "@127.0.0.1" not in args.server:
        parser.error("--server must be a postgresql:// URL on 127.0.0.1")
    sizes = [int(part) for part in args.sizes.split(",") if part.strip()]
    report: dict[str, Any] = {
        "benchmark": "list",
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "iterations": args.iterations,
        "gc_freeze": args.gc_freeze,
        "warmup": args.warmup,
        "days": args.days,
        "rate_limits": LIFTED_LIMITS,
        "sizes": [],
    }
    for size in sizes:
        name = f"{args.db_prefix}_{size}"
        ensure_database(f"{args.server}/{name}")
        env = {
            **os.environ,
            "HUYING_DATABASE_URL": f"{args.server}/{name}",
            "HUYING_DATA_DIR": os.environ.get("HUYING_DATA_DIR", "/tmp/hy-bench"),  # noqa: S108
            **LIFTED_LIMITS,
        }
        command = [
            sys.executable,
            "-m",
            "bench.list",
            "--size",
            str(size),
            "--days",
            str(args.days),
            "--seed",
            str(args.seed),
            "--iterations",
            str(args.iterations),
            "--warmup",
            str(args.warmup),
            "--budget",
            str(args.budget),
            *(["--gc-freeze"] if args.gc_freeze else []),
        ]
        print(f"== {size} requests in {name}", file=sys.stderr)
        load_before = [round(x, 2) for x in os.getloadavg()]
        done = subprocess.run(  # noqa: S603 - our own module, fixed arguments
            command,
            env=env,
            capture_output=False,
            stdout=subprocess.PIPE,
            text=True,
            timeout=args.timeout,
            check=False,
        )
        if done.returncode != 0:
            report["sizes"].append({"size": size, "error": f"exit {done.returncode}"})
            continue
        result = json.loads(done.stdout.strip().splitlines()[-1])
        # Other work on the machine shows up in p99; the load average says how much there was.
        result["load_average"] = {
            "before": load_before,
            "after": [round(x, 2) for x in os.getloadavg()],
        }
        report["sizes"].append(result)
    print_report(report, args.output)


if __name__ == "__main__":
    main()
