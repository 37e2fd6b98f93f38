"""How many requests per second the API files: POST /api/v1/requests at a fixed concurrency.

    python -m bench.intake --url http://127.0.0.1:8765 --concurrency 32 --requests 5000 --api-key KEY
    python -m bench.intake --make-key      # mint an API key in HUYING_DATABASE_URL's database

The client is one asyncio loop speaking plain HTTP/1.1 over keep-alive connections (it
reconnects when the server closes one, as gunicorn's sync workers do), with the request
bodies built before the clock starts, so it takes little of the CPU the server also needs.
It stops after ``--requests`` calls or ``--duration`` seconds, whichever comes first, and
only ever talks to 127.0.0.1. Prints one JSON document: creates/s, latency percentiles, and
the errors by HTTP status.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
import uuid
from typing import Any

from bench import summarise_ms
from bench.client import (
    PATH,
    ClosedLoop,
    busy_percent,
    closed_loop_worker,
    cpu_ticks,
    local_address,
    make_bodies,
    make_key,
)


async def _bench(args: argparse.Namespace, host: str, port: int) -> dict[str, Any]:
    bodies = make_bodies(args.bodies, args.seed)
    run = ClosedLoop(remaining=args.requests, deadline=time.monotonic() + args.duration)
    # One fresh prefix per run, so keys never repeat across runs against the same database.
    prefix = f"bi-{uuid.uuid4().hex[:12]}-" if args.idempotency else ""
    cpu_before = os.times()
    machine_before = cpu_ticks()
    started = time.perf_counter()
    await asyncio.gather(
        *(
            closed_loop_worker(
                run,
                host=host,
                port=port,
                keys=[args.api_key],
                bodies=bodies,
                offset=i * 7919,
                idempotency_prefix=prefix,
                timeout=args.request_timeout,
            )
            for i in range(args.concurrency)
        )
    )
    elapsed = time.perf_counter() - started
    cpu_after = os.times()
    busy = busy_percent(machine_before, cpu_ticks())
    created = run.statuses.get("201", 0)
    client_cpu = (cpu_after.user - cpu_before.user) + (cpu_after.system - cpu_before.system)
    return {
        "benchmark": "intake",
        "url": f"http://{host}:{port}{PATH}",
        "concurrency": args.concurrency,
        "requests": sum(run.statuses.values()),
        "created": created,
        "seconds": round(elapsed, 2),
        "creates_per_second": round(created / elapsed, 1) if elapsed else 0.0,
        "latency_ms": summarise_ms(run.latencies),
        "errors": {status: n for status, n in sorted(run.statuses.items()) if status != "201"},
        "first_error": run.first_error,
        "client_cpu_seconds": round(client_cpu, 2),
        # All cores together; near 100 means the machine, not the server's design, is the limit.
        "machine_cpu_busy_percent": busy,
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "idempotency_keys": args.idempotency,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.intake",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--url",
        default="http://127.0.0.1:8765",
        help="the server, on 127.0.0.1 (default http://127.0.0.1:8765)",
    )
    parser.add_argument(
        "--api-key",
        default=os.environ.get("HUYING_BENCH_API_KEY", ""),
        help="an integration key (or HUYING_BENCH_API_KEY); see --make-key",
    )
    parser.add_argument(
        "--concurrency", type=int, default=32, help="requests in flight (default 32)"
    )
    parser.add_argument(
        "--requests", type=int, default=5000, help="stop after this many (default 5000)"
    )
    parser.add_argument(
        "--duration", type=float, default=120.0, help="or after this many seconds (default 120)"
    )
    parser.add_argument(
        "--request-timeout",
        type=float,
        default=30.0,
        help="seconds before one call counts as failed (default 30)",
    )
    parser.add_argument(
        "--bodies", type=int, default=1000, help="distinct bodies to cycle (default 1000)"
    )
    parser.add_argument("--seed", type=int, default=1, help="random seed of the bodies (default 1)")
    parser.add_argument(
        "--idempotency",
        action="store_true",
        help="send a fresh Idempotency-Key with every call, as integrations should",
    )
    parser.add_argument(
        "--make-key",
        action="store_true",
        help="mint an API key (channel api) in the configured database, print it, exit",
    )
    parser.add_argument("--key-name", default="bench-intake", help="name of the minted key")
    args = parser.parse_args()

    if args.make_key:
        print(make_key(args.key_name))
        return
    try:
        host, port = local_address(args.url)
    except ValueError as error:
        parser.error(f"--url: {error}")
    if not args.api_key:
        parser.error("--api-key is required (mint one with --make-key)")
    if args.concurrency < 1 or args.requests < 1:
        parser.error("--concurrency and --requests must be at least 1")
    result = asyncio.run(_bench(args, host, port))
    print(json.dumps(result, ensure_ascii=False, indent=2))
    if not result["created"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
