"""A group member's day on the workbench, in a real browser: accept, note, answer from a
template; then the leader sees the result in the group's load."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from core.access import Actor
from core.models import Category, Urgency
from core.services import request_accept, request_dispatch
from duty.models import Shift
from knowledge.models import AnswerTemplate
from tests.browser.test_console_flow import act, signed_in
from tests.browser.waiting import htmx_idle

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NOTE = "已电话联系家属，市人民医院透析室今晚有床位，正在安排车辆。"
TEMPLATE_TEXT = "您好，已为您联系市人民医院，今晚8点由120接送透析，司机电话已短信告知。"


def test_a_member_works_a_request_from_the_workbench_and_the_leader_sees_it(
    browser,
    live_server,
    dispatcher,
    member_a,
    leader_a,
    group_a,
    group_b,
    make_request,
    results_dir: Path,
):
    base = live_server.url
    as_dispatcher = Actor(user=dispatcher)
    supplies = Category.objects.get(code="supplies")
    number = request_dispatch(make_request(), actor=as_dispatcher, group=group_a).number
    assisted = request_dispatch(
        make_request(
            urgency=Urgency.URGENT,
            category=supplies,
            description="独居老人家中断粮，需送米面油。",
            requester_name="王秀英",
            requester_phone="13700001111",
        ),
        actor=as_dispatcher,
        group=group_b,
        assisting=[group_a],
    ).number
    held = request_accept(
        request_dispatch(
            make_request(urgency=Urgency.NORMAL, description="慢性病患者需要续配降压药。"),
            actor=as_dispatcher,
            group=group_a,
        ),
        actor=Actor(user=member_a),
    ).number
    AnswerTemplate.objects.create(
        category=Category.objects.get(code="medical"), title="已安排透析", text=TEMPLATE_TEXT
    )
    now = timezone.now()
    Shift.objects.create(
        group=group_a,
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(hours=11),
        post_a=member_a,
        post_b=leader_a,
    )

    # The member opens the workbench: the lead requests and the one the group assists on.
    member_context, page = signed_in(browser, base, "member_a")
    page.click("nav a[href='/console/workbench/']")
    expect(page).to_have_url(re.compile(r"/console/workbench/$"))
    expect(page.locator("table.workbench-table tbody tr[data-number]")).to_have_count(3)
    expect(page.locator(f"tr[data-number='{assisted}'] .assisting-badge")).to_be_visible()
    expect(page.locator(f"tr[data-number='{number}'] .lead-badge")).to_be_visible()
    expect(page.locator("[data-count='total']")).to_have_text("3")
    page.screenshot(path=str(results_dir / "workbench.png"), full_page=True)

    # From the row to the request: accept, write a progress note, answer from a template.
    page.click(f"tr[data-number='{number}'] a[href='/console/requests/{number}/']")
    act(page, "accept")
    expect(page.locator("#request-panel [data-status]")).to_have_attribute(
        "data-status", "accepted"
    )
    htmx_idle(page)
    page.fill("#id_note_note", NOTE)
    act(page, "note")
    expect(page.locator(".timeline li.event-noted")).to_contain_text(NOTE)
    expect(page.locator("#request-panel [data-status]")).to_have_attribute(
        "data-status", "accepted"
    )
    htmx_idle(page)
    page.select_option("#id_answer_template", label="已安排透析")
    page.click("input[form='answer-template-picker']")
    expect(page.locator("#id_resolve_answer")).to_have_value(TEMPLATE_TEXT)
    expect(page).to_have_url(re.compile(rf"/console/requests/{number}/$"))  # no reload
    page.locator("form.action-resolve").screenshot(
        path=str(results_dir / "workbench-resolve-form.png")
    )
    page.select_option("#id_resolve_answer_method", "phone")
    act(page, "resolve")
    expect(page.locator("#request-panel [data-status]")).to_have_attribute(
        "data-status", "resolved"
    )
    expect(page.locator("#request-panel .answer")).to_contain_text(TEMPLATE_TEXT)
    page.screenshot(path=str(results_dir / "workbench-request.png"), full_page=True)

    # Back on the workbench, the answered request has left the list.
    page.goto(f"{base}/console/workbench/")
    expect(page.locator(f"tr[data-number='{number}']")).to_have_count(0)
    expect(page.locator("[data-count='total']")).to_have_text("2")

    # The leader sees the group's load: one open request it leads, held by the member.
    leader_context, page = signed_in(browser, base, "leader_a")
    page.goto(f"{base}/console/workbench/leader/")
    expect(page.locator("td[data-count='total']")).to_have_text("1")
    expect(page.locator("td[data-count='accepted']")).to_have_text("1")
    expect(page.locator("tr[data-member='member_a'] .held")).to_have_text("1")
    expect(page.locator("tr[data-member='member_a']")).to_contain_text(held)
    expect(page.locator("dd[data-post='a']")).to_have_text("member_a")
    expect(page.locator("dd[data-post='b']")).to_have_text("leader_a")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    page.screenshot(path=str(results_dir / "workbench-leader.png"), full_page=True)

    for context in (member_context, leader_context):
        context.close()


def test_a_request_dispatched_to_the_group_appears_on_an_open_workbench(
    browser, live_server, dispatcher, member_a, group_a, make_request
):
    """Nobody touches the page: its stream says something changed, and the table reloads."""
    waiting = make_request(description="孕妇32周，小区封控，需要去医院产检。")
    context, page = signed_in(browser, live_server.url, "member_a")
    page.goto(f"{live_server.url}/console/workbench/")
    expect(page.locator("#workbench")).to_have_attribute("data-state", "open")
    expect(page.locator(f"tr[data-number='{waiting.number}']")).to_have_count(0)

    request_dispatch(waiting, actor=Actor(user=dispatcher), group=group_a)

    expect(page.locator(f"tr[data-number='{waiting.number}']")).to_be_visible(timeout=15_000)
    expect(page.locator("#workbench [data-count='total']")).to_have_text("1")
    context.close()
