"""Two real app processes share the board's messages through Redis.

Process A takes an Open311 request; a board stream open on process B must hear of it. The
time it took is written to ``test-results/board_two_process.json``: a figure to read, not a
limit to assert (the timeout is generous so that a loaded machine never fails the test).
"""

from __future__ import annotations

import http.client
import json
import os
import queue
import socket
import subprocess
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client

from accounts.models import ApiKey, Role, User
from core.models import Channel
from huying.server import gunicorn_command
from tests.conftest import PASSWORD, _test_database_url

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "test-results"
ARRIVAL_TIMEOUT = 20.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_until_serving(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the app process stopped: {log.read_text()[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"the app process did not start: {log.read_text()[-2000:]}")


@pytest.fixture
def two_processes(redis_url: str, tmp_path: Path) -> Iterator[tuple[int, int]]:
    env = {
        **os.environ,
        "HUYING_DATABASE_URL": _test_database_url(),
        "HUYING_REDIS_URL": redis_url,
        # The same secret key file, so a session made here is valid there.
        "HUYING_DATA_DIR": str(django_settings.DATA_DIR),
    }
    ports = (_free_port(), _free_port())
    processes = []
    try:
        for port in ports:
            log = tmp_path / f"server-{port}.log"
            process = subprocess.Popen(  # noqa: S603 - our own interpreter and manage.py
                # The server `serve` runs: the streams are asynchronous views.
                gunicorn_command(bind=f"127.0.0.1:{port}", workers=1),
                cwd=ROOT,
                env=env,
                stdout=log.open("wb"),
                stderr=subprocess.STDOUT,
            )
            processes.append(process)
            _wait_until_serving(port, process, log)
        yield ports
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


def _listen(port: int, session: str, heard: queue.Queue[tuple[float, str]]) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=ARRIVAL_TIMEOUT + 10)
    conn.request(
        "GET",
        "/board/events/",
        headers={
            "Cookie": f"{django_settings.SESSION_COOKIE_NAME}={session}",
            "Accept": "text/event-stream",
        },
    )
    response = conn.getresponse()
    heard.put((time.perf_counter(), f"status {response.status}"))
    try:
        while True:
            line = response.readline()
            if not line:
                return
            heard.put((time.perf_counter(), line.decode().rstrip("\n")))
    except OSError:
        return
    finally:
        conn.close()


def test_a_request_filed_on_one_process_reaches_a_board_on_another(two_processes) -> None:
    port_a, port_b = two_processes
    dispatcher = User.objects.create_user("dispatcher", password=PASSWORD, role=Role.DISPATCHER)
    client = Client()
    client.force_login(dispatcher)
    session = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    _key, secret = ApiKey.issue(name="Open311网关", channel=Channel.API)

    heard: queue.Queue[tuple[float, str]] = queue.Queue()
    threading.Thread(target=_listen, args=(port_b, session, heard), daemon=True).start()
    # The stream is open once its first line (the retry hint) arrived.
    _at, status = heard.get(timeout=30)
    assert status == "status 200"
    first = heard.get(timeout=30)[1]
    assert first.startswith("retry: ")

    form = urllib.parse.urlencode(
        {
            "api_key": secret,
            "service_code": "medical",
            "attribute[division]": "410811004",
            "address_string": "山阳区定和街道建设路12号院",
            "first_name": "娜",
            "last_name": "李",
            "phone": "13912345678",
            "description": "透析病人小区封控出不去，明天上午必须到医院。",
        }
    ).encode()
    sent = time.perf_counter()
    with urllib.request.urlopen(
        f"http://127.0.0.1:{port_a}/open311/v2/requests.json", data=form, timeout=30
    ) as answer:
        number = str(json.load(answer)[0]["service_request_id"])
    answered = time.perf_counter()

    deadline = time.monotonic() + ARRIVAL_TIMEOUT
    arrived = None
    while arrived is None and time.monotonic() < deadline:
        try:
            at, line = heard.get(timeout=max(0.01, deadline - time.monotonic()))
        except queue.Empty:
            break
        if line.startswith("data: ") and json.loads(line[6:])["number"] == number:
            arrived = at
    assert arrived is not None, f"process B's board never heard of {number}"

    figures = {
        "number": number,
        "seconds_from_post_to_board_b": round(arrived - sent, 4),
        "seconds_from_answer_to_board_b": round(arrived - answered, 4),
        "seconds_for_post_on_a": round(answered - sent, 4),
        "bus": "redis",
        "server": "gunicorn + uvicorn, one process ×2",
        "database": django_settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1],
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "board_two_process.json").write_text(json.dumps(figures, indent=1))
    print(json.dumps(figures))
