"""The checkpoint's pass check in a real Chromium, with the network cut after the keys are kept:
a genuine pass reads valid and a forged one forged, checked on the phone alone."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, expect

from accounts.models import Role, User
from core.access import Actor
from federation.models import Peer
from greenchannel import passes
from greenchannel.models import Filing, FilingStatus
from greenchannel.services import filing_create
from tests.federation.conftest import PeerKeys
from tests.greenchannel.test_filings import stent

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

APPEAR_TIMEOUT_MS = 20_000


@pytest.fixture
def current(db: Any) -> Filing:
    """An approved filing whose window is open now (the other side's approval is taken as read)."""
    chief = Actor(
        user=User.objects.create_user(username="chief", password="x", role=Role.DISPATCHER)
    )
    peer = Peer.objects.create(
        code="zhengzhou",
        name="郑州市疫情防控指挥部",
        url="http://127.0.0.1:9",
        public_key=PeerKeys().public_key,
    )
    start = timezone.now() - timedelta(hours=1)
    filing = filing_create(
        actor=chief,
        peer=peer,
        data=stent(
            window_start=start.isoformat(), window_end=(start + timedelta(hours=6)).isoformat()
        ),
    )
    Filing.objects.filter(pk=filing.pk).update(status=FilingStatus.APPROVED)
    return filing


def test_a_checkpoint_verifies_a_pass_offline(
    browser: Browser, live_server: Any, current: Filing
) -> None:
    token = passes.issue_pass(current).token
    head, payload, signature = token.split(".")
    forged = f"{head}.{payload}.{signature[:-4]}AAAA"

    context = browser.new_context(locale="zh-CN", viewport={"width": 420, "height": 860})
    page = context.new_page()
    page.goto(f"{live_server.url}/passes/verify/")
    expect(page.locator("#pass-verify")).to_have_attribute(
        "data-keys-ready", "true", timeout=APPEAR_TIMEOUT_MS
    )
    expect(page.locator("#pass-verify")).to_have_attribute(
        "data-offline-check", "yes", timeout=APPEAR_TIMEOUT_MS
    )

    context.set_offline(True)
    page.fill("#id_code", token)
    page.click("#pass-verify button[type=submit]")
    verdict = page.locator("#pass-result .pass-verdict")
    expect(verdict).to_have_attribute("data-outcome", "valid", timeout=APPEAR_TIMEOUT_MS)
    expect(verdict).to_have_attribute("data-checked-by", "browser")
    expect(verdict).to_contain_text("豫H·A1234")

    page.fill("#id_code", forged)
    page.click("#pass-verify button[type=submit]")
    expect(verdict).to_have_attribute("data-outcome", "forged", timeout=APPEAR_TIMEOUT_MS)
    context.close()


def test_the_check_opens_again_with_no_network_at_all(browser: Browser, current: Filing) -> None:
    """The server itself goes away: the page, its script and the keys come from the phone."""
    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from django.test.testcases import LiveServerThread

    token = passes.issue_pass(current).token
    server = LiveServerThread("127.0.0.1", StaticFilesHandler, port=0)
    server.daemon = True
    server.start()
    server.is_ready.wait()
    assert server.error is None, server.error
    url = f"http://127.0.0.1:{server.port}/passes/verify/"
    context = browser.new_context(locale="zh-CN", viewport={"width": 420, "height": 860})
    try:
        page = context.new_page()
        page.goto(url)
        form = page.locator("#pass-verify")
        expect(form).to_have_attribute("data-keys-ready", "true", timeout=APPEAR_TIMEOUT_MS)
        expect(form).to_have_attribute("data-offline-ready", "true", timeout=APPEAR_TIMEOUT_MS)
    finally:
        server.terminate()
    # Nothing answers on that port now; a new tab opens the check from what the phone kept.
    page.close()
    page = context.new_page()
    page.goto(url)
    page.fill("#id_code", token)
    page.click("#pass-verify button[type=submit]")
    verdict = page.locator("#pass-result .pass-verdict")
    expect(verdict).to_have_attribute("data-outcome", "valid", timeout=APPEAR_TIMEOUT_MS)
    expect(verdict).to_have_attribute("data-checked-by", "browser")
    context.close()
