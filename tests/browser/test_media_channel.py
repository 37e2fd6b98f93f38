"""The media channel in a real browser: an editor files a lead on a phone, the headquarters
answers it, the newsroom copies the summary it may print; and a dispatcher sees a photo."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from playwright.sync_api import Browser, BrowserContext, Page, expect

from accounts.models import Role, User
from core.access import Actor
from core.models import AnswerMethod, HelpRequest, MediaOutlet
from core.services import request_accept, request_dispatch, request_resolve
from lib.uploads import clean_photo
from tests.browser.test_console_flow import signed_in as console_signed_in
from tests.browser.waiting import wait_until
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}
DESK = {"viewport": {"width": 1280, "height": 800}}
#: What the group answered: it names the person and gives their phone.
ANSWER = (
    "已联系王建国（13912345678），网格员已把氯吡格雷送到幸福里小区3号楼，王大爷已收到，够用7天。"
)
PERSONAL = ["王建国", "王大爷", "13912345678", "139 1234 5678", "幸福里", "3号楼"]


@pytest.fixture
def _files_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def outlet(transactional_db) -> MediaOutlet:
    return MediaOutlet.objects.create(code="jiaozuo-daily", name="焦作日报")


@pytest.fixture
def editors(outlet) -> tuple[User, User]:
    return tuple(  # type: ignore[return-value]
        User.objects.create_user(
            username=name, password=PASSWORD, role=Role.MEDIA, media_outlet=outlet
        )
        for name in ("media", "media2")
    )


def editor_signed_in(
    browser: Browser, base_url: str, username: str, device: dict[str, Any]
) -> tuple[BrowserContext, Page, list[str]]:
    context = browser.new_context(locale="zh-CN", **device)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{base_url}/media/")
    expect(page).to_have_url(re.compile(r"/media/login/"))
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("form[action='/media/login/'] button.primary")
    expect(page).to_have_url(re.compile(r"/media/leads/$"))
    return context, page, errors


def fits(page: Page, width: int) -> None:
    """Nothing sticks out sideways: no horizontal scrolling on this screen."""
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_an_editor_files_a_lead_and_prints_the_outcome(
    browser, live_server, editors, dispatcher, member_a, group_a, results_dir: Path
):
    base = live_server.url

    # On a reporter's phone: sign in, file what a reader wrote in.
    phone, page, errors = editor_signed_in(browser, base, "media", PHONE)
    fits(page, 360)
    page.click("a.nav-primary")
    expect(page).to_have_url(re.compile(r"/media/leads/new/$"))
    fits(page, 360)
    page.check("input[name=lead_source][value=reader]")
    page.fill("#id_external_ref", "读者来信 2022-017")
    page.select_option("#id_category", "medical")
    page.check("input[name=urgency][value=urgent]")
    page.fill("#id_description", "读者来信：父亲心脏支架术后，氯吡格雷只剩两天，小区封控出不去。")
    page.select_option("#id_division", "410802001")
    page.fill("#id_address", "焦南街道幸福里小区3号楼")
    page.fill("#id_requester_name", "王建国")
    page.fill("#id_requester_phone", "139 1234 5678")
    page.screenshot(path=str(results_dir / "media-new-phone.png"), full_page=True)
    page.click("form.lead-form button.primary")
    number = page.locator(".filed-number").inner_text().strip()
    assert re.fullmatch(r"\d{8}-\d{4}", number)
    expect(page.locator(".lead-card [data-status]")).to_have_attribute("data-status", "received")
    expect(page.locator("#public-summary")).to_have_count(0)
    fits(page, 360)

    # The outlet's list has it, the person masked.
    page.click("nav a[href='/media/leads/']")
    row = page.locator(".lead", has_text=number)
    expect(row).to_be_visible()
    expect(row).to_contain_text("王**")
    expect(row).to_contain_text("139****5678")
    fits(page, 360)
    page.screenshot(path=str(results_dir / "media-list-phone.png"), full_page=True)

    # The headquarters works on it and answers the person by name.
    lead = HelpRequest.objects.get(number=number)
    request_dispatch(lead, actor=Actor(user=dispatcher), group=group_a)
    request_accept(lead, actor=Actor(user=member_a))
    request_resolve(
        lead, actor=Actor(user=member_a), answer=ANSWER, answer_method=AnswerMethod.PHONE
    )

    # Back on the phone: the summary may be printed, with no one in it.
    row.click()
    expect(page.locator(".lead-card [data-status]")).to_have_attribute("data-status", "resolved")
    summary = page.locator("#public-summary")
    expect(summary).to_be_visible()
    text = summary.inner_text()
    assert "氯吡格雷" in text and "7天" in text
    for personal in PERSONAL:
        assert personal not in text, personal
        assert personal not in page.locator("main").inner_text(), personal
    assert "member_a" not in page.locator("main").inner_text()
    fits(page, 360)
    page.screenshot(path=str(results_dir / "media-lead-phone.png"), full_page=True)
    assert errors == []
    phone.close()

    # At the newsroom's desk the other editor of the paper copies it.
    desk, page, errors = editor_signed_in(browser, base, "media2", DESK)
    desk.grant_permissions(["clipboard-read", "clipboard-write"], origin=base)
    page.click(f"a[href='/media/leads/{number}/']")
    copy = page.locator("button.copy-button")
    expect(copy).to_be_visible()
    copy.click()
    expect(page.locator(".copy-status")).not_to_be_empty()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == page.locator("#public-summary").inner_text().strip()
    for personal in PERSONAL:
        assert personal not in copied, personal
    fits(page, 1280)
    page.screenshot(path=str(results_dir / "media-lead-desk.png"), full_page=True)
    page.goto(f"{base}/media/leads/")
    fits(page, 1280)
    page.screenshot(path=str(results_dir / "media-list-desk.png"), full_page=True)
    assert errors == []
    desk.close()


def test_the_summary_can_be_taken_without_javascript(
    browser, live_server, editors, dispatcher, member_a, group_a
):
    from tests.media.conftest import file_lead

    lead = file_lead(editors[0])
    request_dispatch(lead, actor=Actor(user=dispatcher), group=group_a)
    request_accept(lead, actor=Actor(user=member_a))
    request_resolve(
        lead, actor=Actor(user=member_a), answer=ANSWER, answer_method=AnswerMethod.PHONE
    )
    context = browser.new_context(locale="zh-CN", java_script_enabled=False, **PHONE)
    page = context.new_page()
    page.goto(f"{live_server.url}/media/login/")
    page.fill("#id_username", "media")
    page.fill("#id_password", PASSWORD)
    page.click("form[action='/media/login/'] button.primary")
    page.goto(f"{live_server.url}/media/leads/{lead.number}/")
    expect(page.locator("#public-summary")).to_be_visible()
    expect(page.locator("button.copy-button")).to_be_hidden()
    fits(page, 360)
    context.close()


@pytest.mark.usefixtures("_files_in_tmp")
def test_a_dispatcher_sees_the_photo_sent_with_a_request(
    browser, live_server, dispatcher, make_request, results_dir: Path
):
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (30, 90, 200)).save(out, "JPEG")
    photo = clean_photo(SimpleUploadedFile("门口照片.jpg", out.getvalue()), max_bytes=1_000_000)
    help_request = make_request(attachments=(photo,))

    context, page = console_signed_in(browser, live_server.url, "dispatcher")
    page.goto(f"{live_server.url}/console/requests/{help_request.number}/")
    thumb = page.locator("img.attachment-thumb")
    expect(thumb).to_be_visible()
    # The picture really came through the checked view, not a broken link.
    wait_until(page, "document.querySelector('img.attachment-thumb').complete")
    assert thumb.evaluate("img => img.naturalWidth") == 64
    page.locator(".attachments").screenshot(path=str(results_dir / "console-attachments.png"))
    # Opened on its own (the thumbnail's link), the locked-down answer still shows the picture.
    page.goto(live_server.url + thumb.evaluate("img => img.closest('a').getAttribute('href')"))
    wait_until(page, "document.images.length === 1 && document.images[0].complete")
    assert page.evaluate("document.images[0].naturalWidth") == 64
    context.close()
