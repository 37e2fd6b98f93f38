"""Structured logs: JSON lines with the request id, echoed to the client, no personal data."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client

from accounts.models import Role, User
from huying.logs import JsonFormatter
from tests.conftest import PASSWORD
from tests.ops.conftest import Server

REQUEST_ID = "lb-7f3a9c21-0001"


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(JsonFormatter())
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def lines(settings: Any) -> Iterator[list[str]]:
    settings.HUYING_ACCESS_LOG = True
    handler = _Lines()
    logger = logging.getLogger("huying.request")
    logger.addHandler(handler)
    try:
        yield handler.lines
    finally:
        logger.removeHandler(handler)


@pytest.mark.django_db
def test_a_valid_incoming_request_id_is_kept_and_logged(client: Client, lines: list[str]) -> None:
    response = client.get("/track/", headers={"X-Request-ID": REQUEST_ID})
    assert response["X-Request-ID"] == REQUEST_ID
    entry = json.loads(lines[-1])
    assert entry["request_id"] == REQUEST_ID
    assert entry["logger"] == "huying.request"
    assert entry["level"] == "INFO"
    assert entry["path"] == "/track/"
    assert entry["status"] == 200
    assert entry["method"] == "GET"
    assert entry["duration_ms"] >= 0
    assert entry["user_id"] is None
    assert entry["time"].endswith("+00:00")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "incoming",
    [
        "short",
        "has space in it",
        'quote"injection-000',
        "x" * 200,
        "line\nbreak-0000",
        "中文请求编号一二三四",
    ],
)
def test_a_bad_incoming_request_id_is_replaced(
    client: Client, lines: list[str], incoming: str
) -> None:
    response = client.get("/track/", headers={"X-Request-ID": incoming})
    generated = response["X-Request-ID"]
    assert generated != incoming
    assert len(generated) == 32
    assert json.loads(lines[-1])["request_id"] == generated


@pytest.mark.django_db
def test_each_request_gets_its_own_id(client: Client) -> None:
    ids = {client.get("/healthz")["X-Request-ID"] for _ in range(3)}
    assert len(ids) == 3


@pytest.mark.django_db
def test_the_signed_in_user_is_logged_by_id_only(client: Client, lines: list[str]) -> None:
    citizen = User.objects.create_user("13812341234", password=PASSWORD, role=Role.CITIZEN)
    client.force_login(citizen)
    client.get("/app/")
    entry = json.loads(lines[-1])
    assert entry["user_id"] == citizen.pk
    assert "13812341234" not in lines[-1]


def test_a_log_call_outside_a_request_has_no_request_fields() -> None:
    record = logging.LogRecord("huying.test", logging.WARNING, __file__, 1, "%s left", ("3",), None)
    entry = json.loads(JsonFormatter().format(record))
    assert entry == {
        "time": entry["time"],
        "level": "WARNING",
        "logger": "huying.test",
        "message": "3 left",
    }


@pytest.mark.django_db(transaction=True)
def test_a_json_server_writes_only_json_lines(gunicorn: Callable[..., Server]) -> None:
    dispatcher = User.objects.create_user("dispatcher", password=PASSWORD, role=Role.DISPATCHER)
    staff = Client()
    staff.force_login(dispatcher)
    cookie = f"{django_settings.SESSION_COOKIE_NAME}={staff.cookies[django_settings.SESSION_COOKIE_NAME].value}"
    server = gunicorn(env={"HUYING_LOG_FORMAT": "json"})
    status, headers, _body = server.get("/track/", {"X-Request-ID": REQUEST_ID})
    assert status == 200
    assert headers["X-Request-ID"] == REQUEST_ID
    assert server.get("/console/requests/", {"Cookie": cookie})[0] == 200
    server.process.terminate()
    server.process.wait(timeout=30)

    entries = [json.loads(line) for line in server.log.read_text().splitlines() if line.strip()]
    requests = [entry for entry in entries if entry["logger"] == "huying.request"]
    assert [(entry["path"], entry["status"]) for entry in requests[-2:]] == [
        ("/track/", 200),
        ("/console/requests/", 200),
    ]
    assert requests[-2]["request_id"] == REQUEST_ID
    assert requests[-1]["user_id"] == dispatcher.pk
    assert any(entry["logger"] == "gunicorn.error" for entry in entries)
