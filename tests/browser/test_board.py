"""The live board in a real Chromium at the hall screen's 1920×1080.

The board stays open; a critical request filed meanwhile must appear in its table with the
alarm banner, without anyone touching the page.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from core.access import Actor
from core.models import Urgency
from core.services import request_create
from tests.conftest import PASSWORD, new_request

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

APPEAR_TIMEOUT_MS = 15_000


def test_a_critical_request_appears_on_the_open_board_with_the_alarm(
    browser: Browser, live_server, commander, operator, results_dir: Path
) -> None:
    request_create(actor=Actor(user=operator), new=new_request(urgency=Urgency.NORMAL))
    context = browser.new_context(locale="zh-CN", viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live_server.url}/console/login/?next=/board/")
    page.fill("#id_username", "commander")
    page.fill("#id_password", PASSWORD)
    page.click("form[action^='/console/login/'] button.primary")
    expect(page.locator("#board table.queue")).to_be_visible()
    expect(page.locator("#board-live")).to_have_attribute("data-state", "open")
    expect(page.locator("#board-alarm")).to_be_hidden()
    assert page.locator("#board table.queue tbody tr[data-number]").count() == 1

    started = time.perf_counter()
    filed, _ = request_create(actor=Actor(user=operator), new=new_request(urgency=Urgency.CRITICAL))
    row = page.locator(f"#board table.queue tbody tr[data-number='{filed.number}']")
    expect(row).to_be_visible(timeout=APPEAR_TIMEOUT_MS)
    expect(page.locator("#board-alarm")).to_be_visible(timeout=APPEAR_TIMEOUT_MS)
    expect(page.locator("#board-alarm-number")).to_have_text(filed.number)
    seconds = round(time.perf_counter() - started, 3)

    # Most urgent first: the critical one heads the table.
    assert page.locator("#board table.queue tbody tr").first.get_attribute("data-number") == (
        filed.number
    )
    expect(page.locator("#board-open-total")).to_have_text("2")
    # The hall screen shows it all without scrolling sideways.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=str(results_dir / "board-1920.png"))
    page.click("#board-alarm-close")
    expect(page.locator("#board-alarm")).to_be_hidden()
    page.set_viewport_size({"width": 1366, "height": 768})
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=str(results_dir / "board-laptop.png"))
    assert errors == []
    (results_dir / "board_browser.json").write_text(json.dumps({"seconds_until_shown": seconds}))
    context.close()


def test_a_filing_moves_on_the_open_board(browser: Browser, live_server, commander) -> None:
    from federation.models import Peer
    from greenchannel.services import filing_create, filing_step
    from tests.greenchannel.test_filings import stent

    peer = Peer.objects.create(
        code="zhengzhou", name="郑州市疫情防控指挥部", url="http://127.0.0.1:9", public_key="x" * 44
    )
    context = browser.new_context(locale="zh-CN", viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    page.goto(f"{live_server.url}/console/login/?next=/board/")
    page.fill("#id_username", "commander")
    page.fill("#id_password", PASSWORD)
    page.click("form[action^='/console/login/'] button.primary")
    expect(page.locator("#board-live")).to_have_attribute("data-state", "open")
    expect(page.locator("#board-filings")).to_be_visible()

    actor = Actor(user=commander)
    filing = filing_create(actor=actor, peer=peer, data=stent(kind="patient"))
    row = page.locator(f"#board-filings tr[data-filing='{filing.number}']")
    expect(row).to_have_attribute("data-status", "filed", timeout=APPEAR_TIMEOUT_MS)
    filing_step(filing, "approve_origin", actor=actor)
    expect(row).to_have_attribute("data-status", "origin_approved", timeout=APPEAR_TIMEOUT_MS)
    # A filing is not a new critical request: no alarm for it.
    expect(page.locator("#board-alarm")).to_be_hidden()
    context.close()
