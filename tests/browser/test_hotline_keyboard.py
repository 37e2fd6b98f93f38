"""The 12345 operator's page from the keyboard alone, timed from the first key to the ticket.

After signing in, nothing is clicked: keys are typed, Tab moves on, arrow keys pick in
selects and Ctrl+Enter files. The time from the first keystroke to the saved ticket's page
is written to ``test-results/hotline_keyboard.json`` (see docs/benchmarks.md). Keys are sent
without pauses, so the figure is the system's share of a call: the 300 ms pauses before the
helpers ask the server, their answers, filing and the next page.
"""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path

import pytest
from django.db import connection
from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize, expect

from core.models import Event, HelpRequest, Status
from knowledge.demo import ensure_demo_policies
from knowledge.models import PolicyEntry
from tests.browser.waiting import wait_until
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP: ViewportSize = {"width": 1366, "height": 900}
PHONE: ViewportSize = {"width": 360, "height": 740}
CALLER_PHONE = "13812341234"


def signed_in(
    browser: Browser, base_url: str, viewport: ViewportSize
) -> tuple[BrowserContext, Page]:
    """The operator, signed in (the only clicks of these tests), on the new-request page."""
    mobile = viewport["width"] < 500
    context = browser.new_context(
        locale="zh-CN", viewport=viewport, is_mobile=mobile, has_touch=mobile
    )
    page = context.new_page()
    page.goto(f"{base_url}/console/login/")
    page.fill("#id_username", "operator")
    page.fill("#id_password", PASSWORD)
    page.click("form[action='/console/login/'] button.primary")
    expect(page).to_have_url(re.compile(r"/console/requests/"))
    page.goto(f"{base_url}/console/requests/new/")
    return context, page


def page_errors(page: Page) -> list[str]:
    """The script errors ``page`` will have, as they happen."""
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def focused_id(page: Page) -> str:
    return str(page.evaluate("document.activeElement && document.activeElement.id"))


def expect_focus(page: Page, element_id: str) -> None:
    wait_until(page, f"document.activeElement && document.activeElement.id === '{element_id}'")


def file_from_the_keyboard(
    page: Page, *, description: str, raise_urgency: bool
) -> tuple[float, float]:
    """Type one call into the form and file it; return the milliseconds it took in all, and
    those until the suggestion from the description was in the selects."""
    expect_focus(page, "id_requester_phone")  # the phone has the focus on arrival
    keyboard = page.keyboard
    started = time.perf_counter()
    keyboard.type(CALLER_PHONE)
    keyboard.press("Tab")
    keyboard.type("张丽")
    keyboard.press("Tab")
    keyboard.type(description)
    # The words suggest the urgency and category; they land in the selects by themselves.
    expect(page.locator("#triage-suggestion .suggestion")).to_be_visible()
    expect(page.locator("#id_category")).not_to_have_value("")
    suggested = time.perf_counter()
    keyboard.press("Tab")  # urgency
    if raise_urgency:
        keyboard.press("ArrowUp")  # the operator knows better: one step more urgent
    keyboard.press("Tab")  # category, as suggested
    keyboard.press("Tab")  # division: the first county's first street
    keyboard.press("ArrowDown")
    keyboard.press("ArrowDown")
    keyboard.press("Tab")
    keyboard.type("焦南街道幸福里小区3号楼")
    keyboard.press("Control+Enter")
    page.locator(".filed-number").wait_for()
    return (time.perf_counter() - started) * 1000, (suggested - started) * 1000


def test_an_operator_files_a_call_without_touching_the_mouse(
    browser, live_server, operator, results_dir: Path
):
    figures: dict[str, dict[str, object]] = {}
    runs = [
        (
            "desktop",
            DESKTOP,
            "母亲尿毒症需每周三次透析，小区封控出不去，今晚必须到市人民医院。",
            False,
            ("critical", "medical"),
        ),
        (
            "phone",
            PHONE,
            "孩子8个月，早产儿奶粉只剩一顿了，小区封控买不到",
            True,
            ("critical", "supplies"),
        ),
    ]
    for name, viewport, description, raise_urgency, (urgency, category) in runs:
        context, page = signed_in(browser, live_server.url, viewport)
        errors = page_errors(page)
        elapsed, until_suggestion = file_from_the_keyboard(
            page, description=description, raise_urgency=raise_urgency
        )

        number = page.locator(".filed-number").inner_text().strip()
        filed = HelpRequest.objects.select_related("requester").latest("id")
        assert number == filed.number
        assert re.fullmatch(r"\d{8}-\d{4}", number)
        assert filed.description == description
        assert (filed.urgency, filed.category_id) == (urgency, category)
        assert filed.division_id == "410802001"
        assert filed.address == "焦南街道幸福里小区3号楼"
        assert (filed.requester.name, filed.requester.phone) == ("张丽", CALLER_PHONE)
        assert filed.created_by == operator and filed.status == Status.RECEIVED
        assert errors == []
        # Big enough to read back, and nothing sticks out of the screen.
        size = page.locator(".filed-number").evaluate(
            "e => parseFloat(getComputedStyle(e).fontSize)"
        )
        assert size >= 30
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        page.screenshot(path=str(results_dir / f"hotline-filed-{name}.png"))

        # The focus waits on "new request": the next call starts with one key.
        assert focused_id(page) == "next-call"
        page.keyboard.press("Enter")
        expect(page).to_have_url(re.compile(r"/console/requests/new/$"))
        expect_focus(page, "id_requester_phone")
        # The same caller again: their open request is flagged as soon as the number is in.
        page.keyboard.type(CALLER_PHONE)
        expect(page.locator("#caller-flag")).to_contain_text(number)
        expect(page.locator("#caller-history .alert.warning a", has_text=number)).to_be_visible()
        expect(page.locator("#duplicate-flag")).not_to_be_empty()
        page.screenshot(path=str(results_dir / f"hotline-history-{name}.png"), full_page=True)
        context.close()
        figures[name] = {
            "viewport": f"{viewport['width']}x{viewport['height']}",
            "ms": round(elapsed),
            "until_suggestion_ms": round(until_suggestion),
        }

    result = {
        "measure": "first keystroke to the saved ticket's page, keys sent without pauses",
        "database": connection.vendor,
        # The machine may be shared; a busy one shows in the figures.
        "load_average_1min": round(os.getloadavg()[0], 2),
        **figures,
    }
    (results_dir / "hotline_keyboard.json").write_text(json.dumps(result, indent=2) + "\n")
    print("\nhotline keyboard:", json.dumps(result))


def test_a_suggestion_never_lowers_what_the_operator_chose(browser, live_server, operator):
    context, page = signed_in(browser, live_server.url, DESKTOP)
    keyboard = page.keyboard
    keyboard.press("Tab")
    keyboard.press("Tab")
    keyboard.type("家里老人发烧")
    expect(page.locator("#id_urgency")).to_have_value("urgent")
    keyboard.press("Tab")
    keyboard.press("ArrowUp")  # the operator makes it critical by hand
    expect(page.locator("#id_urgency")).to_have_value("critical")
    keyboard.press("Shift+Tab")
    keyboard.press("End")
    keyboard.type("，已经退烧了，想问问买药")
    expect(page.locator("#triage-suggestion .suggestion")).to_contain_text("买药")
    expect(page.locator("#id_urgency")).to_have_value("critical")
    context.close()


def test_an_operator_answers_a_policy_question_on_the_line(
    browser, live_server, operator, results_dir: Path
):
    ensure_demo_policies()
    context, page = signed_in(browser, live_server.url, DESKTOP)
    keyboard = page.keyboard
    expect_focus(page, "id_requester_phone")
    keyboard.type("13700001111")
    keyboard.press("Tab")
    keyboard.type("李华")
    keyboard.press("Tab")
    keyboard.type("孩子从郑州放寒假回来，问返乡要不要报备、怎么报备。")
    expect(page.locator("#id_category")).to_have_value("policy")
    keyboard.press("Tab")
    keyboard.press("Tab")
    keyboard.press("Tab")
    keyboard.press("ArrowDown")  # 解放区 as a whole

    # Alt+K jumps to the knowledge base; the answer in force today comes up as it is typed.
    keyboard.press("Alt+k")
    expect_focus(page, "policy-q")
    keyboard.type("返乡报备")
    first = page.locator("#policy-results .policy-hit").first
    expect(first.locator("h3")).to_have_text("从外地返焦需要怎么报备？")
    keyboard.press("ArrowDown")  # to its "use this answer" button
    keyboard.press("Enter")
    expect_focus(page, "id_answer")
    entry = PolicyEntry.objects.get(question="从外地返焦需要怎么报备？")
    expect(page.locator("#id_answer")).to_have_value(entry.answer)
    page.screenshot(path=str(results_dir / "hotline-policy.png"), full_page=True)

    keyboard.press("Control+Shift+Enter")  # file and mark answered on the line
    expect(page.locator(".filed.answered .filed-number")).to_be_visible()
    number = page.locator(".filed-number").inner_text().strip()
    filed = HelpRequest.objects.get(number=number)
    assert filed.status == Status.RESOLVED
    assert filed.answer == entry.answer
    assert filed.category_id == "policy"
    event = filed.events.get(kind=Event.Kind.RESOLVED_AT_INTAKE)
    assert event.data["policy_entry"] == entry.pk
    expect(page.locator("#request-panel [data-status]")).to_have_attribute(
        "data-status", "resolved"
    )
    context.close()
