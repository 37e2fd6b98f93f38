"""Green-channel filings on the live board: listed while they move, and streamed as they change."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client

from accounts.models import User
from board import bus, views
from core.access import Actor
from federation.models import Peer
from greenchannel.models import Filing, FilingStatus
from greenchannel.services import filing_create, filing_step
from tests.greenchannel.test_filings import stent

pytestmark = pytest.mark.django_db


@pytest.fixture
def zhengzhou(db: Any) -> Peer:
    return Peer.objects.create(
        code="zhengzhou", name="郑州市疫情防控指挥部", url="http://127.0.0.1:9", public_key="x" * 44
    )


@pytest.fixture
def filed(dispatcher: User, zhengzhou: Peer) -> Filing:
    return filing_create(actor=Actor(user=dispatcher), peer=zhengzhou, data=stent(kind="patient"))


def board_html(user: User) -> str:
    client = Client()
    client.force_login(user)
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get("/board/fragment/")
    assert response.status_code == 200
    return response.content.decode()


def first_change(chunks: Any) -> dict[str, Any]:
    for chunk in chunks:
        text = chunk.decode()
        if "event: change" in text:
            ident = text.split("id: ", 1)[1].split("\n", 1)[0]
            data: dict[str, Any] = json.loads(text.split("data: ", 1)[1].split("\n", 1)[0])
            data["sse_id"] = ident
            return data
    raise AssertionError("the stream ended without a change")


def test_filings_on_the_move_are_on_the_board_and_finished_ones_are_not(
    dispatcher: User, filed: Filing, zhengzhou: Peer
) -> None:
    done = filing_create(actor=Actor(user=dispatcher), peer=zhengzhou, data=stent())
    filing_step(done, "reject_origin", actor=Actor(user=dispatcher), reason="车辆不符")
    html = board_html(dispatcher)
    assert f'data-filing="{filed.number}" data-status="filed"' in html
    assert f'data-filing="{done.number}"' not in html
    # A patient on the road is marked like a critical request.
    assert f'<tr class="urgency-critical" data-filing="{filed.number}"' in html


def test_roles_that_do_not_use_the_green_channel_see_no_filings(
    operator: User, filed: Filing
) -> None:
    html = board_html(operator)
    assert "board-filings" not in html and filed.number not in html


def test_the_stream_tells_the_board_when_a_filing_moves(dispatcher: User, filed: Filing) -> None:
    start = bus.latest()
    chunks = views.stream_changes(start, seconds=3, use_redis=False)
    assert next(chunks).startswith(b"retry: ")
    filing_step(filed, "reject_origin", actor=Actor(user=dispatcher), reason="病人转院")
    change = first_change(chunks)
    assert change["stream"] == "filing" and change["number"] == filed.number
    assert change["status"] == FilingStatus.REJECTED and change["urgency"] == "critical"
    # The id carries both places, so a reconnecting board misses neither stream.
    assert change["sse_id"] == f"{start.events}.{change['id']}"
    assert "王强" not in json.dumps(change, ensure_ascii=False)


def test_the_stream_hears_filings_through_redis(
    dispatcher: User,
    filed: Filing,
    redis_url: str,
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.HUYING_REDIS_URL = redis_url
    monkeypatch.setattr(bus, "channel_name", lambda: "huying:test:filings:" + str(id(settings)))
    chunks = views.stream_changes(bus.latest(), seconds=3, use_redis=True)
    assert next(chunks).startswith(b"retry: ")
    with django_capture_on_commit_callbacks(execute=True):
        filing_step(filed, "approve_origin", actor=Actor(user=dispatcher))
    change = first_change(chunks)
    assert change["stream"] == "filing" and change["status"] == FilingStatus.ORIGIN_APPROVED


def test_a_reconnecting_board_catches_up_on_filings_it_missed(
    dispatcher: User, filed: Filing
) -> None:
    seen = bus.latest()
    filing_step(filed, "approve_origin", actor=Actor(user=dispatcher))
    client = Client()
    client.force_login(dispatcher)
    response = client.get("/board/events/", HTTP_LAST_EVENT_ID=str(seen))
    chunks = iter(response.streaming_content)  # type: ignore[attr-defined]
    change = first_change(chunks)
    assert change["number"] == filed.number and change["kind"] == "approve_origin"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12.3", (12, 3)),
        ("12", (12, None)),
        (" 7.0 ", (7, 0)),
        ("x", None),
        ("1.y", None),
        ("", None),
    ],
)
def test_a_cursor_is_read_from_either_form_and_garbage_is_refused(
    text: str, expected: tuple[int, int | None] | None
) -> None:
    cursor = bus.Cursor.parse(text)
    if expected is None:
        assert cursor is None
        return
    assert cursor is not None and cursor.events == expected[0]
    # An old board's plain event id starts the filings at the newest one.
    assert cursor.filings == (
        expected[1] if expected[1] is not None else bus.latest_filing_event_id()
    )
