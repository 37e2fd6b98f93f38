"""The live streams: who may listen, what they hear, and how they catch up.

The board's stream (/board/events/) tells the roles that see everything what changed; the
console's (/console/events/) tells every console user, a group member only that something
changed; the leadership dashboard's (/reports/dashboard/events/) tells the report readers.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from django.db import connection, transaction

from accounts.models import User
from board import bus
from core.access import Actor
from core.models import HelpRequest, Urgency
from core.services import request_dispatch
from live import hub
from tests.live.conftest import listen

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("path", "persona", "status"),
    [
        ("/board/events/", "dispatcher", 200),
        ("/board/events/", "operator", 200),
        ("/board/events/", "member_a", 403),
        ("/board/events/", "citizen", 403),
        ("/console/events/", "member_a", 200),
        ("/console/events/", "leader_a", 200),
        ("/console/events/", "commander", 200),
        ("/console/events/", "citizen", 403),
        ("/reports/dashboard/events/", "commander", 200),
        ("/reports/dashboard/events/", "member_a", 403),
    ],
)
def test_each_stream_lets_in_only_its_audience(
    request: pytest.FixtureRequest, path: str, persona: str, status: int
) -> None:
    heard = listen(request.getfixturevalue(persona), path, changes=0)
    assert heard.status == status
    if status == 200:
        assert heard.headers["Content-Type"] == "text/event-stream"
        assert heard.headers["Cache-Control"] == "no-cache"
        assert heard.headers["X-Accel-Buffering"] == "no"
        assert heard.chunks[0].startswith("retry: ")


@pytest.mark.parametrize("path", ["/board/events/", "/console/events/"])
def test_anonymous_visitors_are_sent_to_the_console_login(path: str) -> None:
    heard = listen(None, path, changes=0)
    assert heard.status == 302
    assert heard.headers["Location"].startswith("/console/login/")


def test_a_reconnecting_browser_catches_up_from_its_last_event_id(
    dispatcher: User, make_request: Callable[..., HelpRequest]
) -> None:
    first = make_request()
    second = make_request(urgency=Urgency.CRITICAL)
    seen = first.events.order_by("id").last()
    assert seen is not None
    heard = listen(dispatcher, headers={"Last-Event-ID": str(seen.pk)})
    change = heard.changes[0]
    assert change == {
        "id": change["id"],
        "number": second.number,
        "kind": "created",
        "urgency": "critical",
        "status": "received",
        "stream": "request",
        "sse_id": f"{change['id']}.{bus.latest_filing_event_id()}",
    }
    # Only what changed: nothing about the person.
    assert "张丽" not in json.dumps(change, ensure_ascii=False)
    assert "13812341234" not in json.dumps(change)


def test_a_group_member_hears_only_that_something_changed(
    member_a: User, dispatcher: User, make_request: Callable[..., HelpRequest]
) -> None:
    first = make_request()
    make_request(urgency=Urgency.CRITICAL)
    seen = first.events.order_by("id").last()
    assert seen is not None
    heard = listen(member_a, "/console/events/", headers={"Last-Event-ID": str(seen.pk)})
    assert [set(change) for change in heard.changes] == [{"stream", "sse_id"}]
    # The dispatcher's console is told as the board is.
    heard = listen(dispatcher, "/console/events/", headers={"Last-Event-ID": str(seen.pk)})
    assert heard.changes[0]["urgency"] == "critical"


def test_the_stream_sends_heartbeats_and_ends_by_itself(
    dispatcher: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    from live import views

    monkeypatch.setattr(views, "STREAM_SECONDS", 0.5)
    monkeypatch.setattr(views, "HEARTBEAT_SECONDS", 0.1)
    heard = listen(dispatcher, changes=1, seconds=5)
    assert heard.ended
    assert ": heartbeat\n\n" in heard.chunks


@pytest.mark.django_db(transaction=True)
def test_a_request_filed_while_the_board_is_open_reaches_it_from_the_database(
    dispatcher: User, make_request: Callable[..., HelpRequest]
) -> None:
    # No Redis: the process's hub reads the newest events, and every open stream hears them.
    filed: list[HelpRequest] = []
    heard = listen(dispatcher, during=lambda: filed.append(make_request(urgency="critical")))
    assert heard.changes[0]["number"] == filed[0].number
    assert heard.changes[0]["kind"] == "created"


@pytest.mark.django_db(transaction=True)
def test_a_dispatch_reaches_the_console_of_the_group_it_went_to(
    dispatcher: User, member_a: User, group_a: Any, make_request: Callable[..., HelpRequest]
) -> None:
    waiting = make_request()
    heard = listen(
        member_a,
        "/console/events/",
        during=lambda: request_dispatch(waiting, actor=Actor(user=dispatcher), group=group_a),
    )
    assert heard.changes == [{"stream": "request", "sse_id": heard.changes[0]["sse_id"]}]


def test_the_stream_hears_redis_when_it_is_configured(
    dispatcher: User,
    make_request: Callable[..., HelpRequest],
    redis_url: str,
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.HUYING_REDIS_URL = redis_url
    monkeypatch.setattr(bus, "channel_name", lambda: "huying:test:stream:" + str(id(settings)))
    filed: list[HelpRequest] = []

    def file() -> None:
        # Published when it commits, heard by the hub from Redis (the test's own transaction
        # is never committed, so the database alone would never show it to the hub).
        with django_capture_on_commit_callbacks(execute=True):
            filed.append(make_request(urgency=Urgency.CRITICAL))

    heard = listen(dispatcher, during=file)
    assert heard.changes[0]["number"] == filed[0].number


@pytest.mark.django_db(transaction=True)
def test_a_stream_reads_the_database_when_redis_is_down(
    dispatcher: User, make_request: Callable[..., HelpRequest], settings: Any
) -> None:
    settings.HUYING_REDIS_URL = "redis://127.0.0.1:1/0"
    filed: list[HelpRequest] = []
    heard = listen(dispatcher, during=lambda: filed.append(make_request()))
    assert heard.changes[0]["number"] == filed[0].number


def _change(n: int) -> bus.Change:
    return bus.Change(id=n, number=f"20220114-{n:04d}", kind="created", urgency="u", status="s")


def test_a_stream_that_falls_behind_ends_and_its_browser_catches_up(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(hub, "QUEUE_SIZE", 2)

    async def scenario() -> None:
        listener = hub.Listener()
        for n in range(3):
            listener.put([_change(n + 1)])
        # Behind by more than its queue holds: the next read says so, and the stream ends.
        with pytest.raises(hub.Overflow):
            await listener.next(0.1)

    async_to_sync(scenario)()


def test_changes_that_come_together_reach_a_stream_together() -> None:
    async def scenario() -> list[list[int]]:
        the_hub = hub.Hub()
        listener = hub.Listener()
        the_hub.listeners.add(listener)
        for n in (1, 2, 3):
            the_hub.broadcast(_change(n))
        first = await listener.next(5)
        the_hub.broadcast(_change(4))
        second = await listener.next(5)
        return [[c.id for c in first], [c.id for c in second]]

    # One wake-up and one write for the burst of three; the next change comes on its own.
    assert async_to_sync(scenario)() == [[1, 2, 3], [4]]


def test_nothing_heard_within_the_timeout_is_an_empty_list() -> None:
    assert async_to_sync(hub.Listener().next)(0.05) == []


def test_a_change_heard_twice_is_passed_on_once() -> None:
    async def scenario() -> list[int]:
        the_hub = hub.Hub()
        listener = hub.Listener()
        the_hub.listeners.add(listener)
        for n in (1, 2, 1):
            the_hub.broadcast(_change(n))
        return [c.id for c in await listener.next(5)]

    assert async_to_sync(scenario)() == [1, 2]


def test_a_change_with_a_lower_id_than_the_last_sent_still_reaches_the_stream(
    dispatcher: User,
    make_request: Callable[..., HelpRequest],
    redis_url: str,
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Ids are taken at insert, seen at commit: a transaction that commits late publishes an
    # id below one the stream already sent.
    settings.HUYING_REDIS_URL = redis_url
    channel = "huying:test:late:" + str(id(settings))
    monkeypatch.setattr(bus, "channel_name", lambda: channel)
    newest = bus.latest_event_id()

    def publish_newer_then_older() -> None:
        bus.publish(_change(newest + 2), url=redis_url, channel=channel)
        bus.publish(_change(newest + 1), url=redis_url, channel=channel)

    heard = listen(dispatcher, during=publish_newer_then_older, changes=2)
    assert [change["id"] for change in heard.changes] == [newest + 2, newest + 1]


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite's writers take turns from BEGIN: ids are always seen in commit order",
)
@pytest.mark.django_db(transaction=True)
def test_a_step_that_commits_after_a_newer_one_reaches_the_stream_from_the_database(
    dispatcher: User, group_a: Any, make_request: Callable[..., HelpRequest]
) -> None:
    first, second = make_request(), make_request()
    as_dispatcher = Actor(user=dispatcher)
    taken = threading.Event()
    release = threading.Event()

    def dispatch_slowly() -> None:
        try:
            with transaction.atomic():
                request_dispatch(first, actor=as_dispatcher, group=group_a)  # its event id now
                taken.set()
                release.wait(10)
        finally:
            connection.close()

    def during() -> None:
        slow = threading.Thread(target=dispatch_slowly)
        slow.start()
        assert taken.wait(10)
        request_dispatch(second, actor=as_dispatcher, group=group_a)  # a higher id, committed first
        # Let the hub (polling every 0.05 s here) see the newer one before the late commit.
        time.sleep(0.3)
        release.set()
        slow.join(10)

    heard = listen(dispatcher, during=during, changes=2)
    assert {(c["number"], c["kind"]) for c in heard.changes} == {
        (first.number, "dispatched"),
        (second.number, "dispatched"),
    }
