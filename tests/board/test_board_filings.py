"""Green-channel filings on the live board: listed while they move, and streamed as they change."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client

from accounts.models import User
from board import bus
from core.access import Actor
from federation.models import Peer
from greenchannel.models import Filing
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
