"""The queue page's pulse: it tells an open console, within a second, that something changed."""

from __future__ import annotations

import pytest

from core.access import Actor
from core.services import request_dispatch
from tests.console.conftest import htmx

pytestmark = pytest.mark.django_db

PULSE = "/console/requests/pulse/"


def _seen(client) -> int:
    page = client.get("/console/requests/")
    return int(page.context["pulse_seen"])


def test_nothing_changed_answers_no_content(client, dispatcher, make_request):
    make_request()
    client.force_login(dispatcher)
    seen = _seen(client)
    response = client.get(PULSE, {"seen": seen}, headers=htmx())
    assert response.status_code == 204
    assert "HX-Trigger" not in response


def test_a_new_request_triggers_a_reload_and_moves_the_pulse_on(client, dispatcher, make_request):
    client.force_login(dispatcher)
    seen = _seen(client)
    make_request()

    response = client.get(PULSE, {"seen": seen}, headers=htmx())

    assert response.status_code == 200
    assert response["HX-Trigger"] == "queue-changed"
    newer = int(response.context["pulse_seen"])
    assert newer > seen
    assert f"seen={newer}" in response.content.decode()
    assert client.get(PULSE, {"seen": newer}, headers=htmx()).status_code == 204


def test_a_step_on_an_old_request_counts_as_a_change(client, dispatcher, group_a, make_request):
    hr = make_request()
    client.force_login(dispatcher)
    seen = _seen(client)
    request_dispatch(hr, actor=Actor(user=dispatcher), group=group_a)
    assert client.get(PULSE, {"seen": seen}, headers=htmx()).status_code == 200


@pytest.mark.parametrize("seen", ["", "abc", "-5", "9" * 40])
def test_a_garbled_position_is_read_as_the_beginning(client, dispatcher, make_request, seen):
    make_request()
    client.force_login(dispatcher)
    assert client.get(PULSE, {"seen": seen}, headers=htmx()).status_code in (200, 204)


def test_only_console_users_get_a_pulse(client, citizen):
    assert client.get(PULSE).status_code == 302  # to the sign-in page
    client.force_login(citizen)
    assert client.get(PULSE).status_code == 403


def test_the_queue_page_polls_and_reloads_with_its_filters(client, dispatcher):
    client.force_login(dispatcher)
    html = client.get("/console/requests/").content.decode()
    assert 'id="pulse"' in html and 'hx-trigger="every 500ms"' in html
    assert 'hx-trigger="refresh-queue"' in html and 'hx-include="#filters"' in html
    assert "console/live" in html
