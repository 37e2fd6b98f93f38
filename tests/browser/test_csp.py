"""The Content-Security-Policy breaks nothing: the main pages raise no violation in a browser."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from core.models import HelpRequest
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

#: Injected before any page script (init scripts are not subject to the page's policy).
LISTEN = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (event) => {
  window.__cspViolations.push(
    event.violatedDirective + ' ' + (event.blockedURI || 'inline') + ' ' + (event.sourceFile || '')
  );
});
"""


def _violations(page: Page, console: list[str]) -> list[str]:
    found = list(page.evaluate("window.__cspViolations || []"))
    found += [message for message in console if "Content Security Policy" in message]
    return found


def test_the_main_pages_raise_no_policy_violation(
    browser: Browser, live_server: Any, make_request: Callable[..., HelpRequest], dispatcher: Any
) -> None:
    help_request = make_request()
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
    context.add_init_script(LISTEN)
    page = context.new_page()
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    page.goto(f"{live_server.url}/console/login/")
    page.fill("#id_username", "dispatcher")
    page.fill("#id_password", PASSWORD)
    page.click("form[action='/console/login/'] button.primary")
    expect(page).to_have_url(re.compile(r"/console/requests/"))
    pages = [
        "/console/requests/",
        f"/console/requests/{help_request.number}/",
        "/console/requests/new/",
        "/board/",
        "/reports/dashboard/",
        "/console/account/two-factor/",
        "/app/",
        "/enterprise/",
        "/passes/verify/",
        "/track/",
        "/api/v1/docs",
    ]
    seen: dict[str, list[str]] = {}
    for path in pages:
        console.clear()
        page.goto(f"{live_server.url}{path}", wait_until="load")
        # Let deferred scripts, htmx swaps and chart drawing run before looking.
        page.wait_for_timeout(400)
        found = _violations(page, console)
        if found:
            seen[path] = found
    # The listener itself works: an inline script the policy must block is reported.
    page.evaluate(
        "() => { const s = document.createElement('script');"
        " s.textContent = 'window.__ran = 1'; document.body.append(s); }"
    )
    page.wait_for_timeout(200)
    assert page.evaluate("window.__ran") is None
    assert any("script-src" in v for v in page.evaluate("window.__cspViolations"))
    context.close()
    assert seen == {}
