"""The enterprise portal in a real browser, on a phone and on a desktop: the first contact
registers the company with a code from a text message, adds a colleague, asks for help with a
PDF, sees the number; the colleague sees the request too and rates the answer."""

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
from tests.portal_helpers import last_code, pdf_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DEVICES: dict[str, dict[str, Any]] = {
    "phone": {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True},
    "desktop": {"viewport": {"width": 1280, "height": 800}},
}
USCC = "91410823MA44RT7P3J"
FIRST_PHONE = "13700001111"
SECOND_PHONE = "13700002222"
ANSWER = "货运通行证已办理，请到武陟县交通局窗口领取。"


def open_browser(browser: Browser, device: str) -> tuple[BrowserContext, Page, list[str]]:
    context = browser.new_context(locale="zh-CN", **DEVICES[device])
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    return context, page, errors


def fits(page: Page, device: str) -> None:
    if device == "phone":
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, page.url


def sign_in(page: Page, base: str, phone: str) -> None:
    page.goto(f"{base}/enterprise/sign-in/")
    page.fill("#id_phone", phone)
    page.click("button.send-code")
    expect(page.locator(".code-sent")).to_be_visible()
    page.fill("#id_code", last_code(phone))
    page.click(".form-actions button.primary")
    expect(page).to_have_url(re.compile(r"/enterprise/$"))


@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_a_company_asks_for_help_and_a_colleague_rates_the_answer(
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

    page.goto(f"{base}/enterprise/")
    fits(page, device)
    page.click(".portal-hero a.button.primary")
    expect(page).to_have_url(re.compile(r"/enterprise/sign-up/$"))

    # The first contact registers the company.
    page.fill("#id_uscc", USCC)
    page.fill("#id_enterprise_name", "武陟县宏达纸业有限公司")
    page.fill("#id_workforce", "420")
    page.select_option("#id_county", "410823")
    expect(page.locator("#id_street option").nth(1)).to_be_attached()
    page.fill("#id_address", "木城镇工业园")
    page.fill("#id_contact_name", "陈国庆")
    page.fill("#id_phone", FIRST_PHONE)
    page.click("button.send-code")
    expect(page.locator(".code-sent")).to_be_visible()
    expect(page.locator("#id_enterprise_name")).to_have_value("武陟县宏达纸业有限公司")
    fits(page, device)
    page.screenshot(path=str(results_dir / f"enterprise-{device}-sign-up.png"), full_page=True)
    page.fill("#id_code", last_code(FIRST_PHONE))
    page.click(".form-actions button.primary")

    # The request form starts from the company: its category, size and place.
    expect(page).to_have_url(re.compile(r"/enterprise/requests/new/$"))
    expect(page.locator("#id_category")).to_have_value("enterprise")
    expect(page.locator("#id_workforce")).to_have_value("420")
    expect(page.locator("#id_county")).to_have_value("410823")
    page.fill("#id_description", "原料运输车辆在高速口被劝返，需办理货运通行证，库存只够三天。")
    page.fill("#id_workforce", "450")
    document: FilePayload = {
        "name": "通行证申请.pdf",
        "mimeType": "application/pdf",
        "buffer": pdf_bytes(),
    }
    page.set_input_files("#id_attachments", files=[document])
    fits(page, device)
    page.screenshot(path=str(results_dir / f"enterprise-{device}-new.png"), full_page=True)
    page.click(".request-form button.primary")

    number = page.locator(".filed-number").inner_text().strip()
    assert re.fullmatch(r"\d{8}-\d{4}", number)
    expect(page.locator(".attachments")).to_contain_text("通行证申请.pdf")
    fits(page, device)
    page.screenshot(path=str(results_dir / f"enterprise-{device}-filed.png"), full_page=True)
    queue = request_queue(actor=Actor(user=dispatcher), filters=RequestFilters())
    assert number in [item.number for item in queue.items]
    hr = HelpRequest.objects.get(number=number)
    assert (hr.workforce, hr.enterprise.workforce if hr.enterprise else None) == (450, 420)

    # The contact adds a colleague.
    page.click(".portal-nav a[href='/enterprise/contacts/']")
    page.fill("#id_name", "李秀梅")
    page.fill("#id_phone", SECOND_PHONE)
    page.click(".portal-form button.primary")
    expect(page.locator(".contacts")).to_contain_text("137****2222")
    fits(page, device)
    page.screenshot(path=str(results_dir / f"enterprise-{device}-contacts.png"), full_page=True)
    page.click(".logout button")
    expect(page).to_have_url(re.compile(r"/enterprise/$"))

    # The group answers it.
    hr = request_dispatch(hr, actor=Actor(user=dispatcher), group=group_a)
    hr = request_accept(hr, actor=Actor(user=member_a))
    request_resolve(hr, actor=Actor(user=member_a), answer=ANSWER, answer_method="phone")

    # The colleague signs in with their own phone, finds it and rates it.
    sign_in(page, base, SECOND_PHONE)
    expect(page.locator(f".request-card[data-number='{number}']")).to_be_visible()
    fits(page, device)
    page.screenshot(path=str(results_dir / f"enterprise-{device}-list.png"), full_page=True)
    page.click(f".request-card[data-number='{number}'] a")
    expect(page.locator(".answer-box")).to_contain_text(ANSWER)
    with page.expect_download() as download:
        page.click(".attachments a[download]")
    assert download.value.suggested_filename == "通行证申请.pdf"
    page.locator("input[name=satisfaction][value=basically_satisfied]").check()
    page.click(".rating-form button.primary")
    expect(page.locator("[data-status]").first).to_have_attribute("data-status", "closed")
    assert HelpRequest.objects.get(number=number).status == Status.CLOSED
    fits(page, device)
    page.screenshot(path=str(results_dir / f"enterprise-{device}-closed.png"), full_page=True)

    assert errors == []
    context.close()
