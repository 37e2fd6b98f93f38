"""PostgreSQL restarting under load: errors only while it is down, then it recovers by itself.

A private cluster (initdb into a temporary directory, on a free port) is restarted, never the
shared server the suite runs on. Runs in the PostgreSQL pass of the suite; needs the server
programs (initdb, pg_ctl), and in CI (CI=true or HUYING_REQUIRE_POSTGRES=1) fails without them.
"""

from __future__ import annotations

import contextlib
import json
import os
import pwd
import shutil
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from lib.backup import pg_program
from tests.conftest import free_port
from tests.durability.conftest import (
    Client,
    Site,
    request_bodies,
    resend_and_check,
    stream,
    suite_backend,
)

# How long after PostgreSQL is back a create may still fail (gunicorn's workers find their
# old connection dead at the next request's health check and open a new one).
RECOVERY_SECONDS = 5.0
DOWN_SECONDS = 2.0


def _missing(message: str) -> None:
    if os.environ.get("CI", "").lower() == "true" or os.environ.get("HUYING_REQUIRE_POSTGRES"):
        pytest.fail(message)
    pytest.skip(message)


def _server_bin() -> Path:
    """The directory holding initdb and pg_ctl: next to pg_ctl on PATH, or the newest package."""
    candidates: list[Path] = []
    on_path = shutil.which("pg_ctl")
    if on_path:
        candidates.append(Path(on_path).parent)
    candidates += sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
        reverse=True,
    )
    for directory in candidates:
        if (directory / "initdb").is_file() and (directory / "pg_ctl").is_file():
            return directory
    _missing("PostgreSQL's server programs (initdb, pg_ctl) are not installed.")
    raise AssertionError  # unreachable: _missing skips or fails


class Cluster:
    """A throw-away PostgreSQL cluster; as root, run as the postgres user (initdb insists)."""

    def __init__(self, bindir: Path, root: Path, as_postgres: bool) -> None:
        self.bindir = bindir
        self.data = root / "data"
        self.log = root / "postgresql.log"
        self.sockets = root / "sockets"
        self.prefix = ["runuser", "-u", "postgres", "--"] if as_postgres else []
        self.port = free_port()

    def run(self, program: str, *args: str) -> None:
        subprocess.run(  # noqa: S603
            [*self.prefix, str(self.bindir / program), *args],
            check=True,
            capture_output=True,
            text=True,
            timeout=120,
        )

    def init(self) -> None:
        self.sockets.mkdir()
        if self.prefix:
            shutil.chown(self.sockets, user="postgres")
        # --no-sync: only initdb's own final sync is skipped; the server runs with fsync on.
        self.run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C",
            "--no-sync",
        )

    def start(self) -> None:
        self.run(
            "pg_ctl",
            "start",
            "-w",
            "-t",
            "60",
            "-D",
            str(self.data),
            "-l",
            str(self.log),
            "-o",
            f"-p {self.port} -k {self.sockets} -c listen_addresses=127.0.0.1 -c fsync=on",
        )

    def stop(self, mode: str = "fast") -> None:
        self.run("pg_ctl", "stop", "-w", "-t", "60", "-D", str(self.data), "-m", mode)


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    if suite_backend() != "postgresql":
        pytest.skip(
            "restarts PostgreSQL: runs in the PostgreSQL pass of the suite "
            "(HUYING_DATABASE_URL=postgresql://…), not on SQLite"
        )
    bindir = _server_bin()
    as_root = os.geteuid() == 0
    if as_root:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            _missing("Running as root, but there is no postgres user to run initdb as.")
    # Not under pytest's tmp_path: that is private to root, and the postgres user must
    # reach its data directory.
    root = Path(tempfile.mkdtemp(prefix="huying-pg-"))
    if as_root:
        shutil.chown(root, user="postgres", group="postgres")
    server = Cluster(bindir, root, as_root)
    try:
        server.init()
        server.start()
        yield server
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):  # stopped, or never started
            server.stop("immediate")
        shutil.rmtree(root, ignore_errors=True)


def _copy_schema(template: Site, target: Site, port: int) -> None:
    """The migrated template's schema and data into the private cluster.

    Migrating there from scratch takes many seconds; the session's template was migrated by
    ``manage.py migrate`` already, and ``migrate`` below checks that nothing is left to do.
    """
    assert template.pg is not None and target.pg is not None
    dump = subprocess.run(  # noqa: S603
        [
            pg_program("pg_dump"),
            "--format=custom",
            "--no-owner",
            "--host",
            template.pg["host"],
            "--port",
            str(template.pg["port"]),
            "--username",
            template.pg["user"],
            "--dbname",
            template.pg_name,
        ],
        check=True,
        capture_output=True,
        timeout=120,
        env={
            **os.environ,
            **({"PGPASSWORD": template.pg["password"]} if template.pg["password"] else {}),
        },
    )
    subprocess.run(  # noqa: S603
        [
            pg_program("pg_restore"),
            "--no-owner",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--username",
            "postgres",
            "--dbname",
            target.pg_name,
        ],
        input=dump.stdout,
        check=True,
        capture_output=True,
        timeout=120,
    )


@pytest.mark.serial
def test_restarting_postgres_under_load_fails_only_while_down(
    cluster: Cluster, tmp_path: Path, gunicorn_factory: Any, request: pytest.FixtureRequest
) -> None:
    # Asked for here, not as an argument: a session fixture would be set up before the
    # cluster fixture's skip on SQLite.
    migrated_template: Site = request.getfixturevalue("migrated_template")
    with psycopg.connect(
        host="127.0.0.1", port=cluster.port, user="postgres", dbname="postgres", autocommit=True
    ) as conn:
        conn.execute("CREATE DATABASE huying")
    server_info = {"host": "127.0.0.1", "port": cluster.port, "user": "postgres", "password": None}
    data_dir = tmp_path / "var"
    data_dir.mkdir()
    site = Site(
        data_dir=data_dir,
        url=f"postgresql://postgres@127.0.0.1:{cluster.port}/huying",
        pg=server_info,
        pg_name="huying",
    )
    _copy_schema(migrated_template, site, cluster.port)
    site.manage("migrate", "--noinput")
    api_key = site.api_key()
    http_port = free_port()
    gunicorn = gunicorn_factory(site, http_port)
    gunicorn.start()

    client = Client(port=http_port, api_key=api_key, timeout=15.0)
    keys = [f"pg-{uuid.uuid4().hex}" for _ in range(1000)]
    bodies = request_bodies(200, seed=55)
    payloads = {key: client.body_for(key, bodies[i % len(bodies)]) for i, key in enumerate(keys)}
    stop = threading.Event()
    workers, tried = stream(client, keys, payloads, threads=4, stop=stop, retry_after=0.1)

    def acked_since(moment: float) -> int:
        return sum(o.status == 201 and o.started >= moment for o in list(client.outcomes))

    def wait_for(count: int, since: float, limit: float) -> None:
        deadline = time.monotonic() + limit
        while acked_since(since) < count:
            if time.monotonic() > deadline:
                stop.set()
                pytest.fail(f"no recovery: last outcomes {client.outcomes[-5:]}")
            time.sleep(0.02)

    wait_for(20, 0.0, 60)
    stopping = time.monotonic()
    cluster.stop("fast")
    time.sleep(DOWN_SECONDS)
    cluster.start()
    started = time.monotonic()
    # Recovers by itself: 201s again after the window, with the same gunicorn.
    wait_for(20, started + RECOVERY_SECONDS, 60)
    stop.set()
    for worker in workers:
        worker.join(timeout=30)

    outcomes = list(client.outcomes)
    failures = [o for o in outcomes if o.status not in (200, 201)]
    assert failures, "PostgreSQL was down for seconds, yet no create failed: was it restarted?"
    for failure in failures:
        # When it failed, not when it was sent: under load a create sent a while before the
        # stop may still be running when PostgreSQL goes.
        assert stopping - 1.0 <= failure.ended <= started + RECOVERY_SECONDS, (
            f"a create failed outside the downtime: {failure} "
            f"(stop at {stopping:.2f}, up at {started:.2f})"
        )
        # Clean: a 503 saying so, or a refused/reset connection — never a hang or a 500 page.
        if failure.status is None:
            assert "timed out" not in failure.error, failure
        else:
            assert failure.status == 503, failure
    after = [o for o in outcomes if o.started > started + RECOVERY_SECONDS]
    assert after and all(o.status in (200, 201) for o in after)

    # A retry answered 200 was committed by an earlier attempt whose answer was lost.
    acked = {o.key: o.number for o in outcomes if o.status in (200, 201)}
    resend_and_check(site, http_port, api_key, acked, tried, payloads)
    print(
        json.dumps(
            {
                "creates": len(outcomes),
                "acknowledged": len(acked),
                "failures": sorted({str(o.status or o.error.split(":")[0]) for o in failures}),
                "failed": len(failures),
                "down_seconds": round(started - stopping, 2),
                "last_failure_after_start_s": round(max(o.ended for o in failures) - started, 2),
            }
        )
    )
