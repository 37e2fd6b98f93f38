"""Showing a requester in full in a real browser: the reason asked, the card swapped in place."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from core.models import PersonalDataAccess
from tests.browser.test_console_flow import signed_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_dispatcher_gives_a_reason_and_sees_the_requester_in_full(
    browser, live_server, dispatcher, make_request
):
    help_request = make_request()
    context, page = signed_in(browser, live_server.url, "dispatcher")
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live_server.url}/console/requests/{help_request.number}/")
    card = page.locator("#requester-card")
    expect(card).to_contain_text("138****1234")
    card.locator("details.reveal summary").click()
    card.locator("button[type=submit]").click()
    # No reason: a field error in place, nothing shown, nothing recorded.
    expect(page.locator("#id_reason_error")).to_be_visible()
    expect(page.locator("#requester-card")).not_to_contain_text("13812341234")
    assert PersonalDataAccess.objects.count() == 0
    page.fill("#id_reason", "回访核实配送地址")
    page.locator("#requester-card button[type=submit]").click()
    expect(page.locator("#requester-card")).to_contain_text("13812341234")
    expect(page.locator("#requester-card")).to_contain_text("410802199001011232")
    # Swapped into the page, not a new page: the timeline beside it is still there.
    expect(page.locator("ol.timeline")).to_be_visible()
    assert PersonalDataAccess.objects.get().reason == "回访核实配送地址"
    assert errors == []
    context.close()
