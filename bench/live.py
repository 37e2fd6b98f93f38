"""Live streams under intake: N open board streams while the API files requests.

    python -m bench.live                           # self-started server; 1,000 then 2,000 streams
    python -m bench.live --streams 200 --seconds 10          # a short try
    python -m bench.live --path /console/stream/             # another stream, same SSE format
    HUYING_DATABASE_URL=… HUYING_DATA_DIR=… python -m bench.live --url http://127.0.0.1:8000

For each count in ``--streams`` it opens that many Server-Sent Events streams (GET ``--path``,
default ``/board/events/``) as a dispatcher signed in by a session cookie, at ``--open-rate``
per second, and waits until each has answered its head (or failed, or ``--open-timeout``
passed). Then, for ``--seconds``, it files requests through ``POST /api/v1/requests`` with an
integration key, closed loop at ``--intake-concurrency``, and fetches a staff page
(``--staff-path``, default ``/console/requests/``) as the same user every
``--staff-interval`` seconds. It listens ``--grace`` seconds more, closes every stream and
reports:

- streams opened (answered 200 with their head), held (still open at the end), ended by the
  server during the run, and failed (by reason: status, timeout, connection error);
- intake creates/s, latency and errors by status;
- the staff page's p50/p99 and statuses during the run;
- for every (stream, create) pair where the stream was open when the create was sent: the
  delay from sending the create (and, beside it, from its 201 answer, which can come after
  the change was already published) to the first message on that stream carrying the
  request's number (each SSE ``data:`` is a JSON object with a ``"number"``), as p50/p99/max,
  and the pairs and streams that missed a create;
- the client's own CPU time and event-loop lag (so that a slow client is not read as a slow
  server), the machine's CPU busy share, and the load average before and after.

Without ``--url`` it starts ``manage.py serve --production`` itself on a free port on
127.0.0.1, afresh for each count, on PostgreSQL (database ``huying_bench_live``: created,
migrated, seeded with ``seed_demo --requests 0 --no-accounts``) with Redis
(``--redis-url``), ``HUYING_ALLOWED_HOSTS=127.0.0.1`` and the per-client rate limits off
(``HUYING_RATE_LIMIT_API=off``, ``HUYING_RATE_LIMIT_PUBLIC=off``); the server is stopped after
each count, on Ctrl-C and on failure. With ``--url`` it uses a running server, which must share
the database and the data directory (its secret key) given in this process's environment, as
the dispatcher, the session and the key are made there; its rate limits are the server's own.

It raises this process's open-file limit to what the streams need (the self-started server
inherits it). The HTTP is plain asyncio streams: no other client library. Prints one JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import os
import re
import resource
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import percentile, print_report, summarise_ms
from bench.client import (
    TRANSPORT_ERRORS,
    Connections,
    busy_percent,
    cpu_ticks,
    http_get,
    local_address,
    make_bodies,
    post_message,
    retry_after_seconds,
)
from bench.compare import (
    HOST,
    PG_SERVER,
    ROOT,
    Server,
    free_port,
    huying_version,
    load_average,
    paired_data_dir,
    parse_env,
    pg_version,
    pressure,
    shown,
    stopped_on_exit,
    wait_ready,
)

DATABASE = "huying_bench_live"
NUMBER = re.compile(rb'"number":\s*"([^"]+)"')
DISPATCHER = "bench-live-dispatcher"


# --- the stream's bytes: chunked transfer, then Server-Sent Events -----------------------------


class Dechunker:
    """Undo HTTP/1.1 chunked transfer coding incrementally; ``done`` after the last chunk."""

    def __init__(self) -> None:
        self.buffer = b""
        self.left = 0  # bytes of the current chunk still to come, then its CRLF
        self.done = False

    def feed(self, data: bytes) -> bytes:
        self.buffer += data
        out = []
        while not self.done:
            if self.left > 0:
                take = self.buffer[: self.left]
                out.append(take)
                self.buffer = self.buffer[len(take) :]
                self.left -= len(take)
                if self.left:
                    break
                self.left = -2  # the CRLF after the chunk
            if self.left == -2:
                if len(self.buffer) < 2:
                    break
                self.buffer = self.buffer[2:]
                self.left = 0
            line_end = self.buffer.find(b"\r\n")
            if line_end < 0:
                break
            size = int(self.buffer[:line_end].split(b";")[0].strip() or b"0", 16)
            self.buffer = self.buffer[line_end + 2 :]
            if size == 0:
                self.done = True
                break
            self.left = size
        return b"".join(out)


class SSEParser:
    """Server-Sent Events from a byte stream: the data of each ``event`` and the heartbeats."""

    def __init__(self) -> None:
        self.buffer = b""
        self.heartbeats = 0

    def feed(self, data: bytes) -> list[bytes]:
        """The ``data:`` payloads of the events completed by ``data`` (one per event)."""
        self.buffer += data.replace(b"\r\n", b"\n")
        *blocks, self.buffer = self.buffer.split(b"\n\n")
        found = []
        for block in blocks:
            payload = []
            for line in block.split(b"\n"):
                if line.startswith(b"data:"):
                    payload.append(line[5:].removeprefix(b" "))
                elif line.startswith(b":") and b"heartbeat" in line:
                    self.heartbeats += 1
            if payload:
                found.append(b"\n".join(payload))
        return found


def parse_head(head: bytes) -> tuple[int, dict[str, str]]:
    """Status and lower-cased headers of an HTTP response head."""
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip()
    return status, headers


# --- the streams --------------------------------------------------------------------------------


@dataclass
class Stream:
    index: int
    asked_at: float = 0.0
    opened_at: float | None = None
    closed_at: float | None = None
    failure: str | None = None
    status: int | None = None
    seen: dict[str, float] = field(default_factory=dict)
    messages: int = 0
    heartbeats: int = 0
    writer: asyncio.StreamWriter | None = None


async def hold_stream(
    stream: Stream, *, port: int, path: str, cookie: str, open_timeout: float, stop: asyncio.Event
) -> None:
    """Open one stream, then note the first arrival of every request number until ``stop``."""
    stream.asked_at = time.monotonic()
    try:
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(HOST, port, limit=1 << 20), open_timeout
        )
    except TRANSPORT_ERRORS as error:
        stream.failure = f"connect:{type(error).__name__}"
        return
    stream.writer = writer
    try:
        writer.write(
            f"GET {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\nCookie: {cookie}\r\n"
            "Accept: text/event-stream\r\nCache-Control: no-cache\r\n\r\n".encode()
        )
        await writer.drain()
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), open_timeout)
        stream.status, headers = parse_head(head)
        if stream.status != 200:
            stream.failure = f"status:{stream.status}"
            return
        stream.opened_at = time.monotonic()
        chunked = "chunked" in headers.get("transfer-encoding", "").lower()
        dechunk = Dechunker() if chunked else None
        parser = SSEParser()
        while not stop.is_set():
            data = await reader.read(65536)
            now = time.monotonic()
            if not data:
                break
            if dechunk is not None:
                data = dechunk.feed(data)
            for payload in parser.feed(data):
                stream.messages += 1
                found = NUMBER.search(payload)
                if found:
                    number = found.group(1).decode()
                    if number not in stream.seen:
                        stream.seen[number] = now
            if dechunk is not None and dechunk.done:
                break
        stream.heartbeats = parser.heartbeats
        if not stop.is_set():
            stream.closed_at = time.monotonic()  # the server ended it
    except TRANSPORT_ERRORS as error:
        if stream.opened_at is None:
            stream.failure = f"open:{type(error).__name__}"
        elif not stop.is_set():
            stream.closed_at = time.monotonic()
    except asyncio.CancelledError:
        pass
    finally:
        writer.close()


# --- intake and the staff page --------------------------------------------------------------------


@dataclass
class Create:
    number: str
    sent_at: float
    answered_at: float


@dataclass
class Intake:
    creates: list[Create] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)
    first_error: dict[str, str] = field(default_factory=dict)

    def record(self, status: str, body: bytes = b"") -> None:
        self.statuses[status] = self.statuses.get(status, 0) + 1
        if status != "201" and status not in self.first_error:
            self.first_error[status] = body[:200].decode(errors="replace")


async def intake_caller(
    intake: Intake,
    *,
    port: int,
    messages: Sequence[bytes],
    offset: int,
    deadline: float,
    timeout: float,
) -> None:
    connections = Connections(HOST, port)
    index = offset
    try:
        while time.monotonic() < deadline:
            message = messages[index % len(messages)]
            index += 1
            sent = time.monotonic()
            try:
                answer = await connections.exchange(message, min(timeout, deadline + 5 - sent))
            except TRANSPORT_ERRORS as error:
                intake.record(f"connection:{type(error).__name__}")
                continue
            answered = time.monotonic()
            intake.record(str(answer.status), answer.body)
            if answer.status == 201:
                intake.latencies.append(answered - sent)
                found = NUMBER.search(answer.body)
                if found:
                    intake.creates.append(Create(found.group(1).decode(), sent, answered))
            elif answer.status in (429, 503):
                await asyncio.sleep(retry_after_seconds(answer.retry_after))
    finally:
        connections.close()


async def staff_sampler(
    *, port: int, path: str, cookie: str, interval: float, deadline: float, timeout: float
) -> dict[str, Any]:
    """GET ``path`` as the signed-in user every ``interval`` s until ``deadline``."""
    latencies: list[float] = []
    statuses: dict[str, int] = {}
    while (now := time.monotonic()) < deadline:
        try:
            status, _body = await http_get(
                port, path, timeout=timeout, headers=f"Cookie: {cookie}\r\n"
            )
            key = str(status)
            if status == 200:
                latencies.append(time.monotonic() - now)
        except TRANSPORT_ERRORS as error:
            key = f"connection:{type(error).__name__}"
        statuses[key] = statuses.get(key, 0) + 1
        await asyncio.sleep(max(0.0, now + interval - time.monotonic()))
    return {"path": path, "ms": summarise_ms(latencies), "statuses": statuses}


async def loop_lag(stop: asyncio.Event, samples: list[float], every: float = 0.1) -> None:
    """How late this process's event loop wakes: a busy client shows here, not as server time."""
    while not stop.is_set():
        asked = time.monotonic()
        await asyncio.sleep(every)
        samples.append(max(0.0, time.monotonic() - asked - every))


# --- the figures --------------------------------------------------------------------------------


def delivery(streams: Sequence[Stream], creates: Sequence[Create], grace: float) -> dict[str, Any]:
    """Delay from each create to its first arrival on each stream open when it was sent.

    A pair counts when the stream had answered its head before the create was sent and was
    still open ``grace`` seconds after the 201 (or had carried the number anyway); it is a
    miss when the number never came.
    """
    from_sent: list[float] = []
    from_answer: list[float] = []
    missed = 0
    missing_streams: set[int] = set()
    creates_missed: set[str] = set()
    first_sent = min((c.sent_at for c in creates), default=0.0)
    for stream in streams:
        if stream.opened_at is None:
            continue
        for create in creates:
            if stream.opened_at > create.sent_at:
                continue
            arrived = stream.seen.get(create.number)
            if arrived is None:
                if stream.closed_at is not None and stream.closed_at < create.answered_at + grace:
                    continue
                missed += 1
                missing_streams.add(stream.index)
                creates_missed.add(create.number)
                continue
            from_sent.append(arrived - create.sent_at)
            from_answer.append(arrived - create.answered_at)
    return {
        "pairs": len(from_sent) + missed,
        "delivered": len(from_sent),
        "missed": missed,
        "streams_that_missed_a_create": len(missing_streams),
        "creates_missed_somewhere": len(creates_missed),
        # A few of them, with when each was sent (seconds into the intake): a pattern in time
        # (the first or last ones, one burst) points at the cause.
        "missed_examples": [
            {"number": c.number, "sent_after_seconds": round(c.sent_at - first_sent, 2)}
            for c in creates
            if c.number in creates_missed
        ][:10],
        "from_create_sent_ms": _percentiles(from_sent),
        "from_201_answer_ms": _percentiles(from_answer),
    }


def _percentiles(seconds: list[float]) -> dict[str, Any]:
    if not seconds:
        return {"n": 0}
    values = sorted(seconds)
    return {
        "n": len(values),
        "p50": round(percentile(values, 50) * 1000, 1),
        "p99": round(percentile(values, 99) * 1000, 1),
        "max": round(values[-1] * 1000, 1),
        "min": round(values[0] * 1000, 1),
    }


def stream_counts(streams: Sequence[Stream], ran_until: float) -> dict[str, Any]:
    failures: dict[str, int] = {}
    for stream in streams:
        if stream.failure:
            failures[stream.failure] = failures.get(stream.failure, 0) + 1
    opened = [s for s in streams if s.opened_at is not None]
    open_ms = [s.opened_at - s.asked_at for s in opened if s.opened_at is not None]
    return {
        "asked": len(streams),
        "opened": len(opened),
        "held": sum(1 for s in opened if s.closed_at is None or s.closed_at >= ran_until),
        "ended_by_server": sum(1 for s in opened if s.closed_at is not None),
        "failed": sum(failures.values()),
        "failures": dict(sorted(failures.items())),
        "time_to_open_ms": summarise_ms(open_ms),
        "messages_received": sum(s.messages for s in streams),
        "heartbeats_received": sum(s.heartbeats for s in streams),
    }


# --- one run --------------------------------------------------------------------------------------


async def measure(
    args: argparse.Namespace, *, port: int, count: int, cookie: str, api_key: str
) -> dict[str, Any]:
    stop = asyncio.Event()
    lag: list[float] = []
    lag_task = asyncio.create_task(loop_lag(stop, lag))
    streams = [Stream(index) for index in range(count)]
    tasks = []
    load_before = load_average()
    pressure_before = pressure()
    cpu, machine = os.times(), cpu_ticks()
    opening_started = time.monotonic()
    print(f"bench.live: opening {count} streams…", file=sys.stderr)
    for stream in streams:
        tasks.append(
            asyncio.create_task(
                hold_stream(
                    stream,
                    port=port,
                    path=args.path,
                    cookie=cookie,
                    open_timeout=args.open_timeout,
                    stop=stop,
                )
            )
        )
        await asyncio.sleep(1 / args.open_rate)
    # Until every stream has its head, has failed, or the open timeout has passed for the last.
    settle_by = time.monotonic() + args.open_timeout + 1
    while time.monotonic() < settle_by and any(
        s.opened_at is None and s.failure is None for s in streams
    ):
        await asyncio.sleep(0.2)
    opening_seconds = time.monotonic() - opening_started
    open_at_start = sum(1 for s in streams if s.opened_at is not None and s.closed_at is None)

    print(f"bench.live: {open_at_start} open; intake for {args.seconds:.0f} s…", file=sys.stderr)
    bodies = make_bodies(args.bodies, args.seed + count)
    messages = [post_message(host=HOST, port=port, api_key=api_key, body=b) for b in bodies]
    intake = Intake()
    started = time.monotonic()
    deadline = started + args.seconds
    staff, *_ = await asyncio.gather(
        staff_sampler(
            port=port,
            path=args.staff_path,
            cookie=cookie,
            interval=args.staff_interval,
            deadline=deadline,
            timeout=args.request_timeout,
        ),
        *(
            intake_caller(
                intake,
                port=port,
                messages=messages,
                offset=i * 7919,
                deadline=deadline,
                timeout=args.request_timeout,
            )
            for i in range(args.intake_concurrency)
        ),
    )
    intake_seconds = time.monotonic() - started
    await asyncio.sleep(args.grace)
    ran_until = time.monotonic()
    stop.set()
    for stream in streams:
        if stream.writer is not None:
            stream.writer.close()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    await lag_task
    after = os.times()
    created = intake.statuses.get("201", 0)
    return {
        "streams_asked": count,
        "opening_seconds": round(opening_seconds, 1),
        "streams_open_when_intake_started": open_at_start,
        "streams": stream_counts(streams, ran_until),
        "intake": {
            "concurrency": args.intake_concurrency,
            "seconds": round(intake_seconds, 2),
            "created": created,
            "creates_per_second": round(created / intake_seconds, 1) if intake_seconds else 0.0,
            "latency_ms": summarise_ms(intake.latencies),
            "errors": {k: n for k, n in sorted(intake.statuses.items()) if k != "201"},
            "first_error": intake.first_error,
        },
        "staff_page": staff,
        "delivery": delivery(streams, intake.creates, args.grace),
        "client": {
            "cpu_seconds": round((after.user - cpu.user) + (after.system - cpu.system), 2),
            "event_loop_lag_ms": summarise_ms(lag),
        },
        "machine_cpu_busy_percent": busy_percent(machine, cpu_ticks()),
        "load_average_before": load_before,
        "load_average_after": load_average(),
        "pressure_some_avg10_before": pressure_before,
        "pressure_some_avg10_after": pressure(),
    }


# --- set-up -------------------------------------------------------------------------------------


def prepare(*, migrate: bool) -> dict[str, str]:
    """Dispatcher, session cookie and API key in the configured database (migrated if asked).

    Django is set up here on ``HUYING_DATABASE_URL`` and ``HUYING_DATA_DIR``; the server must
    use the same (the session's hash is keyed by the secret key kept in the data directory).
    """
    from bench import setup_django

    setup_django()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connections
    from django.test import Client

    from accounts.models import ApiKey, Role, User
    from core.models import Channel

    if migrate:
        call_command("migrate", verbosity=0, interactive=False)
        call_command("seed_demo", "--requests", "0", "--no-accounts", verbosity=0)
    user = User.objects.filter(username=DISPATCHER).first()
    if user is None:
        user = User.objects.create_user(DISPATCHER, role=Role.DISPATCHER)
    client = Client(HTTP_HOST=HOST)
    client.force_login(user)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    _key, secret = ApiKey.issue(name=f"bench-live-{uuid.uuid4().hex[:8]}", channel=Channel.API)
    connections.close_all()
    return {
        "cookie": f"{settings.SESSION_COOKIE_NAME}={session}",
        "api_key": secret,
    }


def raise_file_limit(needed: int) -> dict[str, Any]:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
    if soft != resource.RLIM_INFINITY and soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    return {"soft": soft, "hard": hard, "needed": needed, "enough": soft >= needed}


def run(args: argparse.Namespace) -> dict[str, Any]:
    counts = [int(c) for c in args.streams.split(",") if c.strip()]
    report: dict[str, Any] = {
        "benchmark": "live",
        "started_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {"cores": os.cpu_count(), "load_average_at_start": load_average()},
        "version": huying_version(),
        "settings": {
            "path": args.path,
            "staff_path": args.staff_path,
            "staff_interval_seconds": args.staff_interval,
            "seconds": args.seconds,
            "grace_seconds": args.grace,
            "open_rate_per_second": args.open_rate,
            "open_timeout_seconds": args.open_timeout,
            "intake_concurrency": args.intake_concurrency,
        },
        "open_files": raise_file_limit(max(counts) + 1024),
    }
    work_dir = Path(args.work_dir)
    work_dir.mkdir(parents=True, exist_ok=True)
    self_started = not args.url
    if self_started:
        conninfo = f"{args.pg_server}/{args.database}"
        data_dir = paired_data_dir(work_dir, conninfo)
        os.environ["HUYING_DATABASE_URL"] = conninfo
        os.environ["HUYING_DATA_DIR"] = str(data_dir)
    elif "HUYING_DATABASE_URL" not in os.environ:
        raise SystemExit("--url needs the server's HUYING_DATABASE_URL and HUYING_DATA_DIR here")
    print("bench.live: preparing the database…", file=sys.stderr)
    made = prepare(migrate=self_started)
    report["database"] = {"postgresql": pg_version(os.environ["HUYING_DATABASE_URL"])}
    runs = []
    if not self_started:
        _host, port = local_address(args.url)
        report["server"] = {"url": args.url, "started_by_benchmark": False}
        for index, count in enumerate(counts):
            if index:
                time.sleep(args.settle)
            runs.append(asyncio.run(_measured(args, port, count, made)))
        report["runs"] = runs
        report["machine"]["load_average_at_end"] = load_average()
        return report

    env = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
    env.update(
        HUYING_ALLOWED_HOSTS=HOST,
        HUYING_RATE_LIMIT_API="off",
        HUYING_RATE_LIMIT_PUBLIC="off",
        DJANGO_SETTINGS_MODULE="huying.settings",
    )
    if args.redis_url:
        env["HUYING_REDIS_URL"] = args.redis_url
    else:
        env.pop("HUYING_REDIS_URL", None)
    env.update(parse_env(args.server_env))
    report["server"] = {
        "started_by_benchmark": True,
        "env": {
            name: env.get(name, "unset (default)")
            for name in (
                "HUYING_RATE_LIMIT_API",
                "HUYING_RATE_LIMIT_PUBLIC",
                "HUYING_WAIT_BUDGET_MS",
                "HUYING_ALLOWED_HOSTS",
            )
        }
        | {"HUYING_REDIS_URL": "set" if env.get("HUYING_REDIS_URL") else "unset"},
    }
    budget = args.open_timeout + max(counts) / args.open_rate + args.seconds + args.grace + 300
    for count in counts:
        port = free_port()
        command = [sys.executable, "manage.py", "serve", "--production", "--bind"]
        command += [f"{HOST}:{port}"]
        if args.workers:
            command += ["--workers", str(args.workers)]
        server = Server("huying", command, port, work_dir / f"live-server-{count}.log")
        with stopped_on_exit([server]):
            server.start(env=env, cwd=ROOT, budget=budget)
            result = asyncio.run(_measured(args, port, count, made, server=server))
        result["server_command"] = shown(command)
        result["server_exit_code"] = server.exit_code
        runs.append(result)
    report["runs"] = runs
    report["machine"]["load_average_at_end"] = load_average()
    report["finished_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    return report


async def _measured(
    args: argparse.Namespace,
    port: int,
    count: int,
    made: dict[str, str],
    server: Server | None = None,
) -> dict[str, Any]:
    if server is not None:
        ready = await wait_ready(server, "/healthz", 120)
        await asyncio.sleep(args.settle)
    gc.collect()
    result = await measure(
        args, port=port, count=count, cookie=made["cookie"], api_key=made["api_key"]
    )
    if server is not None:
        result["server_ready_after_seconds"] = ready
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.live",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--streams", default="1000,2000", help="stream counts, one run each (default 1000,2000)"
    )
    parser.add_argument("--path", default="/board/events/", help="the SSE stream's path")
    parser.add_argument(
        "--url", default="", help="a running server on 127.0.0.1 (default: start one per run)"
    )
    parser.add_argument("--seconds", type=float, default=30.0, help="intake time (default 30)")
    parser.add_argument(
        "--grace", type=float, default=5.0, help="listening after intake stops (default 5)"
    )
    parser.add_argument("--intake-concurrency", type=int, default=8)
    parser.add_argument("--staff-path", default="/console/requests/")
    parser.add_argument("--staff-interval", type=float, default=0.5)
    parser.add_argument("--open-rate", type=float, default=200.0, help="streams opened per second")
    parser.add_argument(
        "--open-timeout", type=float, default=15.0, help="seconds a stream may take to answer"
    )
    parser.add_argument("--request-timeout", type=float, default=15.0)
    parser.add_argument(
        "--settle", type=float, default=3.0, help="quiet seconds before each run (default 3)"
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=0,
        help="server processes (default: serve's production default)",
    )
    parser.add_argument("--pg-server", default=PG_SERVER)
    parser.add_argument("--database", default=DATABASE)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument(
        "--server-env", action="append", default=[], metavar="KEY=VALUE", help="more server env"
    )
    parser.add_argument(
        "--work-dir",
        default=str(Path(tempfile.gettempdir()) / "huying-bench-live"),
        help="server logs and its data directory",
    )
    parser.add_argument("--bodies", type=int, default=500)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--output", default="", help="also write the JSON here")
    args = parser.parse_args()
    if not args.database.startswith("huying_bench"):
        parser.error("--database must start with huying_bench")
    if args.url:
        try:
            local_address(args.url)
        except ValueError as error:
            parser.error(f"--url: {error}")
    if args.open_rate <= 0 or args.seconds <= 0 or args.intake_concurrency < 0:
        parser.error("--open-rate and --seconds must be positive")
    try:
        counts = [int(c) for c in args.streams.split(",") if c.strip()]
        parse_env(args.server_env)
    except ValueError as error:
        parser.error(str(error))
    if not counts or min(counts) < 1 or max(counts) > 20000:
        parser.error("--streams: counts between 1 and 20000")
    try:
        report = run(args)
    except KeyboardInterrupt:
        print("bench.live: interrupted; server stopped", file=sys.stderr)
        sys.exit(130)
    print_report(report, args.output)


if __name__ == "__main__":
    with contextlib.suppress(BrokenPipeError):
        main()
