"""A request's whole life in a real browser: filed, dispatched, answered, closed, tracked."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import Browser, BrowserContext, Page, expect

from core.access import Actor
from core.models import Category, Division, Urgency
from core.services import request_dispatch
from tests.browser.waiting import htmx_idle
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ANSWER = "已安排120于今晚8点转运至市人民医院透析，司机电话已短信告知。"


def signed_in(browser: Browser, base_url: str, username: str) -> tuple[BrowserContext, Page]:
    """A fresh browser (its own cookies), in Chinese, signed in as ``username``."""
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{base_url}/console/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("form[action='/console/login/'] button.primary")
    expect(page).to_have_url(re.compile(r"/console/requests/"))
    assert page.evaluate("typeof htmx") == "object", "htmx did not load"
    assert errors == []
    return context, page


def act(page: Page, action: str) -> None:
    htmx_idle(page)
    page.click(f"form.action-{action} button[type=submit]")


def some_other_requests(make_request, dispatcher, group_b) -> None:
    """A few more requests so the list looks like a working night: one of them late."""
    supplies = Category.objects.get(code="supplies")
    with time_machine.travel(timezone.now() - timedelta(hours=3)):
        make_request(
            urgency=Urgency.URGENT,
            category=supplies,
            description="隔离在家，婴儿奶粉只够明天一顿，超市不送货。",
            division=Division.objects.get(code="410811004"),
            requester_name="李娜",
            requester_phone="13698765432",
        )
    late = make_request(
        urgency=Urgency.NORMAL,
        category=Category.objects.get(code="travel"),
        description="货车司机滞留卡点，需要通行证明。",
        division=Division.objects.get(code="410823004"),
        requester_name="赵强",
        requester_phone="15011112222",
    )
    request_dispatch(late, actor=Actor(user=dispatcher), group=group_b)


def test_a_request_from_the_phone_call_to_the_tracking_page(
    browser,
    live_server,
    operator,
    dispatcher,
    member_a,
    group_a,
    group_b,
    make_request,
    results_dir: Path,
):
    base = live_server.url
    some_other_requests(make_request, dispatcher, group_b)

    # The operator takes the call and files a critical medical request.
    operator_context, page = signed_in(browser, base, "operator")
    page.click("a.nav-primary")
    page.select_option("#id_urgency", "critical")
    page.select_option("#id_category", "medical")
    page.fill("#id_description", "母亲尿毒症需每周三次透析，小区封控出不去，今晚必须到市人民医院。")
    page.select_option("#id_division", "410802001")
    page.fill("#id_address", "焦南街道幸福里小区3号楼")
    page.fill("#id_requester_name", "张丽")
    page.fill("#id_requester_phone", "13812341234")
    page.click("form.intake button.primary")
    number = page.locator(".filed-number").inner_text().strip()
    assert re.fullmatch(r"\d{8}-\d{4}", number)
    expect(page.locator("#request-panel [data-status]")).to_have_attribute(
        "data-status", "received"
    )

    # The dispatcher sends it to group A; the panel is swapped in place by HTMX.
    dispatcher_context, page = signed_in(browser, base, "dispatcher")
    page.click(f"a[href='/console/requests/{number}/']")
    page.select_option("#id_dispatch_group", "medical")
    act(page, "dispatch")
    expect(page.locator("#request-panel [data-status]")).to_have_attribute(
        "data-status", "dispatched"
    )
    expect(page.locator("#request-panel > .alert.success")).to_be_visible()

    # Filtering the queue updates the table and the address without reloading the page.
    page.goto(f"{base}/console/requests/")
    page.select_option("#id_urgency", "critical")
    expect(page).to_have_url(re.compile(r"\?urgency=critical$"))
    expect(page.locator("table.queue-table tbody tr")).to_have_count(1)
    htmx_idle(page)
    page.select_option("#id_urgency", "")
    expect(page.locator("table.queue-table tbody tr")).to_have_count(3)
    htmx_idle(page)
    page.screenshot(path=str(results_dir / "console-list.png"), full_page=True)

    # A member of group A accepts it and answers.
    member_context, page = signed_in(browser, base, "member_a")
    expect(page.locator(f"a[href='/console/requests/{number}/']")).to_be_visible()
    page.click(f"a[href='/console/requests/{number}/']")
    act(page, "accept")
    expect(page.locator("#request-panel [data-status]")).to_have_attribute(
        "data-status", "accepted"
    )
    act(page, "resolve")  # first without an answer: the form says what is missing
    expect(page.locator("#id_resolve_answer_error")).to_be_visible()
    htmx_idle(page)
    page.fill("#id_resolve_answer", ANSWER)
    page.select_option("#id_resolve_answer_method", "phone")
    act(page, "resolve")
    expect(page.locator("#request-panel [data-status]")).to_have_attribute(
        "data-status", "resolved"
    )
    page.screenshot(path=str(results_dir / "console-detail.png"), full_page=True)

    # The operator calls back and closes it with the requester's rating.
    page = operator_context.new_page()
    page.goto(f"{base}/console/requests/{number}/")
    page.check("form.action-close input[name=satisfaction][value=satisfied]")
    act(page, "close")
    expect(page.locator("#request-panel [data-status]")).to_have_attribute("data-status", "closed")

    # Signing out works from any page.
    page.click(".logout button")
    expect(page).to_have_url(re.compile(r"/console/login/"))

    # The requester follows it on a phone: status, steps and the answer, nothing personal.
    phone = browser.new_context(
        locale="zh-CN", viewport={"width": 360, "height": 740}, is_mobile=True
    )
    page = phone.new_page()
    page.goto(f"{base}/track/")
    page.fill("#id_number", number)
    page.fill("#id_phone_last4", "9999")
    page.click("form button.primary")
    expect(page.locator(".alert.error")).to_be_visible()
    page.fill("#id_phone_last4", "1234")
    page.click("form button.primary")
    expect(page.locator(".tracked [data-status]")).to_have_attribute("data-status", "closed")
    expect(page.locator(".answer-box")).to_contain_text(ANSWER)
    assert (
        page.locator(".steps li").count() == 5
    )  # received, dispatched, accepted, resolved, closed
    text = page.locator("body").inner_text()
    for personal in ["张丽", "张*", "13812341234", "138****1234", "幸福里", "member_a", "operator"]:
        assert personal not in text, personal
    # Nothing sticks out of a 360-pixel screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(results_dir / "track.png"), full_page=True)

    for context in (operator_context, dispatcher_context, member_context, phone):
        context.close()
