"""Green-channel filings on the board's stream: each step of a filing reaches the open boards."""

from __future__ import annotations

import json
from typing import Any

import pytest

from accounts.models import User
from board import bus
from core.access import Actor
from greenchannel.models import Filing, FilingStatus
from greenchannel.services import filing_step
from tests.live.conftest import listen

pytestmark = pytest.mark.django_db


@pytest.mark.django_db(transaction=True)
def test_the_stream_tells_the_board_when_a_filing_moves(dispatcher: User, filed: Filing) -> None:
    start = bus.latest()
    heard = listen(
        dispatcher,
        during=lambda: filing_step(
            filed, "reject_origin", actor=Actor(user=dispatcher), reason="病人转院"
        ),
        headers={"Last-Event-ID": str(start)},
    )
    change = heard.changes[0]
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

    def approve() -> None:
        with django_capture_on_commit_callbacks(execute=True):
            filing_step(filed, "approve_origin", actor=Actor(user=dispatcher))

    heard = listen(dispatcher, during=approve)
    change = heard.changes[0]
    assert change["stream"] == "filing" and change["status"] == FilingStatus.ORIGIN_APPROVED


def test_a_reconnecting_board_catches_up_on_filings_it_missed(
    dispatcher: User, filed: Filing
) -> None:
    seen = bus.latest()
    filing_step(filed, "approve_origin", actor=Actor(user=dispatcher))
    heard = listen(dispatcher, headers={"Last-Event-ID": str(seen)})
    change = heard.changes[0]
    assert change["number"] == filed.number and change["kind"] == "approve_origin"


def test_the_console_stream_leaves_filings_to_the_board_for_group_members(
    member_a: User, dispatcher: User, filed: Filing
) -> None:
    seen = bus.latest()
    filing_step(filed, "approve_origin", actor=Actor(user=dispatcher))
    heard = listen(member_a, "/console/events/", headers={"Last-Event-ID": str(seen)})
    assert heard.changes == [{"stream": "filing", "sse_id": heard.changes[0]["sse_id"]}]
