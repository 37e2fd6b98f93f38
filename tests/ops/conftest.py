"""Real servers (gunicorn with uvicorn workers, as `serve` runs them) for the overload and
metrics tests, each on a port the kernel picks."""

from __future__ import annotations

import os
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.utils.datastructures import CaseInsensitiveMapping

from huying.server import gunicorn_command
from tests.conftest import _test_database_url, free_port

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Server:
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def get(
        self, path: str, headers: dict[str, str] | None = None, timeout: float = 30
    ) -> tuple[int, CaseInsensitiveMapping[str], bytes]:
        """Status, headers and body of a GET; an error status is an answer, not an exception.

        Header names are matched whatever their case: the server sends them in lower case.
        """
        request = urllib.request.Request(self.url + path, headers=headers or {})  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
                return (
                    response.status,
                    CaseInsensitiveMapping(dict(response.headers)),
                    response.read(),
                )
        except urllib.error.HTTPError as error:
            return error.code, CaseInsensitiveMapping(dict(error.headers)), error.read()


def _wait_until_serving(server: Server) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise AssertionError(f"gunicorn stopped: {server.log.read_text()[-3000:]}")
        try:
            status, _headers, _body = server.get("/healthz", timeout=2)
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"gunicorn did not start: {server.log.read_text()[-3000:]}")


@pytest.fixture
def gunicorn(tmp_path: Path) -> Iterator[Callable[..., Server]]:
    """Start gunicorn on the test database with the project's config file; stop it after."""
    started: list[Server] = []

    def start(*, workers: int = 1, threads: int = 2, env: dict[str, str] | None = None) -> Server:
        port = free_port()
        log = tmp_path / f"gunicorn-{port}.log"
        environment = {
            **os.environ,
            "HUYING_DATABASE_URL": _test_database_url(),
            # The same data directory, so sessions made here are valid there.
            "HUYING_DATA_DIR": str(django_settings.DATA_DIR),
            "DJANGO_SETTINGS_MODULE": "tests.ops.settings",
            **(env or {}),
        }
        environment["HUYING_WEB_THREADS"] = str(threads)
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and gunicorn
            gunicorn_command(bind=f"127.0.0.1:{port}", workers=workers),
            cwd=ROOT,
            env=environment,
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
        )
        server = Server(port, process, log)
        started.append(server)
        _wait_until_serving(server)
        return server

    yield start
    for server in started:
        server.process.terminate()
    for server in started:
        try:
            server.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.process.kill()
