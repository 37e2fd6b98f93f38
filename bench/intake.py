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
from random import Random
from typing import Any
from urllib.parse import urlsplit

from bench import summarise_ms
from core.demo_text import COMMUNITIES, TEMPLATES, Place, person_name
from core.reference_data import COUNTIES, street_code

PATH = "/api/v1/requests"
_PREFIXES = ("135", "138", "139", "150", "151", "158", "177", "186", "188", "199")
_URGENCY = ("critical", "urgent", "normal")


def make_bodies(count: int, seed: int) -> list[bytes]:
    """``count`` valid, varied request bodies, from the same phrasebook as the demo data."""
    rng = Random(seed)
    places = [
        (street_code(code, index), county, street)
        for code, county, streets in COUNTIES
        for index, street in enumerate(streets)
    ]
    categories = list(TEMPLATES)
    bodies = []
    for _ in range(count):
        category = rng.choice(categories)
        template = rng.choice(TEMPLATES[category])
        division, county, street = rng.choice(places)
        summary, description, _answer = template.fill(
            rng, Place(county=county, street=street, community=rng.choice(COMMUNITIES))
        )
        body = {
            "channel": "api",
            "category": category,
            "urgency": rng.choices(_URGENCY, weights=(3, 25, 72))[0],
            "summary": summary,
            "description": description,
            "division": division,
            "address": f"{street}{rng.choice(COMMUNITIES)}小区{rng.randint(1, 28)}号楼",
            "requester_name": person_name(rng),
            "requester_phone": rng.choice(_PREFIXES) + f"{rng.randrange(10**8):08d}",
        }
        bodies.append(json.dumps(body, ensure_ascii=False).encode())
    return bodies


class _Run:
    def __init__(self, *, total: int, deadline: float) -> None:
        self.remaining = total
        self.deadline = deadline
        self.latencies: list[float] = []
        self.statuses: dict[str, int] = {}
        self.first_error: dict[str, str] = {}

    def take(self) -> bool:
        if self.remaining <= 0 or time.monotonic() >= self.deadline:
            return False
        self.remaining -= 1
        return True

    def record(self, status: str, seconds: float, body: bytes = b"") -> None:
        self.statuses[status] = self.statuses.get(status, 0) + 1
        if status == "201":
            self.latencies.append(seconds)
        elif status not in self.first_error:
            self.first_error[status] = body[:300].decode(errors="replace")


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
    """(status, body, keep_alive) of one HTTP/1.1 response with a Content-Length."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    length = 0
    keep_alive = True
    chunked = False
    for line in lines[1:]:
        name, _, value = line.partition(":")
        name = name.strip().lower()
        if name == "content-length":
            length = int(value)
        elif name == "connection" and value.strip().lower() == "close":
            keep_alive = False
        elif name == "transfer-encoding" and "chunked" in value.lower():
            chunked = True
    if chunked:
        body = b""
        while True:
            size = int((await reader.readuntil(b"\r\n")).strip().split(b";")[0], 16)
            if size == 0:
                await reader.readuntil(b"\r\n")
                break
            body += await reader.readexactly(size + 2)
        return status, body, keep_alive
    return status, await reader.readexactly(length), keep_alive


async def _worker(
    run: _Run, *, host: str, port: int, key: str, bodies: list[bytes], offset: int,
    idempotency: bool, timeout: float,
) -> None:
    stream: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
    index = offset
    head = (
        f"POST {PATH} HTTP/1.1\r\nHost: {host}:{port}\r\nX-API-Key: {key}\r\n"
        "Content-Type: application/json\r\nAccept: application/json\r\n"
    )
    while run.take():
        body = bodies[index % len(bodies)]
        index += 1
        extra = f"Idempotency-Key: {uuid.uuid4().hex}\r\n" if idempotency else ""
        message = f"{head}{extra}Content-Length: {len(body)}\r\n\r\n".encode() + body
        started = time.perf_counter()
        try:
            if stream is None:
                stream = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
            reader, writer = stream
            writer.write(message)
            await writer.drain()
            status, answer, keep_alive = await asyncio.wait_for(_read_response(reader), timeout)
            run.record(str(status), time.perf_counter() - started, answer)
            if not keep_alive:
                writer.close()
                stream = None
        except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError) as error:
            run.record(f"connection:{type(error).__name__}", time.perf_counter() - started)
            if stream is not None:
                stream[1].close()
            stream = None
    if stream is not None:
        stream[1].close()


def _cpu_ticks() -> tuple[int, int] | None:
    """(busy, total) jiffies of the whole machine, from /proc/stat; None off Linux."""
    try:
        with open("/proc/stat", encoding="ascii") as stat:
            fields = [int(x) for x in stat.readline().split()[1:]]
    except OSError:
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return sum(fields) - idle, sum(fields)


async def _bench(args: argparse.Namespace, host: str, port: int) -> dict[str, Any]:
    bodies = make_bodies(args.bodies, args.seed)
    run = _Run(total=args.requests, deadline=time.monotonic() + args.duration)
    cpu_before = os.times()
    machine_before = _cpu_ticks()
    started = time.perf_counter()
    await asyncio.gather(*(
        _worker(run, host=host, port=port, key=args.api_key, bodies=bodies, offset=i * 7919,
                idempotency=args.idempotency, timeout=args.request_timeout)
        for i in range(args.concurrency)
    ))
    elapsed = time.perf_counter() - started
    cpu_after = os.times()
    machine_after = _cpu_ticks()
    busy = None
    if machine_before and machine_after and machine_after[1] > machine_before[1]:
        busy = round(100 * (machine_after[0] - machine_before[0])
                     / (machine_after[1] - machine_before[1]), 1)
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


def _make_key(name: str) -> str:
    from bench import setup_django

    setup_django()
    from accounts.models import ApiKey
    from core.models import Channel

    _key, secret = ApiKey.issue(name=name, channel=Channel.API)
    return secret


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.intake", description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--url", default="http://127.0.0.1:8765",
                        help="the server, on 127.0.0.1 (default http://127.0.0.1:8765)")
    parser.add_argument("--api-key", default=os.environ.get("HUYING_BENCH_API_KEY", ""),
                        help="an integration key (or HUYING_BENCH_API_KEY); see --make-key")
    parser.add_argument("--concurrency", type=int, default=32, help="requests in flight (default 32)")
    parser.add_argument("--requests", type=int, default=5000, help="stop after this many (default 5000)")
    parser.add_argument("--duration", type=float, default=120.0,
                        help="or after this many seconds (default 120)")
    parser.add_argument("--request-timeout", type=float, default=30.0,
                        help="seconds before one call counts as failed (default 30)")
    parser.add_argument("--bodies", type=int, default=1000, help="distinct bodies to cycle (default 1000)")
    parser.add_argument("--seed", type=int, default=1, help="random seed of the bodies (default 1)")
    parser.add_argument("--idempotency", action="store_true",
                        help="send a fresh Idempotency-Key with every call, as integrations should")
    parser.add_argument("--make-key", action="store_true",
                        help="mint an API key (channel api) in the configured database, print it, exit")
    parser.add_argument("--key-name", default="bench-intake", help="name of the minted key")
    args = parser.parse_args()

    if args.make_key:
        print(_make_key(args.key_name))
        return
    url = urlsplit(args.url)
    if url.scheme != "http" or url.hostname != "127.0.0.1":
        parser.error("--url must be http://127.0.0.1:<port>: this benchmark only loads this machine")
    if not args.api_key:
        parser.error("--api-key is required (mint one with --make-key)")
    if args.concurrency < 1 or args.requests < 1:
        parser.error("--concurrency and --requests must be at least 1")
    result = asyncio.run(_bench(args, url.hostname, url.port or 80))
    print(json.dumps(result, ensure_ascii=False, indent=2))
    if not result["created"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
