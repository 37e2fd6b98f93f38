"""``manage.py serve --production``: its refusals, and a real start that becomes ready."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from core.management.commands.serve import MAX_DEFAULT_WORKERS, default_workers
from tests.conftest import _test_database_url, free_port
from tests.ops.conftest import ROOT


@pytest.fixture
def production_env(monkeypatch: pytest.MonkeyPatch, settings: Any) -> None:
    settings.DEBUG = False
    monkeypatch.setenv("HUYING_ALLOWED_HOSTS", "huying.example.org")


def _refusal(*args: str) -> str:
    with pytest.raises(CommandError) as refused:
        call_command("serve", "--production", *args)
    return str(refused.value)


@pytest.mark.django_db
def test_production_refuses_debug(production_env: None, settings: Any) -> None:
    settings.DEBUG = True
    message = _refusal("--allow-sqlite")
    assert "HUYING_DEBUG" in message
    assert "SQLite" not in message


@pytest.mark.django_db
def test_production_refuses_unset_allowed_hosts(
    production_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("HUYING_ALLOWED_HOSTS")
    assert "HUYING_ALLOWED_HOSTS is not set" in _refusal("--allow-sqlite")


@pytest.mark.django_db
def test_production_refuses_sqlite_unless_allowed(production_env: None, settings: Any) -> None:
    if not settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        pytest.skip("runs on SQLite only")
    message = _refusal()
    assert "SQLite" in message
    assert "--allow-sqlite" in message


@pytest.mark.django_db
def test_every_refusal_is_listed_at_once(
    production_env: None, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.DEBUG = True
    monkeypatch.delenv("HUYING_ALLOWED_HOSTS")
    message = _refusal()
    assert "HUYING_DEBUG" in message
    assert "HUYING_ALLOWED_HOSTS" in message


@pytest.mark.django_db
@pytest.mark.parametrize(
    "args",
    [("--workers", "0", "--task-workers", "0"), ("--workers", "-1"), ("--threads", "0")],
)
def test_impossible_process_counts_are_refused(args: tuple[str, ...]) -> None:
    with pytest.raises(CommandError):
        call_command("serve", *args)


def test_default_workers_follow_the_cores_and_are_capped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    assert default_workers() == 5
    monkeypatch.setattr(os, "cpu_count", lambda: 64)
    assert default_workers() == MAX_DEFAULT_WORKERS


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@pytest.mark.django_db(transaction=True)
def test_production_start_runs_web_and_worker_until_ready(tmp_path: Path) -> None:
    port = free_port()
    data = tmp_path / "data"
    log = tmp_path / "serve.log"
    env = {
        **os.environ,
        "HUYING_DATABASE_URL": _test_database_url(),
        "HUYING_DATA_DIR": str(data),
        "HUYING_ALLOWED_HOSTS": "127.0.0.1",
        "HUYING_DEBUG": "off",
    }
    stale = data / "prometheus" / "counter_999999.db"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"left by an earlier run")
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and manage.py
        [
            sys.executable,
            "manage.py",
            "serve",
            "--production",
            "--allow-sqlite",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--task-workers",
            "1",
        ],
        cwd=ROOT,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        # The sweep queued at start is run by the worker: then the instance is ready.
        deadline = time.monotonic() + 90
        status, body = 0, b""
        while time.monotonic() < deadline and status != 200:
            assert process.poll() is None, log.read_text()[-3000:]
            with contextlib.suppress(OSError):
                status, body = _get(f"http://127.0.0.1:{port}/readyz")
            time.sleep(0.3)
        assert status == 200, log.read_text()[-3000:]
        assert json.loads(body)["worker"] == "ok"
        assert not stale.exists()
        status, metrics = _get(f"http://127.0.0.1:{port}/metrics")
        assert status == 200
        assert b"huying_http_requests_total" in metrics
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            raise
    assert process.returncode == 0, log.read_text()[-3000:]
