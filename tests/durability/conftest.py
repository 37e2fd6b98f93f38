"""Real processes on a database of their own: a migrated scratch site, gunicorn, a client.

These tests do not use pytest-django's test database: gunicorn and ``manage.py`` run as
child processes, killed and restarted, so each test gets a fresh database on the backend the
suite runs on (a SQLite file under ``tmp_path``, or a ``huying_durable_<random>`` database on
the suite's PostgreSQL server), copied from one migrated template per session.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from random import Random
from typing import Any

import psycopg
import pytest

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).with_name("gunicorn")
PATH = "/api/v1/requests"


def suite_backend() -> str:
    """``sqlite`` or ``postgresql``: the database the suite runs on (HUYING_DATABASE_URL)."""
    from django.conf import settings

    engine = str(settings.DATABASES["default"]["ENGINE"])
    return "postgresql" if "postgresql" in engine else "sqlite"


def suite_pg() -> dict[str, Any]:
    """How to reach the suite's PostgreSQL server (its settings, not the test database's name)."""
    from django.conf import settings

    db = settings.DATABASES["default"]
    return {
        "host": db.get("HOST") or "127.0.0.1",
        "port": int(db.get("PORT") or 5432),
        "user": db.get("USER") or "postgres",
        "password": db.get("PASSWORD") or None,
    }


def pg_url(server: dict[str, Any], name: str) -> str:
    auth = server["user"] + (f":{server['password']}" if server["password"] else "")
    return f"postgresql://{auth}@{server['host']}:{server['port']}/{name}"


def pg_admin(server: dict[str, Any], sql: str) -> None:
    """Run one statement on the server's maintenance database (CREATE/DROP DATABASE)."""
    with psycopg.connect(
        host=server["host"],
        port=server["port"],
        user=server["user"],
        password=server["password"],
        dbname="postgres",
        autocommit=True,
        connect_timeout=10,
    ) as conn:
        conn.execute(sql)  # type: ignore[arg-type]


@dataclass
class Site:
    """A huying installation for child processes: a data directory and a database URL."""

    data_dir: Path
    url: str
    pg: dict[str, Any] | None = None
    pg_name: str = ""

    @property
    def env(self) -> dict[str, str]:
        env = {**os.environ, "HUYING_DATA_DIR": str(self.data_dir), "HUYING_DATABASE_URL": self.url}
        for name in ("HUYING_FEDERATION_KEY_FILE", "HUYING_SECRET_KEY", "HUYING_DEBUG"):
            env.pop(name, None)
        # One client sends hundreds of creates a minute here; the per-client limit would
        # answer 429, which is overload protection's business, not durability's.
        env["HUYING_RATE_LIMIT_API"] = "off"
        return env

    def manage(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run(  # noqa: S603
            [sys.executable, "manage.py", *args, "--skip-checks", "-v0"],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=180,
            check=check,
        )

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        """Read straight from the database file or server: what is really stored."""
        if self.pg is None:
            import sqlite3

            lite = sqlite3.connect(self.url.removeprefix("sqlite:///"), timeout=30)
            try:
                found = list(lite.execute(sql).fetchall())
                lite.commit()
                return found
            finally:
                lite.close()
        with psycopg.connect(
            host=self.pg["host"],
            port=self.pg["port"],
            user=self.pg["user"],
            password=self.pg["password"],
            dbname=self.pg_name,
            autocommit=True,
        ) as conn:
            cursor = conn.execute(sql)  # type: ignore[arg-type]
            return list(cursor.fetchall()) if cursor.description else []

    def api_key(self) -> str:
        return self.manage("issue_api_key", "durability", "--channel", "api").stdout.strip()


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """One migrated database per session; each test copies it (migrating takes seconds)."""
    base = tmp_path_factory.mktemp("durable-template")
    if suite_backend() == "sqlite":
        site = Site(data_dir=base / "var", url=f"sqlite:///{base / 'template.sqlite3'}")
        site.manage("migrate", "--noinput")
        yield site
        return
    server = suite_pg()
    name = f"huying_durable_tpl_{uuid.uuid4().hex[:10]}"
    pg_admin(server, f'CREATE DATABASE "{name}"')
    try:
        site = Site(data_dir=base / "var", url=pg_url(server, name), pg=server, pg_name=name)
        site.manage("migrate", "--noinput")
        yield site
    finally:
        pg_admin(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _new_site(tmp_path: Path, template: Site | None, label: str) -> Iterator[Site]:
    """A site under ``tmp_path/label``: a copy of the template, or an empty database."""
    data_dir = tmp_path / label / "var"
    data_dir.mkdir(parents=True)
    if suite_backend() == "sqlite":
        target = data_dir / "huying.sqlite3"
        if template is not None:
            source = template.url.removeprefix("sqlite:///")
            for suffix in ("", "-wal"):
                if Path(source + suffix).exists():
                    shutil.copyfile(source + suffix, str(target) + suffix)
        yield Site(data_dir=data_dir, url=f"sqlite:///{target}")
        return
    server = suite_pg()
    name = f"huying_{label}_{uuid.uuid4().hex[:10]}"
    clause = f' TEMPLATE "{template.pg_name}"' if template is not None else ""
    pg_admin(server, f'CREATE DATABASE "{name}"{clause}')
    try:
        yield Site(data_dir=data_dir, url=pg_url(server, name), pg=server, pg_name=name)
    finally:
        pg_admin(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def site(tmp_path: Path, migrated_template: Site) -> Iterator[Site]:
    """A fresh, migrated site of its own."""
    yield from _new_site(tmp_path, migrated_template, "durable")


@pytest.fixture
def empty_site(tmp_path: Path) -> Iterator[Site]:
    """A site with an empty database and data directory: where a backup is restored."""
    yield from _new_site(tmp_path, None, "restore")


class Gunicorn:
    """gunicorn serving huying as its own process group, so one signal reaches every worker."""

    def __init__(self, site: Site, port: int, log: Path) -> None:
        self.site = site
        self.port = port
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(  # noqa: S603
                [
                    str(GUNICORN),
                    "huying.wsgi",
                    "--bind",
                    f"127.0.0.1:{self.port}",
                    "--workers",
                    "2",
                    "--timeout",
                    "30",
                    "--graceful-timeout",
                    "2",
                    # Import once in the master and fork: starts in half the time, same app.
                    "--preload",
                    "--log-level",
                    "warning",
                ],
                cwd=ROOT,
                env=self.site.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"gunicorn exited at start:\n{self.log.read_text()[-3000:]}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", PATH)
                if conn.getresponse().status == 401:
                    conn.close()
                    return
            except OSError:
                pass
            time.sleep(0.1)
        pytest.fail(f"gunicorn did not answer on port {self.port}:\n{self.log.read_text()[-3000:]}")

    def kill(self) -> None:
        """SIGKILL the master and every worker at once: nothing gets to clean up."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        self.process = None

    def stop(self) -> None:
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        except ProcessLookupError:
            pass
        self.process = None


@pytest.fixture
def gunicorn_factory(tmp_path: Path) -> Iterator[Any]:
    started: list[Gunicorn] = []

    def make(site: Site, port: int) -> Gunicorn:
        server = Gunicorn(site, port, tmp_path / f"gunicorn-{port}.log")
        started.append(server)
        return server

    yield make
    for server in started:
        server.stop()


# --- The client ------------------------------------------------------------------------------


def request_bodies(count: int, seed: int) -> list[dict[str, Any]]:
    """Valid, varied bodies from the demo's phrasebook; ``external_ref`` is set per key."""
    from core.demo_text import COMMUNITIES, TEMPLATES, Place, person_name
    from core.reference_data import COUNTIES, street_code

    rng = Random(seed)
    places = [
        (street_code(code, index), county, street)
        for code, county, streets in COUNTIES
        for index, street in enumerate(streets)
    ]
    bodies = []
    for _ in range(count):
        category = rng.choice(sorted(TEMPLATES))
        division, county, street = rng.choice(places)
        summary, description, _answer = rng.choice(TEMPLATES[category]).fill(
            rng, Place(county=county, street=street, community=rng.choice(COMMUNITIES))
        )
        bodies.append(
            {
                "channel": "api",
                "category": category,
                "urgency": rng.choice(("critical", "urgent", "normal")),
                "summary": summary,
                "description": description,
                "division": division,
                "requester_name": person_name(rng),
                "requester_phone": f"139{rng.randrange(10**8):08d}",
            }
        )
    return bodies


@dataclass
class Outcome:
    """What the client learnt of one create: an HTTP status and number, or an error."""

    key: str
    status: int | None
    number: str
    error: str
    started: float
    ended: float


@dataclass
class Client:
    """Creates over keep-alive connections, each with its own Idempotency-Key and external_ref."""

    port: int
    api_key: str
    timeout: float = 10.0
    outcomes: list[Outcome] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def body_for(self, key: str, body: dict[str, Any]) -> bytes:
        # The key in the row's own data: "with its content" is checked against it.
        return json.dumps({**body, "external_ref": key}, ensure_ascii=False).encode()

    def send(
        self, conn: http.client.HTTPConnection | None, key: str, payload: bytes
    ) -> tuple[http.client.HTTPConnection | None, Outcome]:
        started = time.monotonic()
        if conn is None:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        current = conn
        try:
            conn.request(
                "POST",
                PATH,
                body=payload,
                headers={
                    "X-API-Key": self.api_key,
                    "Idempotency-Key": key,
                    "Content-Type": "application/json",
                    "Accept": "application/json",
                    "Accept-Language": "en",
                },
            )
            response = conn.getresponse()
            raw = response.read()
            number = ""
            if response.status in (200, 201):
                number = json.loads(raw)["number"]
            outcome = Outcome(
                key,
                response.status,
                number,
                "" if response.status in (200, 201) else raw[:300].decode(errors="replace"),
                started,
                time.monotonic(),
            )
            if response.getheader("Connection", "").lower() == "close":
                conn.close()
                conn = None
        except (OSError, http.client.HTTPException) as exc:
            outcome = Outcome(
                key, None, "", f"{type(exc).__name__}: {exc}", started, time.monotonic()
            )
            current.close()
            conn = None
        with self.lock:
            self.outcomes.append(outcome)
        return conn, outcome


def stream(
    client: Client,
    keys: list[str],
    payloads: dict[str, bytes],
    *,
    threads: int,
    stop: threading.Event,
    retry_after: float | None = None,
) -> tuple[list[threading.Thread], list[str]]:
    """Start ``threads`` senders taking the next key until the keys run out or ``stop``.

    With ``retry_after``, a sender that fails waits that long and sends the same key again,
    as an integration should. Returns the threads and the list (filled as they go) of keys
    whose send began: the keys that may have reached the server.
    """
    pending = iter(keys)
    tried: list[str] = []
    lock = threading.Lock()

    def send_all() -> None:
        conn: http.client.HTTPConnection | None = None
        while not stop.is_set():
            with lock:
                key = next(pending, None)
                if key is None:
                    break
                tried.append(key)
            conn, outcome = client.send(conn, key, payloads[key])
            while (
                retry_after is not None and outcome.status not in (200, 201) and not stop.is_set()
            ):
                time.sleep(retry_after)
                conn, outcome = client.send(conn, key, payloads[key])
        if conn is not None:
            conn.close()

    workers = [threading.Thread(target=send_all, daemon=True) for _ in range(threads)]
    for worker in workers:
        worker.start()
    return workers, tried


def resend_and_check(
    site: Site,
    port: int,
    api_key: str,
    acked: dict[str, str],
    tried: list[str],
    payloads: dict[str, bytes],
) -> dict[str, str]:
    """Send every tried create again, twice and concurrently; check nothing doubles.

    Each key must answer 200/201 with one number, an acknowledged key with its first number
    and never a second 201; every key is one row, the numbers are distinct. Returns key→number.
    """
    retry = Client(port=port, api_key=api_key)
    twice = [key for key in tried for _ in range(2)]
    # Both copies of a key in flight together exercise the race on the unique key.
    workers, _sent = stream(
        retry, twice, {k: payloads[k] for k in tried}, threads=6, stop=threading.Event()
    )
    for worker in workers:
        worker.join(timeout=120)
    failures = [o for o in retry.outcomes if o.status not in (200, 201)]
    assert not failures, failures[:5]
    numbers: dict[str, set[str]] = {}
    created: dict[str, int] = {}
    for outcome in retry.outcomes:
        numbers.setdefault(outcome.key, set()).add(outcome.number)
        created[outcome.key] = created.get(outcome.key, 0) + (outcome.status == 201)
    assert set(numbers) == set(tried)
    assert all(len(found) == 1 for found in numbers.values()), "a key answered two numbers"
    final = {key: found.pop() for key, found in numbers.items()}
    for key, number in acked.items():
        assert final[key] == number, f"{key}: acknowledged {number}, retry answered {final[key]}"
        assert created[key] == 0, f"{key} was acknowledged, yet a retry created it again"
    assert all(count <= 1 for count in created.values())
    assert len(set(final.values())) == len(final), "two keys share a number"

    rows = site.rows("SELECT number, external_ref FROM core_helprequest")
    assert len(rows) == len(set(tried)), "rows ≠ distinct keys that reached the server"
    assert sorted(rows) == sorted((number, key) for key, number in final.items())
    records = site.rows("SELECT count(*) FROM core_idempotencyrecord")
    assert records[0][0] == len(set(tried))
    return final
