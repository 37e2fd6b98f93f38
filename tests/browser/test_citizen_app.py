"""The citizen app in a real browser, on a phone and on a desktop: sign up with a code from a
text message, ask for help with a photo, see the number, follow it, rate the answer."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from playwright.sync_api import Browser, BrowserContext, FilePayload, Page, expect

from core.access import Actor
from core.models import HelpRequest, Status
from core.selectors import RequestFilters, request_queue
from core.services import request_accept, request_dispatch, request_resolve
from tests.browser.waiting import htmx_idle, wait_until
from tests.portal_helpers import jpeg_with_exif, last_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DEVICES: dict[str, dict[str, Any]] = {
    "phone": {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True},
    "desktop": {"viewport": {"width": 1280, "height": 800}},
}
PHONE = "13903910168"
ANSWER = "已协调社区医生明早9点上门送药，请保持电话畅通。"


def open_browser(browser: Browser, device: str) -> tuple[BrowserContext, Page, list[str]]:
    context = browser.new_context(locale="zh-CN", **DEVICES[device])
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    return context, page, errors


def fits(page: Page, device: str) -> None:
    """Nothing sticks out sideways on a 360-pixel phone."""
    if device == "phone":
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, page.url


@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_a_resident_asks_for_help_and_rates_the_answer(
    browser: Browser,
    live_server,
    settings,
    tmp_path: Path,
    dispatcher,
    group_a,
    member_a,
    results_dir: Path,
    device: str,
):
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()
    base = live_server.url
    context, page, errors = open_browser(browser, device)

    # Signed out, /app/ says what it is for; the sign-up is one tap away.
    page.goto(f"{base}/app/")
    fits(page, device)
    page.screenshot(path=str(results_dir / f"citizen-{device}-landing.png"), full_page=True)
    page.click(".portal-hero a.button.primary")
    expect(page).to_have_url(re.compile(r"/app/sign-up/$"))

    # Real-name sign-up: the code arrives by text message (here: an OutboundMessage row).
    page.fill("#id_name", "李娟")
    page.fill("#id_id_number", "410802198807150026")
    page.fill("#id_phone", PHONE)
    page.click("button.send-code")
    expect(page.locator(".code-sent")).to_be_visible()
    expect(page.locator("#id_name")).to_have_value("李娟")
    expect(page.locator("button.send-code")).to_be_disabled()  # counting down the minute
    fits(page, device)
    page.screenshot(path=str(results_dir / f"citizen-{device}-sign-up.png"), full_page=True)
    page.fill("#id_code", last_code(PHONE))
    page.click(".form-actions button.primary")

    # Straight on to the request form.
    expect(page).to_have_url(re.compile(r"/app/requests/new/$"))
    assert page.evaluate("typeof htmx") == "object", "htmx did not load"
    page.select_option("#id_category", "medical")
    page.fill("#id_description", "家中老人高血压，降压药只剩一天，小区封控出不去。")
    page.select_option("#id_county", "410802")
    # The street list now holds 解放区's streets only.
    expect(page.locator("#id_street option[value='410802001']")).to_have_count(1)
    htmx_idle(page)
    assert page.locator("#id_street option").count() < 20
    page.select_option("#id_street", "410802001")
    page.fill("#id_address", "幸福里小区3号楼2单元")
    page.check("input[name=urgency][value=urgent]")
    photo: FilePayload = {
        "name": "药盒.jpg",
        "mimeType": "image/jpeg",
        "buffer": jpeg_with_exif((300, 200)),
    }
    page.set_input_files("#id_photos", files=[photo])
    fits(page, device)
    page.screenshot(path=str(results_dir / f"citizen-{device}-new.png"), full_page=True)
    page.click(".request-form button.primary")

    # The number, large, and the promise of a text message.
    number = page.locator(".filed-number").inner_text().strip()
    assert re.fullmatch(r"\d{8}-\d{4}", number)
    expect(page.locator(".filed")).to_contain_text(number)
    expect(page.locator("[data-status]").first).to_have_attribute("data-status", "received")
    expect(page.locator(".attachments img")).to_have_count(1)
    wait_until(page, "document.querySelector('.attachments img').naturalWidth > 0")
    fits(page, device)
    page.screenshot(path=str(results_dir / f"citizen-{device}-filed.png"), full_page=True)

    # The dispatcher has it in the console's queue at once.
    queue = request_queue(actor=Actor(user=dispatcher), filters=RequestFilters())
    assert number in [item.number for item in queue.items]

    # It is in the resident's list.
    page.click(".portal-nav a[href='/app/']")
    expect(page.locator(f".request-card[data-number='{number}']")).to_be_visible()
    fits(page, device)
    page.screenshot(path=str(results_dir / f"citizen-{device}-list.png"), full_page=True)

    # The group answers it.
    hr = HelpRequest.objects.get(number=number)
    hr = request_dispatch(hr, actor=Actor(user=dispatcher), group=group_a)
    hr = request_accept(hr, actor=Actor(user=member_a))
    request_resolve(hr, actor=Actor(user=member_a), answer=ANSWER, answer_method="app")

    # The resident reads the answer and rates it.
    page.click(f".request-card[data-number='{number}'] a")
    expect(page.locator(".answer-box")).to_contain_text(ANSWER)
    expect(page.locator("[data-status]").first).to_have_attribute("data-status", "resolved")
    page.locator("input[name=satisfaction][value=satisfied]").check()
    page.fill("#id_note", "谢谢社区医生！")
    fits(page, device)
    page.screenshot(path=str(results_dir / f"citizen-{device}-rate.png"), full_page=True)
    page.click(".rating-form button.primary")
    expect(page.locator("[data-status]").first).to_have_attribute("data-status", "closed")
    expect(page.locator(".your-rating")).to_be_visible()
    assert HelpRequest.objects.get(number=number).status == Status.CLOSED
    text = page.locator("body").inner_text()
    for hidden in ("dispatcher", "member_a", group_a.name):
        assert hidden not in text
    fits(page, device)
    page.screenshot(path=str(results_dir / f"citizen-{device}-closed.png"), full_page=True)

    assert errors == []
    context.close()
