"""Intake under a surge, in one run: the PostgreSQL ceiling, creates/s, a 4× surge, nothing lost.

    python -m bench.surge                    # full run: 30 s phases, a 300 s surge (about 10 min)
    python -m bench.surge --quick            # 5 s phases and a 20 s surge, to try it
    python -m bench.surge --env HUYING_RATE_LIMIT_API=off --env HUYING_WAIT_BUDGET_MS=2000

It creates (or reuses) the PostgreSQL database ``huying_bench_surge`` on 127.0.0.1, migrates
it, makes the demo organisation and 50 integration keys, then, in this order:

1. the raw PostgreSQL ceiling: single-row INSERTs, one per transaction (autocommit), into a
   scratch copy of ``core_helprequest`` (same columns, indexes and checks), at each
   concurrency, with one connection per concurrent writer;
2. starts the production server itself (``manage.py serve --production`` when that exists,
   else gunicorn plus ``manage.py db_worker``) on 127.0.0.1 and measures intake through the
   API, closed loop, at each concurrency: creates/s, p50/p99, errors by status, and the
   ratio to the raw ceiling;
3. a surge: an open-loop Poisson arrival process at 4× the best creates/s of step 2 for
   ``--surge-seconds``, spread over the 50 keys, every call with its own Idempotency-Key;
   calls are sent on schedule whether or not earlier ones have finished (at most
   ``--max-outstanding`` at once; an arrival beyond that is counted as ``client_overflow``);
4. retries, gently, every call that did not get 201 with its same key and body, and checks
   in the database that every key was filed exactly once;
5. reads the memory of each server process from /proc, right after the surge.

It stops the server, drops the database (unless ``--keep-db``) and prints one JSON document.
It only ever connects to 127.0.0.1 and refuses a database whose name does not start with
``huying_bench``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from random import Random
from typing import Any
from urllib.parse import urlsplit

from bench import print_report, summarise_ms
from bench.client import (
    TRANSPORT_ERRORS,
    ClosedLoop,
    Connections,
    busy_percent,
    closed_loop_worker,
    cpu_ticks,
    http_get,
    make_bodies,
    post_message,
    retry_after_seconds,
)

ROOT = Path(__file__).resolve().parent.parent
RAW_TABLE = "bench_raw_request"
HOST = "127.0.0.1"
NUMBER = re.compile(rb'"number":\s*"([^"]+)"')
#: Connections left to everyone else when the raw phase works out how many it may open.
PG_HEADROOM = 10
#: Server settings worth recording with the figures (the server reads them from its environment).
REPORTED_ENV = (
    "HUYING_RATE_LIMIT_API",
    "HUYING_WAIT_BUDGET_MS",
    "HUYING_ACCESS_LOG",
    "HUYING_LOG_FORMAT",
    "HUYING_DB_CONN_MAX_AGE",
    "HUYING_ALLOWED_HOSTS",
)
#: Reported only as set or unset: a URL may carry a password.
REPORTED_PRESENCE = ("HUYING_REDIS_URL",)
#: What ``manage.py serve --production`` uses unless told otherwise: threads per worker, and
#: workers two per core and one, at most 12.
PRODUCTION_THREADS = 4
MAX_WORKERS = 12


def _cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system


# --- the database -----------------------------------------------------------------------------


def _prepare_database(server: str, name: str, keys: int) -> list[str]:
    """Create/migrate/seed ``name``; mint and return ``keys`` integration keys (secrets)."""
    from bench import ensure_database, setup_django

    url = f"{server}/{name}"
    ensure_database(url)
    os.environ["HUYING_DATABASE_URL"] = url
    setup_django()
    from django.core.management import call_command
    from django.db import connections

    from accounts.models import ApiKey
    from core.models import Channel

    call_command("migrate", verbosity=0, interactive=False)
    call_command("seed_demo", "--requests", "0", "--no-accounts", verbosity=0)
    run = uuid.uuid4().hex[:6]
    secrets = [
        ApiKey.issue(name=f"bench-surge-{run}-{index:02d}", channel=Channel.API)[1]
        for index in range(keys)
    ]
    connections.close_all()
    return secrets


def _pg_facts(conninfo: str) -> dict[str, Any]:
    import psycopg

    with psycopg.connect(conninfo, autocommit=True) as conn:
        facts: dict[str, Any] = {
            "version": conn.execute("SHOW server_version").fetchone()[0],  # type: ignore[index]
        }
        for setting in (
            "max_connections",
            "superuser_reserved_connections",
            "shared_buffers",
            "synchronous_commit",
            "fsync",
            "wal_level",
            "work_mem",
        ):
            facts[setting] = conn.execute(f"SHOW {setting}").fetchone()[0]  # type: ignore[index]
    return facts


def _count_rows(conninfo: str) -> int:
    import psycopg

    with psycopg.connect(conninfo, autocommit=True) as conn:
        return int(conn.execute("SELECT count(*) FROM core_helprequest").fetchone()[0])  # type: ignore[index]


def _drop_database(server: str, name: str) -> None:
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --- 1. the raw PostgreSQL ceiling ------------------------------------------------------------

#: Written out rather than built from RAW_TABLE, so that no query is assembled from strings.
_RAW_INSERT = (
    "INSERT INTO bench_raw_request (number, channel, urgency, priority, status, summary, description,"
    " address, external_ref, received_at, dispatch_due_at, accept_due_at, resolve_due_at,"
    " due_at, answer, answer_method, satisfaction, reopen_count, return_count, updated_at,"
    " category_id, division_id, requester_id, lead_source)"
    " VALUES (%s, 'api', %s, %s, 'received', %s, %s, %s, '', now(), now() + interval '15 min',"
    " now() + interval '1 hour', now() + interval '1 day', now() + interval '15 min', '', '',"
    " '', 0, 0, now(), %s, %s, 1, '')"
)


def _raw_rows(bodies: Sequence[bytes]) -> list[tuple[str, int, str, str, str, str, str]]:
    """The columns of each body as the raw INSERT takes them, decoded once before the clock."""
    priority = {"critical": 0, "urgent": 1, "normal": 2}
    rows = []
    for body in bodies:
        data = json.loads(body)
        rows.append(
            (
                data["urgency"],
                priority[data["urgency"]],
                data["summary"],
                data["description"],
                data["address"],
                data["category"],
                data["division"],
            )
        )
    return rows


def _raw_connections_available(conninfo: str) -> int:
    import psycopg

    with psycopg.connect(conninfo, autocommit=True) as conn:
        row = conn.execute(
            "SELECT current_setting('max_connections')::int"
            " - current_setting('superuser_reserved_connections')::int"
            " - (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend')"
        ).fetchone()
    return int(row[0]) - PG_HEADROOM  # type: ignore[index]


async def _raw_phase(
    conninfo: str,
    *,
    connections: int,
    warmup: float,
    seconds: float,
    rows: Sequence[tuple[str, int, str, str, str, str, str]],
) -> dict[str, Any]:
    """Inserts/s with ``connections`` writers, each committing one row at a time."""
    import psycopg

    with psycopg.connect(conninfo, autocommit=True) as admin:
        admin.execute(
            f"CREATE TABLE IF NOT EXISTS {RAW_TABLE} (LIKE core_helprequest INCLUDING ALL)"
        )
        admin.execute(f"TRUNCATE {RAW_TABLE}")
    conns = [
        await psycopg.AsyncConnection.connect(conninfo, autocommit=True) for _ in range(connections)
    ]
    latencies: list[float] = []
    errors: dict[str, int] = {}
    counted = 0
    loop = asyncio.get_running_loop()
    measure_from = loop.time() + warmup
    deadline = measure_from + seconds

    async def writer(conn: psycopg.AsyncConnection[Any], worker: int) -> None:
        nonlocal counted
        index = 0
        while (started := loop.time()) < deadline:
            row = rows[(worker * 7919 + index) % len(rows)]
            try:
                await conn.execute(_RAW_INSERT, (f"{worker:03d}-{index}", *row), prepare=True)
            except psycopg.Error as error:
                errors[type(error).__name__] = errors.get(type(error).__name__, 0) + 1
                continue
            finally:
                index += 1
            if started >= measure_from:
                counted += 1
                latencies.append(loop.time() - started)

    cpu_before, machine_before = _cpu_seconds(), cpu_ticks()
    try:
        await asyncio.gather(*(writer(conn, i) for i, conn in enumerate(conns)))
    finally:
        for conn in conns:
            await conn.close()
    return {
        "connections": connections,
        "inserts": counted,
        "seconds": seconds,
        "inserts_per_second": round(counted / seconds, 1),
        "latency_ms": summarise_ms(latencies),
        "errors": errors,
        "client_cpu_seconds": round(_cpu_seconds() - cpu_before, 2),
        "machine_cpu_busy_percent": busy_percent(machine_before, cpu_ticks()),
    }


# --- the server -------------------------------------------------------------------------------


@dataclass
class Server:
    """The server's processes (each leads its own process group) and how it was started."""

    mode: str
    commands: list[list[str]]
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def stop(self) -> list[int]:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        codes = []
        for process in self.processes:
            try:
                codes.append(process.wait(timeout=20))
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                codes.append(process.wait())
        return codes


def _shown(command: Sequence[str]) -> str:
    """A command line as the report shows it: the interpreter by its name, not its path."""
    return " ".join(
        Path(part).name if part == sys.executable or index == 0 else part
        for index, part in enumerate(command)
    )


def _serve_help(env: dict[str, str]) -> str:
    """``manage.py serve --help``, to learn whether this checkout has ``--production``."""
    try:
        done = subprocess.run(
            [sys.executable, "manage.py", "serve", "--help"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return ""
    return done.stdout


def _server_commands(
    args: argparse.Namespace, env: dict[str, str], port: int
) -> tuple[str, list[list[str]]]:
    python = sys.executable
    bind = f"{HOST}:{port}"
    mode = args.server
    if mode in ("auto", "production"):
        usage = _serve_help(env)
        if "--production" in usage:
            command = [
                python,
                "manage.py",
                "serve",
                "--production",
                "--bind",
                bind,
                "--workers",
                str(args.workers),
                "--threads",
                str(args.threads),
            ]
            if "--task-workers" in usage:
                command += ["--task-workers", "1"]
            return "serve --production", [command]
        if mode == "production":
            raise SystemExit("manage.py serve has no --production in this checkout")
    # What bench/serve_for_bench.sh runs, plus the task worker the production start would add.
    # No access log: a line per request would cost the CPU being measured.
    web = [
        python,
        "-m",
        "gunicorn",
        "huying.wsgi",
        "--bind",
        bind,
        "--workers",
        str(args.workers),
        "--threads",
        str(args.threads),
        "--log-level",
        "warning",
    ]
    worker = [python, "manage.py", "db_worker", "--no-reload", "--interval", "0.5"]
    return "gunicorn + db_worker", [web, worker]


def _start_server(
    args: argparse.Namespace, env: dict[str, str], port: int, budget: float, log: Path
) -> Server:
    mode, commands = _server_commands(args, env, port)
    # A safety net: should this script die without stopping them, they stop by themselves.
    limit = ["timeout", str(int(budget))] if shutil.which("timeout") else []
    server = Server(mode=mode, commands=commands)
    with log.open("ab") as out:
        for command in commands:
            server.processes.append(
                subprocess.Popen(  # noqa: S603 - our own interpreter
                    limit + command,
                    cwd=ROOT,
                    env=env,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
    return server


async def _wait_ready(server: Server, port: int, limit: float) -> float:
    """Seconds until the server answers at all (any status: /healthz may not exist yet)."""
    started = time.monotonic()
    while time.monotonic() - started < limit:
        if any(process.poll() is not None for process in server.processes):
            raise SystemExit("the server stopped while starting; see its log")
        try:
            await http_get(port, "/healthz", timeout=2)
            return round(time.monotonic() - started, 1)
        except TRANSPORT_ERRORS:
            await asyncio.sleep(0.5)
    raise SystemExit(f"the server did not answer within {limit:.0f} s")


async def _probe(port: int) -> dict[str, Any]:
    """Status of the operational endpoints, which this checkout may or may not have yet."""
    found: dict[str, Any] = {}
    for path in ("/healthz", "/readyz", "/metrics"):
        try:
            found[path] = (await http_get(port, path))[0]
        except TRANSPORT_ERRORS as error:
            found[path] = type(error).__name__
    return found


async def _metrics(port: int) -> list[str]:
    """The server's own ``huying_*`` samples from /metrics, when it has that endpoint."""
    try:
        status, body = await http_get(port, "/metrics", timeout=10)
    except TRANSPORT_ERRORS:
        return []
    if status != 200:
        return []
    lines = [
        line for line in body.decode(errors="replace").splitlines() if line.startswith("huying")
    ]
    return lines[:200]


# --- 5. memory --------------------------------------------------------------------------------


def _proc_tree() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name may hold spaces and parentheses; the ppid follows the last ")".
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    return children


def _cmdline(pid: int) -> str:
    try:
        return (
            Path(f"/proc/{pid}/cmdline")
            .read_bytes()
            .replace(b"\0", b" ")
            .decode(errors="replace")
            .strip()
        )
    except OSError:
        return ""


def _memory_of(pid: int) -> dict[str, float | None]:
    rss = pss = None
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                rss = round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                pss = round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return {"rss_mib": rss, "pss_mib": pss}


def _server_memory(server: Server) -> dict[str, Any]:
    """RSS (and PSS where readable) of every process under the server, by role."""
    tree = _proc_tree()
    found: list[dict[str, Any]] = []

    def walk(pid: int, parent_cmd: str) -> None:
        command = _cmdline(pid)
        if command.startswith("timeout "):
            role = ""  # the safety net around the server, not part of it
        elif "manage.py serve" in command:
            role = "serve (starts the others)"
        elif "db_worker" in command:
            role = "task worker"
        elif "gunicorn" in command:
            role = "gunicorn worker" if "gunicorn" in parent_cmd else "gunicorn master"
        else:
            role = "other"
        if role:
            found.append(
                {
                    "pid": pid,
                    "role": role,
                    **_memory_of(pid),
                    "command": _shown(command.split(" "))[:120],
                }
            )
        for child in tree.get(pid, []):
            walk(child, command if role else parent_cmd)

    for process in server.processes:
        walk(process.pid, "")
    workers = [p["rss_mib"] for p in found if p["role"] == "gunicorn worker" and p["rss_mib"]]
    pss = [p["pss_mib"] for p in found if p["role"] == "gunicorn worker" and p["pss_mib"]]
    return {
        "processes": found,
        "gunicorn_workers": len(workers),
        "worker_rss_mib_mean": round(sum(workers) / len(workers), 1) if workers else None,
        "worker_rss_mib_max": max(workers) if workers else None,
        "worker_pss_mib_mean": round(sum(pss) / len(pss), 1) if pss else None,
        "total_rss_mib": round(sum(p["rss_mib"] or 0 for p in found), 1),
        "total_pss_mib": round(sum(p["pss_mib"] or 0 for p in found), 1) if pss else None,
    }


# --- 2. intake, closed loop -------------------------------------------------------------------


async def _closed_phase(
    *,
    port: int,
    keys: Sequence[str],
    bodies: Sequence[bytes],
    concurrency: int,
    seconds: float,
    prefix: str,
    timeout: float,
) -> dict[str, Any]:
    run = ClosedLoop(remaining=10**9, deadline=time.monotonic() + seconds)
    cpu_before, machine_before = _cpu_seconds(), cpu_ticks()
    started = time.perf_counter()
    await asyncio.gather(
        *(
            closed_loop_worker(
                run,
                host=HOST,
                port=port,
                keys=keys,
                bodies=bodies,
                offset=i * 7919,
                idempotency_prefix=prefix,
                timeout=timeout,
            )
            for i in range(concurrency)
        )
    )
    elapsed = time.perf_counter() - started
    created = run.statuses.get("201", 0)
    return {
        "concurrency": concurrency,
        "requests": sum(run.statuses.values()),
        "created": created,
        "seconds": round(elapsed, 2),
        "creates_per_second": round(created / elapsed, 1) if elapsed else 0.0,
        "latency_ms": summarise_ms(run.latencies),
        "errors": {status: n for status, n in sorted(run.statuses.items()) if status != "201"},
        "first_error": run.first_error,
        "client_cpu_seconds": round(_cpu_seconds() - cpu_before, 2),
        "machine_cpu_busy_percent": busy_percent(machine_before, cpu_ticks()),
    }


# --- 3. the surge -----------------------------------------------------------------------------


@dataclass
class Bucket:
    """What happened to the arrivals scheduled in one slice of the surge."""

    arrivals: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    created_ms: list[float] = field(default_factory=list)
    answered_ms: list[float] = field(default_factory=list)

    def count(self, outcome: str) -> None:
        self.statuses[outcome] = self.statuses.get(outcome, 0) + 1


def _outcome_totals(statuses: dict[str, int]) -> dict[str, int]:
    """The headline counts out of raw outcomes ("201", "429", "timeout", "connection:…")."""
    sent = sum(n for outcome, n in statuses.items() if outcome != "client_overflow")
    other_http = sum(
        n
        for outcome, n in statuses.items()
        if outcome.isdigit() and outcome not in ("201", "429", "503")
    )
    return {
        "sent": sent,
        "created_201": statuses.get("201", 0),
        "rate_limited_429": statuses.get("429", 0),
        "shed_503": statuses.get("503", 0),
        "other_http_errors": other_http,
        "timeouts": statuses.get("timeout", 0),
        "connection_errors": sum(
            n for outcome, n in statuses.items() if outcome.startswith("connection:")
        ),
        "client_overflow": statuses.get("client_overflow", 0),
    }


@dataclass
class SurgeRun:
    """Everything the surge learns, per arrival and per bucket."""

    bucket_seconds: float
    buckets: list[Bucket] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)
    numbers: dict[int, bytes] = field(default_factory=dict)
    not_created: dict[int, str] = field(default_factory=dict)
    created_ms: list[float] = field(default_factory=list)
    answered_ms: list[float] = field(default_factory=list)
    first_error: dict[str, str] = field(default_factory=dict)
    refusals_without_retry_after: int = 0
    outstanding: int = 0
    max_outstanding_seen: int = 0
    max_lag: float = 0.0
    drain_seconds: float = 0.0
    connections_opened: int = 0
    resent_on_stale_connection: int = 0

    def bucket(self, offset: float) -> Bucket:
        index = int(offset / self.bucket_seconds)
        while len(self.buckets) <= index:
            self.buckets.append(Bucket())
        return self.buckets[index]

    def record(self, arrival: int, bucket: Bucket, outcome: str) -> None:
        self.statuses[outcome] = self.statuses.get(outcome, 0) + 1
        bucket.count(outcome)
        if outcome != "201":
            self.not_created[arrival] = outcome


async def _surge(
    *,
    port: int,
    keys: Sequence[str],
    bodies: Sequence[bytes],
    rate: float,
    seconds: float,
    max_outstanding: int,
    timeout: float,
    prefix: str,
    seed: int,
    bucket_seconds: float,
) -> tuple[SurgeRun, int, float]:
    """Send arrivals on a Poisson schedule at ``rate``/s for ``seconds``.

    Returns the run, the number of arrivals and the seconds the schedule lasted; the wait
    for the last answers after it is ``run.drain_seconds``.
    """
    run = SurgeRun(bucket_seconds=bucket_seconds)
    connections = Connections(HOST, port)
    loop = asyncio.get_running_loop()
    rng = Random(seed)
    tasks: set[asyncio.Task[None]] = set()

    async def one(arrival: int, due: float, bucket: Bucket) -> None:
        message = post_message(
            host=HOST,
            port=port,
            api_key=keys[arrival % len(keys)],
            body=bodies[arrival % len(bodies)],
            idempotency_key=f"{prefix}{arrival}",
        )
        try:
            answer = await connections.exchange(message, timeout)
        except TimeoutError:
            run.record(arrival, bucket, "timeout")
            return
        except TRANSPORT_ERRORS as error:
            run.record(arrival, bucket, f"connection:{type(error).__name__}")
            return
        finally:
            run.outstanding -= 1
        # From the scheduled moment, not from the send: a late send is the client's delay
        # and must not hide the server's (coordinated omission).
        waited = (loop.time() - due) * 1000
        status = str(answer.status)
        run.record(arrival, bucket, status)
        run.answered_ms.append(waited)
        bucket.answered_ms.append(waited)
        if answer.status == 201:
            run.created_ms.append(waited)
            bucket.created_ms.append(waited)
            found = NUMBER.search(answer.body)
            run.numbers[arrival] = found.group(1) if found else b""
        else:
            if answer.status in (429, 503) and answer.retry_after is None:
                run.refusals_without_retry_after += 1
            run.first_error.setdefault(status, answer.body[:300].decode(errors="replace"))

    start = loop.time() + 0.1
    end = start + seconds
    due = start
    arrival = 0
    while True:
        due += rng.expovariate(rate)
        if due >= end:
            break
        delay = due - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        run.max_lag = max(run.max_lag, loop.time() - due)
        bucket = run.bucket(due - start)
        bucket.arrivals += 1
        if run.outstanding >= max_outstanding:
            run.record(arrival, bucket, "client_overflow")
        else:
            run.outstanding += 1
            run.max_outstanding_seen = max(run.max_outstanding_seen, run.outstanding)
            task = loop.create_task(one(arrival, due, bucket))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        arrival += 1
    scheduled = loop.time() - start
    if tasks:
        await asyncio.gather(*tasks)
    connections.close()
    run.connections_opened = connections.opened
    run.resent_on_stale_connection = connections.resent
    run.drain_seconds = loop.time() - start - scheduled
    return run, arrival, scheduled


def _surge_report(run: SurgeRun, arrivals: int, seconds: float, rate: float) -> dict[str, Any]:
    buckets = []
    for index, bucket in enumerate(run.buckets):
        buckets.append(
            {
                "from_s": round(index * run.bucket_seconds),
                "arrivals": bucket.arrivals,
                **_outcome_totals(bucket.statuses),
                "created_p50_ms": _pct(bucket.created_ms, 50),
                "created_p99_ms": _pct(bucket.created_ms, 99),
                "answered_p50_ms": _pct(bucket.answered_ms, 50),
                "answered_p99_ms": _pct(bucket.answered_ms, 99),
            }
        )
    return {
        "target_rate_per_second": round(rate, 1),
        "arrivals": arrivals,
        "arrival_rate_per_second": round(arrivals / seconds, 1) if seconds else 0.0,
        "seconds": round(seconds, 1),
        # After the last arrival, until the last call in flight was answered or timed out.
        "drain_seconds": round(run.drain_seconds, 1),
        **_outcome_totals(run.statuses),
        "created_per_second": round(run.statuses.get("201", 0) / (seconds + run.drain_seconds), 1)
        if seconds
        else 0.0,
        "by_outcome": dict(sorted(run.statuses.items())),
        # Latency from the scheduled arrival to the answer, in ms.
        "created_latency_ms": summarise_ms([ms / 1000 for ms in run.created_ms]),
        "answered_latency_ms": summarise_ms([ms / 1000 for ms in run.answered_ms]),
        "refusals_without_retry_after": run.refusals_without_retry_after,
        "first_error": run.first_error,
        "max_outstanding_seen": run.max_outstanding_seen,
        "client_max_lag_ms": round(run.max_lag * 1000, 1),
        "connections_opened": run.connections_opened,
        "resent_on_stale_connection": run.resent_on_stale_connection,
        "buckets": buckets,
    }


def _pct(values: list[float], pct: int) -> float | None:
    if not values:
        return None
    from bench import percentile

    return round(percentile(sorted(values), pct), 1)


# --- 4. retries and the count -----------------------------------------------------------------


async def _retry(
    *,
    port: int,
    keys: Sequence[str],
    bodies: Sequence[bytes],
    prefix: str,
    first: dict[int, str],
    concurrency: int,
    timeout: float,
    stall: float,
) -> tuple[dict[str, Any], dict[int, bytes]]:
    """Send each of ``first`` again, same key and body, until each is filed.

    After a long surge there may be many, so there is no fixed time limit: it gives up only
    when nothing at all has been filed for ``stall`` seconds (a server that stopped working).
    """
    pending = sorted(first)
    results: dict[int, str] = {}
    numbers: dict[int, bytes] = {}
    attempts = 0
    transport_errors = 0
    last_filed = time.monotonic()

    def going() -> bool:
        return time.monotonic() - last_filed < stall

    async def worker() -> None:
        nonlocal attempts, transport_errors, last_filed
        connections = Connections(HOST, port)
        while pending and going():
            arrival = pending.pop()
            message = post_message(
                host=HOST,
                port=port,
                api_key=keys[arrival % len(keys)],
                body=bodies[arrival % len(bodies)],
                idempotency_key=f"{prefix}{arrival}",
            )
            outcome = "gave up"
            while going():
                attempts += 1
                try:
                    answer = await connections.exchange(message, timeout)
                except TRANSPORT_ERRORS:
                    # Perhaps filed all the same: the next attempt would then answer 200.
                    transport_errors += 1
                    await asyncio.sleep(1)
                    continue
                if answer.status in (429, 503):
                    await asyncio.sleep(retry_after_seconds(answer.retry_after))
                    continue
                outcome = str(answer.status)
                if answer.status in (200, 201):
                    last_filed = time.monotonic()
                    found = NUMBER.search(answer.body)
                    numbers[arrival] = found.group(1) if found else b""
                break
            results[arrival] = outcome
        connections.close()

    started = time.monotonic()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    by_first: dict[str, dict[str, int]] = {}
    for arrival, outcome in first.items():
        final = results.get(arrival, "not retried (stalled)")
        counts = by_first.setdefault(outcome, {})
        counts[final] = counts.get(final, 0) + 1
    finals = list(results.values())
    return {
        "retried": len(first),
        "attempts": attempts,
        "seconds": round(time.monotonic() - started, 1),
        "filed_per_second": round(len(numbers) / max(time.monotonic() - started, 1e-9), 1),
        "created_now_201": finals.count("201"),
        # 200: filed before although the client never saw its 201: during the surge (a
        # timeout, a cut connection) or by a retry attempt that failed the same way. After a
        # 429 or 503 with no such attempt between, a refusal would not have been a refusal.
        "filed_earlier_200": finals.count("200"),
        "attempts_without_answer": transport_errors,
        "not_filed": len(first) - finals.count("201") - finals.count("200"),
        "by_first_outcome": by_first,
    }, numbers


def _retry_set(
    first: dict[int, str], *, sample: int, seed: int
) -> tuple[dict[int, str], list[int]]:
    """What to retry: everything, or with ``sample`` > 0 that many of the 429/503 refusals
    (drawn at random) and every call whose fate is unknown (timeouts, cut connections, calls
    never sent). A refusal was not filed, so leaving some alone loses nothing; the count then
    checks that none of them is in the database."""
    refused = sorted(arrival for arrival, outcome in first.items() if outcome in ("429", "503"))
    if sample <= 0 or len(refused) <= sample:
        return first, []
    kept = set(Random(seed).sample(refused, sample))
    left = [arrival for arrival in refused if arrival not in kept]
    skipped = set(left)
    return {a: o for a, o in first.items() if a not in skipped}, left


def _filed(conninfo: str, prefix: str, arrivals: Sequence[int]) -> int:
    """How many of ``arrivals`` have an idempotency record, i.e. were filed."""
    import psycopg

    if not arrivals:
        return 0
    with psycopg.connect(conninfo, autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(*) FROM core_idempotencyrecord WHERE key = ANY(%s)",
            [[f"{prefix}{arrival}" for arrival in arrivals]],
        ).fetchone()
    return int(row[0]) if row else 0


def _count_check(
    conninfo: str, *, prefix: str, keys_sent: int, numbers: Sequence[bytes], rows_before: int
) -> dict[str, Any]:
    """Every 201's number is in the database, and every key was filed exactly once."""
    import psycopg

    wanted = sorted({number.decode() for number in numbers if number})
    with psycopg.connect(conninfo, autocommit=True) as conn:
        found = conn.execute(
            "SELECT count(*) FROM core_helprequest WHERE number = ANY(%s)", [wanted]
        ).fetchone()[0]  # type: ignore[index]
        records, distinct_keys, distinct_requests = conn.execute(
            "SELECT count(*), count(DISTINCT key), count(DISTINCT help_request_id)"
            " FROM core_idempotencyrecord WHERE key LIKE %s",
            [prefix + "%"],
        ).fetchone()  # type: ignore[misc]
        rows_after = int(conn.execute("SELECT count(*) FROM core_helprequest").fetchone()[0])  # type: ignore[index]
    added = rows_after - rows_before
    return {
        "keys_sent": keys_sent,
        "numbers_answered": len(numbers),
        "numbers_unparsed": sum(1 for number in numbers if not number),
        "numbers_distinct": len(wanted),
        "numbers_found_in_database": int(found),
        "idempotency_records": int(records),
        "distinct_keys_filed": int(distinct_keys),
        "distinct_requests_filed": int(distinct_requests),
        "requests_added": added,
        "nothing_lost": int(found) == len(wanted) == len(numbers)
        and int(distinct_keys) == keys_sent,
        "no_duplicates": int(records) == int(distinct_requests) == int(distinct_keys)
        and added == keys_sent,
    }


# --- the run ----------------------------------------------------------------------------------


def _parse_env(pairs: Sequence[str]) -> dict[str, str]:
    found = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise ValueError(f"--env takes KEY=VALUE, not {pair!r}")
        found[name] = value
    return found


def _machine() -> dict[str, Any]:
    facts: dict[str, Any] = {
        "cores": os.cpu_count(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(),
    }
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                facts["memory_gib"] = round(int(line.split()[1]) / 1024**2, 1)
    except OSError:
        pass
    return facts


async def _run(args: argparse.Namespace) -> dict[str, Any]:
    started_at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    cpu_start = _cpu_seconds()
    report: dict[str, Any] = {
        "benchmark": "surge",
        "quick": args.quick,
        "started_at": started_at,
        "machine": _machine(),
    }
    conninfo = f"{args.pg_server}/{args.database}"
    print(f"bench.surge: preparing {args.database}…", file=sys.stderr)
    # Django refuses database work inside a running event loop; a thread has none.
    keys = await asyncio.to_thread(_prepare_database, args.pg_server, args.database, args.keys)
    report["postgresql"] = _pg_facts(conninfo)
    bodies = make_bodies(args.bodies, args.seed)
    run_id = uuid.uuid4().hex[:8]
    concurrencies = [int(c) for c in args.concurrency.split(",")]

    # 1. The ceiling, before the server starts, so the app's connections take none of it.
    available = _raw_connections_available(conninfo)
    if available < 1:
        raise SystemExit("PostgreSQL has no connections to spare for the raw phase")
    rows = _raw_rows(bodies)
    raw: dict[int, dict[str, Any]] = {}
    for concurrency in concurrencies:
        used = min(concurrency, available)
        print(f"bench.surge: raw INSERTs, {used} connections…", file=sys.stderr)
        result = await _raw_phase(
            conninfo,
            connections=used,
            warmup=args.warmup_seconds,
            seconds=args.phase_seconds,
            rows=rows,
        )
        result["requested_connections"] = concurrency
        if used < concurrency:
            result["note"] = (
                f"{concurrency} connections exceed what max_connections leaves free "
                f"({available} after {PG_HEADROOM} kept for others); measured with {used}"
            )
        raw[concurrency] = result
    with _pg_connection(conninfo) as conn:
        conn.execute(f"DROP TABLE IF EXISTS {RAW_TABLE}")
    report["raw_postgresql"] = list(raw.values())

    # 2. The server, started as production would be.
    server_env = dict(os.environ)
    server_env.update(HUYING_DATABASE_URL=conninfo, **_parse_env(args.env))
    server_env.setdefault("DJANGO_SETTINGS_MODULE", "huying.settings")
    # Production mode refuses to start without it; the benchmark reaches it by this address.
    server_env.setdefault("HUYING_ALLOWED_HOSTS", HOST)
    log = Path(server_env["HUYING_DATA_DIR"]) / "bench-surge-server.log"
    # Generous: the retries after a long surge can take several times the surge itself.
    budget = (
        len(concurrencies) * (2 * args.phase_seconds + 2 * args.warmup_seconds)
        + 12 * args.surge_seconds
        + 3600
    )
    server = _start_server(args, server_env, args.port, budget, log)
    report["server"] = {
        "mode": server.mode,
        "commands": [_shown(command) for command in server.commands],
        "workers": args.workers,
        "threads": args.threads,
        "env": {name: server_env.get(name, "unset (server default)") for name in REPORTED_ENV}
        | {name: "set" if server_env.get(name) else "unset" for name in REPORTED_PRESENCE},
        "env_given": _parse_env(args.env),
        "log": log.name,
    }
    try:
        report["server"]["ready_after_seconds"] = await _wait_ready(server, args.port, 90)
        report["server"]["endpoints"] = await _probe(args.port)
        await _app_and_surge(
            args, report, server, keys, bodies, raw, run_id, conninfo, concurrencies
        )
    finally:
        report["server"]["exit_codes"] = server.stop()
    if not args.keep_db:
        _drop_database(args.pg_server, args.database)
    report["database_kept"] = args.keep_db
    report["client_cpu_seconds_total"] = round(_cpu_seconds() - cpu_start, 2)
    report["machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    report["finished_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    return report


def _pg_connection(conninfo: str) -> Any:
    import psycopg

    return psycopg.connect(conninfo, autocommit=True)


async def _app_and_surge(
    args: argparse.Namespace,
    report: dict[str, Any],
    server: Server,
    keys: list[str],
    bodies: list[bytes],
    raw: dict[int, dict[str, Any]],
    run_id: str,
    conninfo: str,
    concurrencies: list[int],
) -> None:
    intake = []
    for concurrency in concurrencies:
        print(f"bench.surge: intake at concurrency {concurrency}…", file=sys.stderr)
        prefix = f"bs-{run_id}-c{concurrency}-"
        await _closed_phase(
            port=args.port,
            keys=keys,
            bodies=bodies,
            concurrency=concurrency,
            seconds=args.warmup_seconds,
            prefix=prefix + "w",
            timeout=30,
        )
        result = await _closed_phase(
            port=args.port,
            keys=keys,
            bodies=bodies,
            concurrency=concurrency,
            seconds=args.phase_seconds,
            prefix=prefix,
            timeout=30,
        )
        ceiling = raw[concurrency]["inserts_per_second"]
        result["raw_inserts_per_second"] = ceiling
        result["app_to_raw"] = round(result["creates_per_second"] / ceiling, 3) if ceiling else None
        intake.append(result)
    report["intake"] = intake
    best = max(result["creates_per_second"] for result in intake)
    sustained = args.sustained or best
    if sustained <= 0:
        raise SystemExit("no creates in the intake phases: nothing to base the surge on")
    rate = args.surge_factor * sustained

    # 3. The surge.
    print(f"bench.surge: surge at {rate:.0f}/s for {args.surge_seconds:.0f} s…", file=sys.stderr)
    prefix = f"bs-{run_id}-s-"
    rows_before = _count_rows(conninfo)
    cpu_before, machine_before = _cpu_seconds(), cpu_ticks()
    surge, arrivals, seconds = await _surge(
        port=args.port,
        keys=keys,
        bodies=bodies,
        rate=rate,
        seconds=args.surge_seconds,
        max_outstanding=args.max_outstanding,
        timeout=args.request_timeout,
        prefix=prefix,
        seed=args.seed,
        bucket_seconds=args.bucket_seconds,
    )
    surge_report = _surge_report(surge, arrivals, seconds, rate)
    surge_report.update(
        sustained_rate_per_second=sustained,
        sustained_from="--sustained" if args.sustained else "best creates/s of the intake phases",
        factor=args.surge_factor,
        keys=len(keys),
        client_cpu_seconds=round(_cpu_seconds() - cpu_before, 2),
        machine_cpu_busy_percent=busy_percent(machine_before, cpu_ticks()),
    )
    report["surge"] = surge_report

    # 5. Memory, right after the surge (before the gentle retries let it settle).
    report["memory_after_surge"] = _server_memory(server)

    # 4. Retries, and the count.
    retry, unretried = _retry_set(surge.not_created, sample=args.retry_sample, seed=args.seed)
    print(f"bench.surge: retrying {len(retry)} calls…", file=sys.stderr)
    retries, retried_numbers = await _retry(
        port=args.port,
        keys=keys,
        bodies=bodies,
        prefix=prefix,
        first=retry,
        concurrency=args.retry_concurrency,
        timeout=args.request_timeout,
        stall=120.0,
    )
    retries["refusals_not_retried"] = len(unretried)
    report["retries"] = retries
    numbers = list(surge.numbers.values()) + list(retried_numbers.values())
    report["count"] = _count_check(
        conninfo,
        prefix=prefix,
        keys_sent=arrivals - len(unretried),
        numbers=numbers,
        rows_before=rows_before,
    )
    # A refusal must mean "not filed": none of the refusals left alone may be in the database.
    report["count"]["refusals_not_retried_found_filed"] = _filed(conninfo, prefix, unretried)
    report["count"]["nothing_lost"] = (
        report["count"]["nothing_lost"] and report["count"]["refusals_not_retried_found_filed"] == 0
    )
    report["metrics_after"] = await _metrics(args.port)


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.surge",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="5 s phases, 2 s warm-ups and a 20 s surge, to try it (marked quick)",
    )
    parser.add_argument(
        "--concurrency",
        default="8,32,128",
        help="closed-loop concurrencies, comma-separated (default 8,32,128)",
    )
    parser.add_argument(
        "--phase-seconds",
        type=float,
        default=30.0,
        help="measured seconds of each raw and intake phase (default 30)",
    )
    parser.add_argument(
        "--warmup-seconds",
        type=float,
        default=5.0,
        help="unmeasured seconds before each phase (default 5)",
    )
    parser.add_argument(
        "--surge-seconds", type=float, default=300.0, help="length of the surge (default 300)"
    )
    parser.add_argument(
        "--surge-factor",
        type=float,
        default=4.0,
        help="surge rate as a multiple of the sustained rate (default 4)",
    )
    parser.add_argument(
        "--sustained",
        type=float,
        default=0.0,
        help="sustained creates/s to multiply (default: best of the intake phases)",
    )
    parser.add_argument(
        "--max-outstanding",
        type=int,
        default=512,
        help="calls in flight at most during the surge (default 512)",
    )
    parser.add_argument(
        "--keys",
        type=int,
        default=50,
        help="integration keys (simulated clients) to spread calls over (default 50)",
    )
    parser.add_argument(
        "--bucket-seconds",
        type=float,
        default=10.0,
        help="slice of the surge reported on its own (default 10)",
    )
    parser.add_argument(
        "--request-timeout",
        type=float,
        default=30.0,
        help="seconds before a call counts as timed out (default 30)",
    )
    parser.add_argument(
        "--retry-sample",
        type=int,
        default=0,
        help="retry only this many of the surge's 429/503 refusals, at random, "
        "and check the others were not filed (default 0: retry them all; "
        "a full surge's refusals take up to 15 minutes to retry)",
    )
    parser.add_argument(
        "--retry-concurrency",
        type=int,
        default=8,
        help="calls in flight while retrying after the surge (default 8)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=0,
        help="gunicorn workers (default: as serve --production, two per core "
        f"and one, at most {MAX_WORKERS})",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=PRODUCTION_THREADS,
        help=f"threads per gunicorn worker (default {PRODUCTION_THREADS}, as "
        "serve --production; 1: sync workers)",
    )
    parser.add_argument(
        "--server",
        choices=("auto", "production", "gunicorn"),
        default="auto",
        help="auto: `manage.py serve --production` if this checkout has it, "
        "else gunicorn + db_worker (default auto)",
    )
    parser.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="an environment variable for the server (repeatable), e.g. HUYING_RATE_LIMIT_API=off",
    )
    parser.add_argument("--port", type=int, default=18300, help="server port on 127.0.0.1")
    parser.add_argument(
        "--database",
        default="huying_bench_surge",
        help="PostgreSQL database; its name must start with huying_bench",
    )
    parser.add_argument(
        "--pg-server",
        default="postgresql://postgres@127.0.0.1:5432",
        help="PostgreSQL server URL without a database, on 127.0.0.1",
    )
    parser.add_argument(
        "--keep-db", action="store_true", help="keep the database afterwards (default: drop it)"
    )
    parser.add_argument("--bodies", type=int, default=2000, help="distinct bodies (default 2000)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--output", default="", help="also write the JSON to this file")
    args = parser.parse_args()
    args.workers = args.workers or min(2 * (os.cpu_count() or 1) + 1, MAX_WORKERS)
    if args.quick:
        args.phase_seconds, args.warmup_seconds, args.surge_seconds = 5.0, 2.0, 20.0
        args.bucket_seconds = min(args.bucket_seconds, 5.0)
    if not args.database.startswith("huying_bench"):
        parser.error("--database must start with huying_bench")
    if urlsplit(args.pg_server).hostname not in ("127.0.0.1", "localhost"):
        parser.error("--pg-server must be on 127.0.0.1")
    if args.port == 8000 or not 1024 < args.port < 65536:
        parser.error("--port: pick a free port above 1024 (8000 is the demo server's)")
    try:
        concurrencies = [int(c) for c in args.concurrency.split(",")]
    except ValueError:
        parser.error("--concurrency takes numbers separated by commas")
    if not concurrencies or min(concurrencies) < 1:
        parser.error("--concurrency values must be at least 1")
    if min(args.keys, args.workers, args.threads, args.max_outstanding, args.retry_concurrency) < 1:
        parser.error("--keys, --workers, --threads, --max-outstanding must be at least 1")
    if args.phase_seconds <= 0 or args.surge_seconds <= 0 or args.bucket_seconds <= 0:
        parser.error("durations must be positive")
    try:
        _parse_env(args.env)
    except ValueError as error:
        parser.error(str(error))
    os.environ.setdefault("HUYING_DATA_DIR", str(Path(tempfile.gettempdir()) / "hy-bench"))
    Path(os.environ["HUYING_DATA_DIR"]).mkdir(parents=True, exist_ok=True)
    report = asyncio.run(_run(args))
    print_report(report, args.output)
    count = report.get("count", {})
    if not (count.get("nothing_lost") and count.get("no_duplicates")):
        sys.exit(1)


if __name__ == "__main__":
    main()
