"""What one create costs the app: SQL statements and CPU per POST /api/v1/requests, in-process.

    HUYING_DATABASE_URL=postgresql://…/huying_bench_cost python -m bench.create_cost --creates 400
    HUYING_DATA_DIR=/tmp/somewhere python -m bench.create_cost      # the embedded SQLite

It migrates the configured database, makes the demo organisation (its dispatch rules
included, so most creates are dispatched at once, as in production) and mints an API key,
then files ``--creates`` requests through Django's test client: no HTTP server, no network,
so the figures are the app's own work. One JSON document on stdout: the statements of one
create (with their SQL when ``--sql``), and per create the process CPU, the wall time and, on
PostgreSQL, the CPU of the database backend serving it (read from ``/proc``, so only when the
server runs on this machine). The first ``--warm-up`` creates are not counted.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path
from typing import Any

from bench import setup_django, summarise_ms
from bench.client import PATH, make_bodies


def _backend_cpu_seconds(pid: int | None) -> float | None:
    """user + system CPU of the process ``pid`` (a PostgreSQL backend on this machine)."""
    if pid is None:
        return None
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    # After the command name: state is field 3, utime 14 and stime 15 (1-based, man 5 proc).
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--creates", type=int, default=400, help="creates measured (400)")
    parser.add_argument("--warm-up", type=int, default=30, help="creates before measuring (30)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--sql", action="store_true", help="print the statements of one create")
    args = parser.parse_args()

    # The API's per-client rate limit would answer 429 long before the run ends.
    os.environ["HUYING_RATE_LIMIT_API"] = "off"
    setup_django()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts.models import ApiKey
    from core.demo import ensure_demo_organisation
    from core.models import Channel, Event, HelpRequest

    call_command("migrate", verbosity=0, interactive=False)
    ensure_demo_organisation()
    _key, secret = ApiKey.issue(name="create-cost", channel=Channel.API)
    client = Client(headers={"X-API-Key": secret}, REMOTE_ADDR="127.0.0.1", SERVER_NAME="127.0.0.1")
    bodies = make_bodies(args.warm_up + args.creates + 1, args.seed)

    def create(body: bytes) -> dict[str, Any]:
        response = client.post(PATH, data=body, content_type="application/json")
        if response.status_code != 201:
            raise SystemExit(f"create answered {response.status_code}: {response.content[:300]!r}")
        answer: dict[str, Any] = response.json()
        return answer

    for body in bodies[: args.warm_up]:
        create(body)
    with CaptureQueriesContext(connection) as captured:
        one = create(bodies[args.warm_up])
    # Read now: the context slices the connection's log lazily, and the next request empties it.
    statements = [query["sql"] for query in captured.captured_queries]
    backend_pid: int | None = None
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            backend_pid = int(cursor.fetchone()[0])

    timed = bodies[args.warm_up + 1 :]
    statuses: dict[str, int] = {}
    wall: list[float] = []
    db_before = _backend_cpu_seconds(backend_pid)
    cpu_before = time.process_time()
    for body in timed:
        started = time.perf_counter()
        status = create(body)["status"]
        wall.append(time.perf_counter() - started)
        statuses[status] = statuses.get(status, 0) + 1
    cpu = time.process_time() - cpu_before
    db_after = _backend_cpu_seconds(backend_pid)

    result: dict[str, Any] = {
        "benchmark": "create_cost",
        "database": connection.vendor,
        "creates": len(timed),
        "statuses": statuses,
        "queries_per_create": len(statements),
        "one_create_status": one["status"],
        "app_cpu_ms_per_create": round(1000 * cpu / len(timed), 2),
        "db_backend_cpu_ms_per_create": (
            round(1000 * (db_after - db_before) / len(timed), 2)
            if db_before is not None and db_after is not None
            else None
        ),
        "wall_ms": summarise_ms(wall),
        "events_per_create": round(
            Event.objects.filter(help_request__number__in=[one["number"]]).count(), 1
        ),
        "requests_in_database": HelpRequest.objects.count(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }
    if args.sql:
        result["sql"] = statements
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
