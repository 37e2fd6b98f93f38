"""How fast ``GET /open311/v2/requests.json`` answers on a large PostgreSQL database.

    python -m bench.open311 --size 1000000 --gc-freeze

The database ``huying_bench_open311`` (``--db``) is created if missing, migrated and seeded
(or topped up) to ``--size`` requests with ``core.demo.seed_requests``, as ``bench.list``
does. ``--filed`` requests are then filed through ``POST /open311/v2/requests.json`` with a
fresh API key, so that the Open311 table is not empty and the filer's full view can be
measured; those POSTs are timed too.

Each case is a GET through Django's test client (real URLconf, middleware, views and
rendering, in this process: the server's own time, without the network) after
``--warmup`` untimed calls. Prints one JSON document on stdout.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import time
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from bench import ensure_database, migrate_and_seed, print_report, setup_django, summarise_ms
from bench.list import DEFAULT_SERVER, _time

BASE = "/open311/v2"


def _cases(
    now: datetime, numbers: list[str], filer_key: str
) -> list[tuple[str, str, dict[str, Any]]]:
    """(name, path, query) of each GET; dates relative to ``now`` so any seed date works."""

    def w3c(days: float) -> str:
        return (now - timedelta(days=days)).isoformat(timespec="seconds")

    return [
        ("default_json", "/requests.json", {}),
        ("default_xml", "/requests.xml", {}),
        ("page_size_50", "/requests.json", {"page_size": 50}),
        ("page_2_size_50", "/requests.json", {"page": 2, "page_size": 50}),
        ("page_100_size_100", "/requests.json", {"page": 100, "page_size": 100}),
        ("status_open", "/requests.json", {"status": "open"}),
        ("status_closed", "/requests.json", {"status": "closed"}),
        ("service_code_medical", "/requests.json", {"service_code": "medical"}),
        ("service_code_other_rarest", "/requests.json", {"service_code": "other"}),
        ("week_two_months_ago", "/requests.json", {"start_date": w3c(67), "end_date": w3c(60)}),
        (
            "open_in_an_old_month",
            "/requests.json",
            {"status": "open", "start_date": w3c(150), "end_date": w3c(120)},
        ),
        ("ids_20", "/requests.json", {"service_request_id": ",".join(numbers[:20])}),
        ("one_request", f"/requests/{numbers[0]}.json", {}),
        ("filer_key_default", "/requests.json", {"api_key": filer_key}),
    ]


def _form(index: int) -> dict[str, str]:
    return {
        "service_code": "supplies",
        "lat": f"{35.20 + (index % 10) / 100:.4f}",
        "long": f"{113.20 + (index % 7) / 100:.4f}",
        "address_string": f"山阳区定和街道建设路{index}号",
        "first_name": "娜",
        "last_name": "李",
        "phone": "13912345678",
        "description": "居家隔离第5天，婴儿奶粉只剩一天的量，小区封控无法外出购买。",
        "attribute[urgency]": "urgent",
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    setup_django()
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from accounts.models import ApiKey
    from core.models import Channel, HelpRequest

    seeded = migrate_and_seed(size=args.size, days=args.days, seed=args.seed)
    client = Client(HTTP_HOST="127.0.0.1")
    _, secret = ApiKey.issue(name="bench-open311", channel=Channel.API)
    post_samples: list[float] = []
    numbers: list[str] = []
    for index in range(args.filed):
        body = urlencode({**_form(index), "api_key": secret})
        started = time.perf_counter()
        response = client.post(
            f"{BASE}/requests.json", body, content_type="application/x-www-form-urlencoded"
        )
        post_samples.append(time.perf_counter() - started)
        if response.status_code != 200:
            raise SystemExit(f"POST failed: {response.status_code} {response.content[:300]!r}")
        numbers.append(json.loads(response.content)[0]["service_request_id"])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    total = HelpRequest.objects.count()

    if args.gc_freeze:
        gc.collect()
        gc.freeze()

    results: dict[str, Any] = {}
    for name, path, params in _cases(timezone.now(), numbers, secret):
        url = BASE + path
        first = client.get(url, params)
        if first.status_code != 200:
            results[name] = {"error": first.status_code, "body": first.content[:300].decode()}
            continue
        # Django clears the query log when a request starts, so read it right after one.
        connection.force_debug_cursor = True
        client.get(url, params)
        queries = len(connection.queries)
        connection.force_debug_cursor = False

        def call(url: str = url, params: dict[str, Any] = params) -> Any:
            return client.get(url, params)

        samples = _time(call, iterations=args.iterations, warmup=args.warmup, budget=args.budget)
        rows = len(json.loads(first.content)) if path.endswith(".json") else None
        results[name] = {
            **summarise_ms(samples),
            "queries": queries,
            "rows": rows,
            "bytes": len(first.content),
        }
    return {
        "benchmark": "open311",
        "database": connection.settings_dict["NAME"],
        "vendor": connection.vendor,
        "requests": total,
        "seeding": seeded,
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "iterations": args.iterations,
        "warmup": args.warmup,
        "gc_freeze": args.gc_freeze,
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "post_filed": {"count": args.filed, **summarise_ms(post_samples)},
        "get": results,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.open311",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--size", type=int, default=1_000_000, help="requests (default 10^6)")
    parser.add_argument("--server", default=DEFAULT_SERVER, help="PostgreSQL server URL")
    parser.add_argument("--db", default="huying_bench_open311", help="database name")
    parser.add_argument("--days", type=float, default=180, help="seeded over D days (180)")
    parser.add_argument("--seed", type=int, default=1, help="random seed for seeding (1)")
    parser.add_argument("--filed", type=int, default=200, help="requests POSTed first (200)")
    parser.add_argument("--iterations", type=int, default=200, help="timed calls per case")
    parser.add_argument("--warmup", type=int, default=20, help="untimed calls first")
    parser.add_argument("--budget", type=float, default=60.0, help="max seconds per case")
    parser.add_argument("--gc-freeze", action="store_true", help="gc.freeze() after start-up")
    parser.add_argument("--output", default="", help="also write the JSON to this file")
    args = parser.parse_args()

    if not args.server.startswith("postgresql://") or "@127.0.0.1" not in args.server:
        parser.error("--server must be a postgresql:// URL on 127.0.0.1")
    if not args.db.startswith("huying_bench"):
        parser.error("--db must start with huying_bench")
    ensure_database(f"{args.server}/{args.db}")
    os.environ["HUYING_DATABASE_URL"] = f"{args.server}/{args.db}"
    os.environ.setdefault("HUYING_DATA_DIR", "/tmp/hy-bench")  # noqa: S108
    print_report(run(args), args.output)


if __name__ == "__main__":
    main()
