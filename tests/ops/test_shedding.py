"""Load shedding by waiting time, on a real server (one process, two threads, one kept for staff).

A slow public request holds the one thread public requests may use. The next public request
waits in line for it: when the slow one finishes within the waiting budget, the waiting one
is served, not refused. Only when it would wait past the budget is it answered 503, and a
signed-in staff page is served meanwhile on the thread kept back.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client

from accounts.models import Role, User
from tests.conftest import PASSWORD
from tests.ops.conftest import Server

pytestmark = pytest.mark.django_db(transaction=True)


def _wait_for(condition: Callable[[], bool], server: Server) -> None:
    deadline = time.monotonic() + 30
    while not condition():
        assert time.monotonic() < deadline, server.log.read_text()[-2000:]
        time.sleep(0.02)


def _staff_cookie() -> str:
    dispatcher = User.objects.create_user("dispatcher", password=PASSWORD, role=Role.DISPATCHER)
    staff = Client()
    staff.force_login(dispatcher)
    name = django_settings.SESSION_COOKIE_NAME
    return f"{name}={staff.cookies[name].value}"


def _metric(server: Server, line_start: str) -> float:
    _status, _headers, body = server.get("/metrics")
    for line in body.decode().splitlines():
        if line.startswith(line_start):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def _one_process_two_threads(
    gunicorn: Callable[..., Server], release: Path, *, budget_ms: int
) -> Server:
    """A server whose public requests may use one thread (the other is kept for staff)."""
    return gunicorn(
        threads=2,
        env={
            "HUYING_TEST_RELEASE_FILE": str(release),
            "HUYING_RATE_LIMIT_PUBLIC": "off",
            "HUYING_WAIT_BUDGET_MS": str(budget_ms),
        },
    )


class Slow:
    """A public request that holds its thread until released."""

    def __init__(self, server: Server, release: Path) -> None:
        self.release = release
        self.answers: list[tuple[int, bytes]] = []
        self.thread = threading.Thread(target=self._run, args=(server,), daemon=True)
        self.thread.start()
        _wait_for(release.with_suffix(".started").exists, server)

    def _run(self, server: Server) -> None:
        deadline = time.monotonic() + 30
        while True:
            status, _headers, body = server.get("/app/_test/slow")
            # With a budget of no wait at all, the thread the last request gave back a moment
            # ago may not be free yet: that refusal is not what a test here is about.
            if status != 503 or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        self.answers.append((status, body))

    def finish(self) -> None:
        self.release.touch()
        self.thread.join(timeout=30)


def test_a_request_waits_for_a_thread_and_is_served_not_refused(
    gunicorn: Callable[..., Server], tmp_path: Path
) -> None:
    release = tmp_path / "release"
    server = _one_process_two_threads(gunicorn, release, budget_ms=20000)
    slow = Slow(server, release)
    answers: list[int] = []
    waiting = threading.Thread(target=lambda: answers.append(server.get("/track/")[0]), daemon=True)
    waiting.start()
    try:
        # It is in line, not refused: the slow request still holds the thread.
        _wait_for(lambda: _metric(server, "huying_http_requests_waiting") == 1, server)
        assert answers == []
    finally:
        slow.finish()
    waiting.join(timeout=30)
    assert answers == [200]
    assert slow.answers == [(200, b"slow done")]
    assert _metric(server, 'huying_http_shed_total{reason="busy"}') == 0


def test_past_the_budget_public_requests_are_refused_while_staff_pages_answer(
    gunicorn: Callable[..., Server], tmp_path: Path
) -> None:
    cookie = _staff_cookie()
    release = tmp_path / "release"
    server = _one_process_two_threads(gunicorn, release, budget_ms=300)
    assert server.get("/track/")[0] == 200  # nothing in flight: served
    slow = Slow(server, release)
    try:
        started = time.monotonic()
        status, headers, body = server.get("/track/", {"Accept-Language": "en"})
        assert status == 503, body
        assert "Retry-After" in headers, (headers, body)
        assert int(headers["Retry-After"]) >= 1
        assert b"very busy" in body
        status, headers, body = server.get("/api/v1/categories")
        assert status == 503
        assert json.loads(body)["code"] == "unavailable"
        assert server.get("/open311/v2/services.json")[0] == 503
        # Refused after waiting about the budget, not after a client's time-out.
        assert time.monotonic() - started < 10

        # The thread kept back serves the command hall, and the probes take none.
        status, _headers, body = server.get("/console/requests/", {"Cookie": cookie})
        assert status == 200, body[:300]
        assert server.get("/healthz")[0] == 200
        assert _metric(server, 'huying_http_shed_total{reason="busy"}') == 3

        # All of that was answered while the slow request still held its thread.
        assert slow.thread.is_alive()
        assert slow.answers == []
    finally:
        slow.finish()
    assert slow.answers == [(200, b"slow done")]
    assert server.get("/track/")[0] == 200  # the thread is free again


def test_a_long_line_is_refused_at_once_rather_than_after_the_budget(
    gunicorn: Callable[..., Server], tmp_path: Path
) -> None:
    release = tmp_path / "release"
    # Shorter than the time one request has been seen to take: nobody can wait.
    server = _one_process_two_threads(gunicorn, release, budget_ms=1)
    # The gate learns what a request takes. (The next one may be refused already: a thread is
    # given back only after its response was sent, and no wait at all is allowed here.)
    assert server.get("/track/")[0] == 200
    for _ in range(4):
        assert server.get("/track/")[0] in (200, 503)
    slow = Slow(server, release)
    try:
        started = time.monotonic()
        status, headers, _body = server.get("/track/")
        assert status == 503 and "Retry-After" in headers
        assert time.monotonic() - started < 5
    finally:
        slow.finish()
