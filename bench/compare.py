"""Intake against a peer: huying and django-helpdesk under one client, in interleaved rounds.

    python -m bench.compare                  # 3 rounds of 20 s each at concurrency 32
    python -m bench.compare --rounds 5 --seconds 30 --concurrency 32 --output /tmp/compare.json
    python -m bench.compare --peer-recipe ../shared/peer --work-dir /var/tmp/hy-compare

The peer is built from its recipe (``--peer-recipe``, a folder with ``RECIPE.md`` and
``settings.py.txt``; default ``../shared/peer`` from the repository's root) into
``--work-dir`` (default ``<temp>/huying-bench-compare``, reused once built): a virtual
environment with the django-helpdesk version the recipe names, the same Django and gunicorn
versions as this checkout, a small project around the recipe's settings (e-mail to the dummy
backend, as the recipe advises for load tests), its database migrated, a superuser, the
queue and a DRF token. Every run starts the peer from a copy of that fresh database.

huying runs on PostgreSQL (database ``huying_bench_compare``: created, migrated and seeded with
``seed_demo --requests 0 --no-accounts`` if needed, a fresh API key per run) with
``manage.py serve --production`` and ``HUYING_ALLOWED_HOSTS=127.0.0.1``; the peer on SQLite, as
its recipe has it, with gunicorn and the same number of processes as huying's production
default (two per core and one). The per-client rate limits are switched off in huying's
environment (``HUYING_RATE_LIMIT_API=off``, ``HUYING_RATE_LIMIT_PUBLIC=off``): one client key
is not what is measured. Load shedding stays at its production default unless ``--huying-env``
says otherwise; its 503s are counted as errors.

One client drives both: ``bench.client``'s asyncio closed loop (``Connections``,
``ClosedLoop``), the same request bodies (huying's as they are, the peer's mapped to a ticket:
title, description, priority), the same concurrency and duration, in rounds huying, peer,
huying, peer … after a short warm-up of each. Every peer create makes a real ticket; the
rows added to each database in each round are counted and reported beside the 201s.

Both servers listen on 127.0.0.1 only and are stopped at the end, on Ctrl-C and on any
failure; each also stops by itself after a time limit should this script die. Prints one
JSON document.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from bench import ensure_database, print_report, summarise_ms
from bench.client import (
    TRANSPORT_ERRORS,
    ClosedLoop,
    Connections,
    busy_percent,
    cpu_ticks,
    http_get,
    make_bodies,
    post_message,
    retry_after_seconds,
)

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
PG_SERVER = "postgresql://postgres@127.0.0.1:5432"
DATABASE = "huying_bench_compare"
#: The peer's version when the recipe does not name one.
PEER_DEFAULT_VERSION = "2.6.1"
PEER_PATH = "/api/tickets/"
#: huying's urgency to django-helpdesk's priority (1 critical … 5 very low).
PEER_PRIORITY = {"critical": 1, "urgent": 2, "normal": 3}
#: What ``serve`` uses per web process unless told otherwise.
HUYING_THREADS = 4
#: Server settings that shape the figures, recorded with them.
REPORTED_ENV = (
    "HUYING_RATE_LIMIT_API",
    "HUYING_RATE_LIMIT_PUBLIC",
    "HUYING_WAIT_BUDGET_MS",
    "HUYING_ACCESS_LOG",
    "HUYING_LOG_FORMAT",
    "HUYING_ALLOWED_HOSTS",
)


# --- small helpers, also used by bench.live ---------------------------------------------------


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def pressure() -> dict[str, float] | None:
    """Linux's pressure stall figures (``some avg10``: % of the last 10 s some task waited) for
    CPU and I/O; a disk busy with someone else's work shows in ``io``. None where unavailable."""
    found = {}
    for resource in ("cpu", "io"):
        try:
            line = Path(f"/proc/pressure/{resource}").read_text().splitlines()[0]
        except (OSError, IndexError):
            return None
        fields = dict(part.split("=", 1) for part in line.split()[1:] if "=" in part)
        found[resource] = float(fields.get("avg10", "nan"))
    return found


def parse_env(pairs: Sequence[str]) -> dict[str, str]:
    """``KEY=VALUE`` pairs (``--huying-env``) as a dict; a pair without ``=`` is an error."""
    found = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise ValueError(f"expected KEY=VALUE, not {pair!r}")
        found[name] = value
    return found


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """``numerator / denominator`` rounded to 3 places; None when either is missing or zero."""
    if not numerator or not denominator:
        return None
    return round(numerator / denominator, 3)


def median_or_none(values: Sequence[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return round(statistics.median(present), 3) if present else None


def recipe_version(text: str) -> str:
    """The django-helpdesk version a recipe pins (``django-helpdesk==X.Y.Z``), or the default."""
    found = re.search(r"django-helpdesk==([0-9][0-9A-Za-z.]*)", text)
    return found.group(1) if found else PEER_DEFAULT_VERSION


def peer_settings(recipe_settings: str) -> str:
    """The recipe's settings with e-mail sent nowhere, as the recipe advises for load tests."""
    dummy = 'EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"'
    text, count = re.subn(r"(?m)^EMAIL_BACKEND\s*=.*$", dummy, recipe_settings)
    return text if count else text.rstrip("\n") + "\n" + dummy + "\n"


def peer_body(huying_body: bytes, index: int, queue: int) -> bytes:
    """A huying request body as a django-helpdesk ticket: the same words, mapped fields."""
    data = json.loads(huying_body)
    ticket = {
        "queue": queue,
        "title": data["summary"][:200],
        "description": data["description"],
        "submitter_email": f"caller{index}@example.invalid",
        "priority": PEER_PRIORITY.get(data["urgency"], 3),
    }
    return json.dumps(ticket, ensure_ascii=False).encode()


def peer_message(*, port: int, token: str, body: bytes) -> bytes:
    """The bytes of one ``POST /api/tickets/`` with DRF token authentication."""
    head = (
        f"POST {PEER_PATH} HTTP/1.1\r\nHost: {HOST}:{port}\r\nAuthorization: Token {token}\r\n"
        f"Content-Type: application/json\r\nAccept: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


def shown(command: Sequence[str]) -> str:
    """A command line as the report shows it: programs by their names, not their paths."""
    return " ".join(
        Path(part).name if index == 0 or part == sys.executable or part.startswith("/") else part
        for index, part in enumerate(command)
    )


# --- servers ----------------------------------------------------------------------------------


@dataclass
class Server:
    """One server under test: its process group, how it was started, where it logs."""

    name: str
    command: list[str]
    port: int
    log: Path
    process: subprocess.Popen[bytes] | None = None
    exit_code: int | None = None

    def start(self, *, env: dict[str, str], cwd: Path, budget: float) -> None:
        # A safety net: should this script die without stopping it, it stops by itself.
        limit = ["timeout", str(int(budget))] if shutil.which("timeout") else []
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(  # noqa: S603 - our own command line
                limit + self.command,
                cwd=cwd,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self) -> int | None:
        """SIGTERM to the whole group, SIGKILL after 25 s; safe to call twice."""
        process = self.process
        if process is None:
            return self.exit_code
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=25)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        # Workers left behind in the group (the leader gone first) go too.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        self.exit_code = process.returncode
        self.process = None
        return self.exit_code


@contextlib.contextmanager
def stopped_on_exit(servers: Sequence[Server]) -> Iterator[None]:
    """Stop ``servers`` however the block ends: normally, by an exception, Ctrl-C or SIGTERM."""

    def terminate(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    previous = signal.signal(signal.SIGTERM, terminate)
    try:
        yield
    finally:
        for server in servers:
            server.stop()
        signal.signal(signal.SIGTERM, previous)


async def wait_ready(server: Server, path: str, limit: float) -> float:
    """Seconds until ``server`` answers ``path`` at all; exits if it dies or takes too long."""
    started = time.monotonic()
    while time.monotonic() - started < limit:
        if not server.running():
            raise SystemExit(f"{server.name} stopped while starting; see {server.log}")
        try:
            await http_get(server.port, path, timeout=2)
            return round(time.monotonic() - started, 1)
        except TRANSPORT_ERRORS:
            await asyncio.sleep(0.5)
    raise SystemExit(f"{server.name} did not answer within {limit:.0f} s; see {server.log}")


def huying_version() -> dict[str, Any]:
    """The checkout's commit (and whether it had changes), Python and the key libraries."""
    found: dict[str, Any] = {"python": platform.python_version()}
    for command, name in (
        (["git", "rev-parse", "--short=12", "HEAD"], "commit"),
        (["git", "status", "--porcelain", "--untracked-files=no"], "changes"),
    ):
        try:
            done = subprocess.run(  # noqa: S603 - fixed command
                command, cwd=ROOT, capture_output=True, text=True, timeout=30, check=False
            )
            found[name] = done.stdout.strip()
        except (OSError, subprocess.TimeoutExpired):
            found[name] = None
    found["uncommitted_changes"] = bool(found.pop("changes"))
    for package in ("django", "gunicorn", "psycopg", "django-ninja"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            found[package] = metadata.version(package)
    return found


def paired_data_dir(work_dir: Path, conninfo: str) -> Path:
    """The data directory that goes with the benchmark database ``conninfo``, made if missing.

    The server keeps its secret and personal-data keys in its data directory; rows written
    under other keys cannot be read (the console's pages fail). So the two are made together:
    a data directory made here, or one last paired with another database, gets a freshly
    created database (the old one dropped), and each is only ever used with the other.
    """
    server, name = conninfo.rsplit("/", 1)
    data_dir = work_dir / f"data-{name}"
    marker = data_dir / "bench-database.txt"
    if not marker.exists() or marker.read_text().strip() != conninfo:
        import psycopg

        with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if data_dir.exists():
            shutil.rmtree(data_dir)
        data_dir.mkdir(parents=True)
        marker.write_text(conninfo + "\n")
    ensure_database(conninfo)
    return data_dir


def pg_version(conninfo: str) -> str:
    import psycopg

    with psycopg.connect(conninfo, autocommit=True) as conn:
        return str(conn.execute("SHOW server_version").fetchone()[0])  # type: ignore[index]


def count_pg_rows(conninfo: str) -> int:
    import psycopg

    with psycopg.connect(conninfo, autocommit=True) as conn:
        return int(conn.execute("SELECT count(*) FROM core_helprequest").fetchone()[0])  # type: ignore[index]


def prepare_huying(conninfo: str, key_name: str) -> dict[str, Any]:
    """Create, migrate and seed the benchmark database; mint an integration key (channel api).

    Runs in this process with Django set up on that database, so call it before any other
    database work here, in a thread of its own if an event loop is running.
    """
    from bench import setup_django

    ensure_database(conninfo)
    os.environ["HUYING_DATABASE_URL"] = conninfo
    setup_django()
    from django.core.management import call_command
    from django.db import connections

    from accounts.models import ApiKey
    from core.management.commands.serve import default_workers
    from core.models import Channel

    call_command("migrate", verbosity=0, interactive=False)
    call_command("seed_demo", "--requests", "0", "--no-accounts", verbosity=0)
    _key, secret = ApiKey.issue(name=key_name, channel=Channel.API)
    connections.close_all()
    return {"api_key": secret, "default_workers": default_workers()}


# --- the peer ---------------------------------------------------------------------------------

_MANAGE = """\
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hdpeer.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
"""
_URLS = """\
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("helpdesk.urls", namespace="helpdesk")),
]
"""
_WSGI = """\
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hdpeer.settings")
application = get_wsgi_application()
"""
_SETUP = """\
import json
from importlib import metadata

from helpdesk.models import Queue
from rest_framework.authtoken.models import Token
from django.contrib.auth import get_user_model

queue, _ = Queue.objects.get_or_create(
    slug="hotline",
    defaults=dict(title="Epidemic hotline", allow_public_submission=True,
                  allow_email_submission=False),
)
token, _ = Token.objects.get_or_create(user=get_user_model().objects.get(username="admin"))
versions = {p: metadata.version(p) for p in
            ("django-helpdesk", "django", "djangorestframework", "gunicorn")}
print("PEER-SETUP " + json.dumps({"queue": queue.pk, "token": token.key, "versions": versions}))
"""


@dataclass
class Peer:
    """A built peer: where it lives and what a client needs to file tickets."""

    home: Path
    token: str
    queue: int
    versions: dict[str, str] = field(default_factory=dict)

    @property
    def project(self) -> Path:
        return self.home / "proj"

    @property
    def gunicorn(self) -> Path:
        return self.home / "venv" / "bin" / "gunicorn"

    @property
    def database(self) -> Path:
        return self.project / "db.sqlite3"

    @property
    def pristine(self) -> Path:
        return self.home / "db.pristine.sqlite3"


def _run(command: Sequence[str], *, cwd: Path, timeout: float, env: dict[str, str]) -> str:
    print("bench.compare: " + shown(command), file=sys.stderr)
    done = subprocess.run(  # noqa: S603 - our own command lines
        list(command),
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(
            f"bench.compare: {shown(command)} failed ({done.returncode}):\n"
            f"{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
        )
    return done.stdout


def build_peer(recipe: Path, work_dir: Path) -> Peer:
    """The peer, built from ``recipe`` into ``work_dir`` unless a finished build is there."""
    settings_text = (recipe / "settings.py.txt").read_text(encoding="utf-8")
    recipe_text = "\n".join(
        (recipe / name).read_text(encoding="utf-8")
        for name in ("RECIPE.md", "run_peer.sh")
        if (recipe / name).exists()
    )
    version = recipe_version(recipe_text)
    home = work_dir / f"django-helpdesk-{version}"
    marker = home / "built.json"
    if marker.exists():
        built = json.loads(marker.read_text())
        return Peer(
            home=home, token=built["token"], queue=built["queue"], versions=built["versions"]
        )
    if home.exists():
        shutil.rmtree(home)  # an unfinished build
    (home / "proj" / "hdpeer").mkdir(parents=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HUYING_", "DJANGO_"))}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    _run([sys.executable, "-m", "venv", str(home / "venv")], cwd=home, timeout=300, env=env)
    python = str(home / "venv" / "bin" / "python")
    # The same Django and gunicorn as huying's, so the comparison is of the applications.
    pins = [f"django-helpdesk=={version}"]
    for package in ("django", "gunicorn"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            pins.append(f"{package}=={metadata.version(package)}")
    _run([python, "-m", "pip", "install", "-q", *pins], cwd=home, timeout=900, env=env)
    project = home / "proj"
    (project / "hdpeer" / "__init__.py").write_text("")
    (project / "hdpeer" / "settings.py").write_text(peer_settings(settings_text))
    (project / "hdpeer" / "urls.py").write_text(_URLS)
    (project / "hdpeer" / "wsgi.py").write_text(_WSGI)
    (project / "manage.py").write_text(_MANAGE)
    manage = [python, "manage.py"]
    _run([*manage, "migrate", "-v0"], cwd=project, timeout=600, env=env)
    _run([*manage, "loaddata", "emailtemplate.json", "-v0"], cwd=project, timeout=300, env=env)
    admin_env = env | {"DJANGO_SUPERUSER_PASSWORD": secrets.token_urlsafe(16)}
    _run(
        [*manage, "createsuperuser", "--noinput", "--username=admin", "--email=admin@invalid"],
        cwd=project,
        timeout=300,
        env=admin_env,
    )
    out = _run([*manage, "shell", "-v0", "-c", _SETUP], cwd=project, timeout=300, env=env)
    line = next(x for x in out.splitlines() if x.startswith("PEER-SETUP "))
    built = json.loads(line.removeprefix("PEER-SETUP "))
    built["versions"]["sqlite"] = sqlite3.sqlite_version
    shutil.copyfile(project / "db.sqlite3", home / "db.pristine.sqlite3")
    marker.write_text(json.dumps(built, indent=1))
    return Peer(home=home, token=built["token"], queue=built["queue"], versions=built["versions"])


def count_peer_tickets(peer: Peer) -> int:
    with contextlib.closing(
        sqlite3.connect(f"file:{peer.database}?mode=ro", uri=True, timeout=30)
    ) as conn:
        return int(conn.execute("SELECT count(*) FROM helpdesk_ticket").fetchone()[0])


# --- the load ---------------------------------------------------------------------------------


async def closed_loop(
    port: int, messages: Sequence[bytes], *, concurrency: int, seconds: float, timeout: float
) -> dict[str, Any]:
    """``concurrency`` callers sending ``messages`` in turn, each waiting for its answer."""
    run = ClosedLoop(remaining=10**9, deadline=time.monotonic() + seconds)

    async def caller(offset: int) -> None:
        connections = Connections(HOST, port)
        index = offset
        try:
            while run.take():
                message = messages[index % len(messages)]
                index += 1
                started = time.perf_counter()
                try:
                    answer = await connections.exchange(message, timeout)
                except TRANSPORT_ERRORS as error:
                    run.record(f"connection:{type(error).__name__}", time.perf_counter() - started)
                    continue
                run.record(str(answer.status), time.perf_counter() - started, answer.body)
                if answer.status in (429, 503):
                    await asyncio.sleep(retry_after_seconds(answer.retry_after))
        finally:
            connections.close()

    cpu = os.times()
    machine = cpu_ticks()
    started = time.perf_counter()
    await asyncio.gather(*(caller(i * 7919) for i in range(concurrency)))
    elapsed = time.perf_counter() - started
    after = os.times()
    created = run.statuses.get("201", 0)
    return {
        "seconds": round(elapsed, 2),
        "created": created,
        "creates_per_second": round(created / elapsed, 1) if elapsed else 0.0,
        "latency_ms": summarise_ms(run.latencies),
        "errors": {k: n for k, n in sorted(run.statuses.items()) if k != "201"},
        "first_error": {k: v[:200] for k, v in run.first_error.items()},
        "client_cpu_seconds": round((after.user - cpu.user) + (after.system - cpu.system), 2),
        "machine_cpu_busy_percent": busy_percent(machine, cpu_ticks()),
    }


@dataclass
class Target:
    name: str
    server: Server
    messages: list[bytes]
    count_rows: Any


async def _rounds(args: argparse.Namespace, targets: Sequence[Target]) -> dict[str, Any]:
    ready = {}
    for target in targets:
        path = "/healthz" if target.name == "huying" else "/login/"
        ready[target.name] = await wait_ready(target.server, path, 120)
    if args.warmup > 0:
        for target in targets:
            print(f"bench.compare: warming up {target.name}…", file=sys.stderr)
            await closed_loop(
                target.server.port,
                target.messages,
                concurrency=args.concurrency,
                seconds=args.warmup,
                timeout=args.request_timeout,
            )
    rounds: list[dict[str, Any]] = []
    for number in range(1, args.rounds + 1):
        row: dict[str, Any] = {"round": number}
        for target in targets:
            print(f"bench.compare: round {number}, {target.name}…", file=sys.stderr)
            if not target.server.running():
                raise SystemExit(f"{target.name} stopped; see {target.server.log}")
            await asyncio.sleep(args.pause)
            rows_before = await asyncio.to_thread(target.count_rows)
            load_before = load_average()
            pressure_before = pressure()
            result = await closed_loop(
                target.server.port,
                target.messages,
                concurrency=args.concurrency,
                seconds=args.seconds,
                timeout=args.request_timeout,
            )
            result["load_average_before"] = load_before
            result["load_average_after"] = load_average()
            result["pressure_some_avg10_before"] = pressure_before
            result["pressure_some_avg10_after"] = pressure()
            result["rows_added"] = await asyncio.to_thread(target.count_rows) - rows_before
            row[target.name] = result
        row["ratio_huying_to_peer"] = ratio(
            row["huying"]["creates_per_second"], row["peer"]["creates_per_second"]
        )
        rounds.append(row)
    return {"ready_after_seconds": ready, "rounds": rounds}


def summary(rounds: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Median creates/s and latencies per system over the rounds, and the ratios."""
    found: dict[str, Any] = {}
    for name in ("huying", "peer"):
        results = [r[name] for r in rounds]
        found[name] = {
            "creates_per_second_median": median_or_none([r["creates_per_second"] for r in results]),
            "creates_per_second": [r["creates_per_second"] for r in results],
            "p50_ms_median": median_or_none([r["latency_ms"].get("p50") for r in results]),
            "p99_ms_median": median_or_none([r["latency_ms"].get("p99") for r in results]),
            "errors_total": sum(sum(r["errors"].values()) for r in results),
            "created_total": sum(r["created"] for r in results),
            "rows_added_total": sum(r["rows_added"] for r in results),
        }
    found["ratio_huying_to_peer_per_round"] = [r["ratio_huying_to_peer"] for r in rounds]
    found["ratio_huying_to_peer_median"] = median_or_none(
        [r["ratio_huying_to_peer"] for r in rounds]
    )
    found["ratio_of_medians"] = ratio(
        found["huying"]["creates_per_second_median"], found["peer"]["creates_per_second_median"]
    )
    return found


def run(args: argparse.Namespace) -> dict[str, Any]:
    started_at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    recipe = (ROOT / args.peer_recipe).resolve()
    if not (recipe / "settings.py.txt").exists():
        raise SystemExit(f"--peer-recipe: no settings.py.txt in {args.peer_recipe}")
    work_dir = Path(args.work_dir)
    work_dir.mkdir(parents=True, exist_ok=True)
    report: dict[str, Any] = {
        "benchmark": "compare",
        "started_at": started_at,
        "machine": {
            "cores": os.cpu_count(),
            "load_average_at_start": load_average(),
            "python": platform.python_version(),
        },
        "load": {
            "client": "bench.client closed loop (one asyncio loop, HTTP/1.1, keep-alive when the server keeps it)",
            "concurrency": args.concurrency,
            "seconds_per_round": args.seconds,
            "rounds": args.rounds,
            "warmup_seconds": args.warmup,
            "order": "huying then peer in every round",
        },
    }
    print("bench.compare: building (or reusing) the peer…", file=sys.stderr)
    peer = build_peer(recipe, work_dir)
    shutil.copyfile(peer.pristine, peer.database)
    for suffix in ("-journal", "-wal", "-shm"):
        Path(f"{peer.database}{suffix}").unlink(missing_ok=True)

    conninfo = f"{args.pg_server}/{args.database}"
    data_dir = paired_data_dir(work_dir, conninfo)
    os.environ["HUYING_DATA_DIR"] = str(data_dir)
    print(f"bench.compare: preparing {args.database}…", file=sys.stderr)
    prepared = prepare_huying(conninfo, f"bench-compare-{uuid.uuid4().hex[:8]}")
    workers = args.workers or prepared["default_workers"]
    huying_env = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
    huying_env.update(
        HUYING_DATABASE_URL=conninfo,
        HUYING_DATA_DIR=str(data_dir),
        HUYING_ALLOWED_HOSTS=HOST,
        HUYING_RATE_LIMIT_API="off",
        HUYING_RATE_LIMIT_PUBLIC="off",
        DJANGO_SETTINGS_MODULE="huying.settings",
    )
    if args.redis_url:
        huying_env["HUYING_REDIS_URL"] = args.redis_url
    else:
        huying_env.pop("HUYING_REDIS_URL", None)
    huying_env.update(parse_env(args.huying_env))
    peer_env = {k: v for k, v in os.environ.items() if not k.startswith(("HUYING_", "DJANGO_"))}

    budget = args.rounds * 2 * (args.seconds + args.pause + 30) + 4 * args.warmup + 900
    huying_port, peer_port = free_port(), free_port()
    huying_cmd = [sys.executable, "manage.py", "serve", "--production"]
    huying_cmd += ["--bind", f"{HOST}:{huying_port}", "--workers", str(workers)]
    huying_cmd += ["--threads", str(HUYING_THREADS)]
    peer_cmd = [str(peer.gunicorn), "hdpeer.wsgi:application", "--bind", f"{HOST}:{peer_port}"]
    peer_cmd += ["--workers", str(workers), "--log-level", "warning"]
    if args.peer_threads > 1:
        peer_cmd += ["--threads", str(args.peer_threads)]
    huying = Server("huying", huying_cmd, huying_port, work_dir / "huying-server.log")
    peer_server = Server("peer", peer_cmd, peer_port, work_dir / "peer-server.log")

    bodies = make_bodies(args.bodies, args.seed)
    huying_messages = [
        post_message(host=HOST, port=huying_port, api_key=prepared["api_key"], body=body)
        for body in bodies
    ]
    peer_messages = [
        peer_message(port=peer_port, token=peer.token, body=peer_body(body, i, peer.queue))
        for i, body in enumerate(bodies)
    ]
    report["huying"] = {
        "version": huying_version(),
        "postgresql": pg_version(conninfo),
        "database": args.database,
        "requests_in_database_at_start": count_pg_rows(conninfo),
        "command": shown(huying_cmd),
        "processes": workers,
        "threads_per_process": HUYING_THREADS,
        "task_workers": 1,
        "env": {name: huying_env.get(name, "unset (default)") for name in REPORTED_ENV}
        | {"HUYING_REDIS_URL": "set" if huying_env.get("HUYING_REDIS_URL") else "unset"},
        "endpoint": "POST /api/v1/requests (X-API-Key)",
    }
    report["peer"] = {
        "versions": peer.versions,
        "database": "SQLite (as the recipe has it), fresh copy at the start of the run",
        "command": shown(peer_cmd),
        "processes": workers,
        "threads_per_process": args.peer_threads,
        "endpoint": f"POST {PEER_PATH} (DRF token)",
        "email": "dummy backend (the recipe's advice for load tests)",
        "fairness": "same number of processes as huying's production default (two per core and one)",
    }
    servers = [huying, peer_server]
    with stopped_on_exit(servers):
        huying.start(env=huying_env, cwd=ROOT, budget=budget)
        peer_server.start(env=peer_env, cwd=peer.project, budget=budget)
        targets = [
            Target("huying", huying, huying_messages, lambda: count_pg_rows(conninfo)),
            Target("peer", peer_server, peer_messages, lambda: count_peer_tickets(peer)),
        ]
        report.update(asyncio.run(_rounds(args, targets)))
    report["exit_codes"] = {s.name: s.exit_code for s in servers}
    report["summary"] = summary(report["rounds"])
    report["machine"]["load_average_at_end"] = load_average()
    report["finished_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    return report


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.compare",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--peer-recipe",
        default="../shared/peer",
        help="the peer's recipe folder, relative to the repository's root (default ../shared/peer)",
    )
    parser.add_argument(
        "--work-dir",
        default=str(Path(tempfile.gettempdir()) / "huying-bench-compare"),
        help="where the peer is built (reused once built), logs and huying's data directory",
    )
    parser.add_argument("--rounds", type=int, default=3, help="rounds of each (default 3)")
    parser.add_argument(
        "--seconds", type=float, default=20.0, help="seconds per round (default 20)"
    )
    parser.add_argument("--concurrency", type=int, default=32, help="calls in flight (default 32)")
    parser.add_argument(
        "--warmup",
        type=float,
        default=5.0,
        help="seconds of load on each before round 1 (default 5)",
    )
    parser.add_argument(
        "--pause",
        type=float,
        default=3.0,
        help="seconds of quiet before each measurement (default 3)",
    )
    parser.add_argument("--request-timeout", type=float, default=30.0)
    parser.add_argument(
        "--workers",
        type=int,
        default=0,
        help="processes of each server (default: huying's production default, 2 × cores + 1)",
    )
    parser.add_argument(
        "--peer-threads",
        type=int,
        default=1,
        help="gunicorn threads per peer process (default 1: sync workers, as in the recipe)",
    )
    parser.add_argument("--pg-server", default=PG_SERVER, help=f"PostgreSQL (default {PG_SERVER})")
    parser.add_argument(
        "--database", default=DATABASE, help=f"huying's database (default {DATABASE})"
    )
    parser.add_argument(
        "--redis-url",
        default="redis://127.0.0.1:6379/0",
        help="huying's HUYING_REDIS_URL, as production has one ('' for none)",
    )
    parser.add_argument(
        "--huying-env",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="more environment for huying's server, e.g. HUYING_WAIT_BUDGET_MS=10000",
    )
    parser.add_argument("--bodies", type=int, default=1000, help="distinct bodies (default 1000)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--output", default="", help="also write the JSON here")
    args = parser.parse_args()
    if not args.database.startswith("huying_bench"):
        parser.error("--database must start with huying_bench")
    if urlsplit_host(args.pg_server) not in ("127.0.0.1", "localhost"):
        parser.error("--pg-server must be on this machine")
    if args.rounds < 1 or args.concurrency < 1 or args.seconds <= 0:
        parser.error("--rounds, --concurrency and --seconds must be positive")
    try:
        parse_env(args.huying_env)
    except ValueError as error:
        parser.error(f"--huying-env: {error}")
    try:
        report = run(args)
    except KeyboardInterrupt:
        print("bench.compare: interrupted; servers stopped", file=sys.stderr)
        sys.exit(130)
    print_report(report, args.output)


def urlsplit_host(url: str) -> str:
    from urllib.parse import urlsplit

    return urlsplit(url).hostname or ""


if __name__ == "__main__":
    main()
