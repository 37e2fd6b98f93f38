"""Load shedding on a real gunicorn: one worker, two threads, one of them kept for staff.

A slow public request takes the one thread public requests may use; the next public or API
request is answered 503 at once (while the slow one is still running, so it did not wait
for a thread), and a signed-in staff page is still served.
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


def _wait_for(path: Path, server: Server) -> None:
    deadline = time.monotonic() + 30
    while not path.exists():
        assert time.monotonic() < deadline, server.log.read_text()[-2000:]
        time.sleep(0.02)


def test_public_requests_are_shed_while_staff_pages_answer(
    gunicorn: Callable[..., Server], tmp_path: Path
) -> None:
    dispatcher = User.objects.create_user("dispatcher", password=PASSWORD, role=Role.DISPATCHER)
    staff = Client()
    staff.force_login(dispatcher)
    cookie = f"{django_settings.SESSION_COOKIE_NAME}={staff.cookies[django_settings.SESSION_COOKIE_NAME].value}"
    release = tmp_path / "release"
    server = gunicorn(
        workers=1,
        threads=2,
        env={"HUYING_TEST_RELEASE_FILE": str(release), "HUYING_RATE_LIMIT_PUBLIC": "off"},
    )
    assert server.get("/track/")[0] == 200  # nothing in flight: served

    answers: list[tuple[int, bytes]] = []

    def slow() -> None:
        status, _headers, body = server.get("/app/_test/slow")
        answers.append((status, body))

    holder = threading.Thread(target=slow, daemon=True)
    holder.start()
    try:
        _wait_for(release.with_suffix(".started"), server)

        status, headers, body = server.get("/track/", {"Accept-Language": "en"})
        assert status == 503
        assert headers["Retry-After"] == "2"
        assert b"very busy" in body
        status, headers, body = server.get("/api/v1/categories")
        assert status == 503
        assert json.loads(body)["code"] == "unavailable"
        assert server.get("/open311/v2/services.json")[0] == 503

        # The thread kept back serves the command hall, and the probes.
        status, _headers, body = server.get("/console/requests/", {"Cookie": cookie})
        assert status == 200, body[:300]
        assert server.get("/healthz")[0] == 200
        status, _headers, metrics = server.get("/metrics")
        assert status == 200
        assert b'huying_http_shed_total{reason="busy"} 3.0' in metrics

        # All of that was answered while the slow request still held its thread.
        assert holder.is_alive()
        assert answers == []
    finally:
        release.touch()
        holder.join(timeout=30)
    assert answers == [(200, b"slow done")]
    assert server.get("/track/")[0] == 200  # the slot is free again
