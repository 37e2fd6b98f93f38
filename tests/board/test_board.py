"""The live board: who may see it, what it shows, and the stream that keeps it current."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import User
from board import bus, views
from core.access import Actor
from core.models import OPEN_STATUSES, HelpRequest, Status, Urgency

pytestmark = pytest.mark.django_db


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("dispatcher", 200),
        ("commander", 200),
        ("admin_user", 200),
        ("operator", 200),
        ("auditor", 200),
        ("member_a", 403),
        ("leader_a", 403),
        ("citizen", 403),
    ],
)
@pytest.mark.parametrize("url", ["/board/", "/board/fragment/", "/board/events/"])
def test_only_roles_that_see_every_request_may_open_the_board(
    request: pytest.FixtureRequest, persona: str, status: int, url: str
) -> None:
    user = request.getfixturevalue(persona)
    response = _client(user).get(url)
    assert response.status_code == status


@pytest.fixture(autouse=True)
def _short_streams(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(views, "STREAM_SECONDS", 2.0)
    monkeypatch.setattr(views, "POLL_SECONDS", 0.05)


def test_anonymous_visitors_are_sent_to_the_console_login() -> None:
    response = Client().get("/board/")
    assert response.status_code == 302
    assert response["Location"].startswith("/console/login/")


def test_the_nav_links_the_board_only_for_roles_that_may_open_it(dispatcher, member_a) -> None:
    assert b'href="/board/"' in _client(dispatcher).get("/console/requests/").content
    assert b'href="/board/"' not in _client(member_a).get("/console/requests/").content


def _rows(html: str) -> list[str]:
    return [part.split('"', 1)[0] for part in html.split('data-number="')[1:]]


def test_open_requests_are_ordered_by_urgency_then_deadline_and_overdue_ones_marked(
    dispatcher, make_request: Callable[..., HelpRequest]
) -> None:
    normal = make_request(urgency=Urgency.NORMAL)
    urgent_late = make_request(urgency=Urgency.URGENT)
    urgent_soon = make_request(urgency=Urgency.URGENT)
    critical = make_request(urgency=Urgency.CRITICAL)
    finished = make_request(urgency=Urgency.CRITICAL)
    HelpRequest.objects.filter(pk=urgent_soon.pk).update(
        due_at=timezone.now() - timedelta(minutes=5)
    )
    HelpRequest.objects.filter(pk=finished.pk).update(status=Status.RESOLVED)

    html = _client(dispatcher).get("/board/fragment/").content.decode()

    assert _rows(html) == [critical.number, urgent_soon.number, urgent_late.number, normal.number]
    overdue_row = html.split(f'data-number="{urgent_soon.number}"')[0].rsplit("<tr", 1)[1]
    assert "overdue" in overdue_row
    assert 'id="board-overdue-total">1<' in html


def test_counters_per_group_and_per_status_add_up_to_the_open_total(
    dispatcher, group_a, group_b, make_request: Callable[..., HelpRequest]
) -> None:
    requests = [make_request(urgency=Urgency.URGENT) for _ in range(7)]
    plan = [
        (group_a, Status.DISPATCHED),
        (group_a, Status.ACCEPTED),
        (group_a, Status.IN_PROGRESS),
        (group_b, Status.DISPATCHED),
        (group_b, Status.RESOLVED),
    ]
    for hr, (group, status) in zip(requests, plan, strict=False):
        HelpRequest.objects.filter(pk=hr.pk).update(lead_group=group, status=status)

    context: dict[str, Any] = views.board_context(Actor(user=dispatcher))

    open_count = HelpRequest.objects.filter(status__in=sorted(OPEN_STATUSES)).count()
    assert open_count == 6
    assert context["open_total"] == open_count
    assert sum(row.total for row in context["group_rows"]) == open_count
    assert sum(n for _status, n in context["per_status"]) == open_count
    by_name = {row.name: row.counts for row in context["group_rows"]}
    assert by_name[group_a.display_name] == [0, 1, 1, 1]
    assert by_name[group_b.display_name] == [0, 1, 0, 0]
    assert {s.value: n for s, n in context["per_status"]}[Status.RECEIVED] == 2


def _chunks(response: Any) -> Iterator[str]:
    for chunk in response.streaming_content:
        yield chunk.decode()


def _first_change(chunks: Iterator[str]) -> dict[str, Any]:
    for text in chunks:
        if "event: change" in text:
            data = text.split("data: ", 1)[1].split("\n", 1)[0]
            return dict(json.loads(data))
    raise AssertionError("the stream ended without a change")


def test_the_stream_yields_a_change_after_a_request_is_filed(
    dispatcher, make_request: Callable[..., HelpRequest]
) -> None:
    response = _client(dispatcher).get("/board/events/")
    assert response["Content-Type"] == "text/event-stream"
    assert response["Cache-Control"] == "no-cache"
    assert response["X-Accel-Buffering"] == "no"
    chunks = _chunks(response)
    assert next(chunks).startswith("retry: ")

    filed = make_request(urgency=Urgency.CRITICAL)

    change = _first_change(chunks)
    assert change == {
        "id": change["id"],
        "number": filed.number,
        "kind": "created",
        "urgency": "critical",
        "status": "received",
        "stream": "request",
    }
    # Only what changed: nothing about the person.
    assert "张丽" not in json.dumps(change, ensure_ascii=False)
    assert "13812341234" not in json.dumps(change)


def test_a_reconnecting_browser_catches_up_from_its_last_event_id(
    dispatcher, make_request: Callable[..., HelpRequest]
) -> None:
    first = make_request()
    second = make_request()
    seen = first.events.order_by("id").last()
    assert seen is not None
    response = _client(dispatcher).get("/board/events/", HTTP_LAST_EVENT_ID=str(seen.pk))
    change = _first_change(_chunks(response))
    assert change["number"] == second.number


def test_the_stream_sends_heartbeats_and_ends_by_itself(dispatcher) -> None:
    chunks = list(views.stream_changes(bus.latest(), seconds=0.3, use_redis=False, heartbeat=0.1))
    assert chunks[0].startswith(b"retry: ")
    assert b": heartbeat\n\n" in chunks


def test_the_stream_hears_redis_when_it_is_configured(
    dispatcher,
    make_request: Callable[..., HelpRequest],
    redis_url: str,
    settings,
    monkeypatch,
    django_capture_on_commit_callbacks,
) -> None:
    settings.HUYING_REDIS_URL = redis_url
    monkeypatch.setattr(bus, "channel_name", lambda: "huying:test:stream:" + str(id(settings)))
    chunks = views.stream_changes(bus.latest(), seconds=3, use_redis=True)
    assert next(chunks).startswith(b"retry: ")
    # Filed and caught up from the database: what the board heard is at least as new.
    with django_capture_on_commit_callbacks(execute=True):
        filed = make_request(urgency=Urgency.CRITICAL)
    change = _first_change(chunk.decode() for chunk in chunks)
    assert change["number"] == filed.number


def test_a_stream_polls_the_database_when_redis_is_down(
    dispatcher, make_request: Callable[..., HelpRequest], settings
) -> None:
    settings.HUYING_REDIS_URL = "redis://127.0.0.1:1/0"
    chunks = views.stream_changes(bus.latest(), seconds=2, use_redis=True)
    assert next(chunks).startswith(b"retry: ")
    filed = make_request()
    assert _first_change(chunk.decode() for chunk in chunks)["number"] == filed.number
