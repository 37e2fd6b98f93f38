"""The daily report in a real Chromium: generate it, read it with its charts, print it to A4,
and watch the dashboard count a new request without a reload.

Screenshots and the PDF go to ``test-results/reports/`` to be looked at.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from accounts.models import Role, User
from core.access import Actor
from core.services import request_create
from tests.conftest import PASSWORD, new_request

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

APPEAR_TIMEOUT_MS = 20_000
#: Chinese category names the seeded day's charts must carry as SVG text.
CATEGORY_NAMES = {
    "疫情政策咨询",
    "就医需求（含配药）",
    "生活物资",
    "核酸检测",
    "交通出行",
    "健康码转码",
}


def persona(username: str, role: str) -> User:
    """The demo organisation of the seeded day has a ``dispatcher`` already: take it."""
    user, _created = User.objects.get_or_create(username=username, defaults={"role": role})
    user.role = role
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.fixture
def reports_dir(results_dir: Path) -> Path:
    path = results_dir / "reports"
    path.mkdir(exist_ok=True)
    return path


def sign_in(browser: Browser, live_server: Any, username: str, next_url: str) -> Page:
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{live_server.url}/console/login/?next={next_url}")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("form[action^='/console/login/'] button.primary")
    page.wait_for_url(re.compile(re.escape(next_url) + "$"))
    return page


def test_a_dispatcher_generates_reads_and_prints_the_report(
    browser: Browser, live_server: Any, seeded_day: date, reports_dir: Path
) -> None:
    persona("dispatcher", Role.DISPATCHER)
    page = sign_in(browser, live_server, "dispatcher", "/reports/")
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    page.fill("#id_day", seeded_day.isoformat())
    expect(page.locator("#id_cutoff")).to_have_value("24:00")
    page.click("#generate button.primary")
    page.wait_for_url(re.compile(r"/reports/\d+/v1/$"), timeout=60_000)
    expect(page.locator("article.rp-report")).to_be_visible()
    expect(page.locator("a.figure[data-metric='received']")).to_have_text("97")

    for kind in ("trend", "category", "county"):
        expect(page.locator(f"[data-chart='{kind}'] svg")).to_be_visible(timeout=APPEAR_TIMEOUT_MS)
    texts = set(page.locator("[data-chart='category'] svg text").all_text_contents())
    assert texts & CATEGORY_NAMES, texts
    county_texts = set(page.locator("[data-chart='county'] svg text").all_text_contents())
    assert any(name.endswith(("区", "县", "市")) for name in county_texts), county_texts

    page.screenshot(path=str(reports_dir / "report-page.png"), full_page=True)

    # A number opens the list behind it, which says it is live.
    with page.expect_navigation():
        page.click("a.figure[data-metric='received']")
    expect(page.locator(".rp-live-note")).to_be_visible()
    expect(page.locator("[data-total]")).to_have_attribute("data-total", "97")
    page.go_back()

    # Which font drew the Chinese title, as Chromium reports it: the CJK glyphs are Noto's.
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument")["root"]["nodeId"]
    title = cdp.send("DOM.querySelector", {"nodeId": root, "selector": "article.rp-report h1"})
    used = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": title["nodeId"]})["fonts"]
    assert any("CJK" in font["familyName"] for font in used), used

    page.emulate_media(media="print")
    expect(page.locator(".topbar")).to_be_hidden()
    expect(page.locator(".rp-toolbar")).to_be_hidden()
    pdf = reports_dir / "report-print.pdf"
    page.pdf(path=str(pdf), format="A4", print_background=True, prefer_css_page_size=True)
    assert errors == []
    page.context.close()

    assert pdf.stat().st_size > 10_000
    pdffonts, pdftotext = shutil.which("pdffonts"), shutil.which("pdftotext")
    if pdffonts is None or pdftotext is None:
        pytest.skip("pdffonts and pdftotext (poppler-utils) are not installed")
    # Chromium's PDF writer embeds an OpenType-CFF font such as Noto Sans CJK as Type 3
    # outlines without its name, so pdffonts cannot name it: it must list embedded fonts with
    # a Unicode map, and the text must come back out as the Chinese that was drawn.
    fonts = subprocess.run(  # noqa: S603 - a fixed tool on a file of our own making
        [pdffonts, str(pdf)], capture_output=True, text=True, check=True
    ).stdout
    embedded = [line for line in fonts.splitlines()[2:] if re.search(r"\byes\s+\S+\s+yes\b", line)]
    assert re.search(r"Noto\S*CJK", fonts) or any("Type 3" in line for line in embedded), fonts
    text = subprocess.run(  # noqa: S603 - as above
        [pdftotext, str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "市疫情防控指挥部" in text
    assert any(name in text for name in CATEGORY_NAMES)


def test_the_dashboard_counts_a_new_request_without_a_reload(
    browser: Browser, live_server: Any, reports_dir: Path
) -> None:
    persona("commander", Role.COMMANDER)
    operator = persona("operator", Role.OPERATOR)
    request_create(actor=Actor(user=operator), new=new_request())
    page = sign_in(browser, live_server, "commander", "/reports/dashboard/")
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    received = page.locator("#dash-received")
    expect(received).to_have_text("1")
    expect(page.locator("[data-chart='trend'] svg")).to_be_visible(timeout=APPEAR_TIMEOUT_MS)
    expect(page.locator("#dashboard-live")).to_have_attribute(
        "data-state", "open", timeout=APPEAR_TIMEOUT_MS
    )
    page.evaluate("window.__notReloaded = true")

    request_create(actor=Actor(user=operator), new=new_request())
    expect(received).to_have_text("2", timeout=APPEAR_TIMEOUT_MS)
    assert page.evaluate("window.__notReloaded === true")
    # The trend chart was redrawn from the refetched numbers, not dropped.
    expect(page.locator("[data-chart='trend'] svg")).to_be_visible()
    page.screenshot(path=str(reports_dir / "dashboard.png"), full_page=True)
    assert errors == []
    page.context.close()
