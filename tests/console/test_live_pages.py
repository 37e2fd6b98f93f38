"""The console pages that keep themselves current: each names its stream and what to reload.

What the stream says, and to whom, is tested in tests/live; the browser tests
(tests/browser/test_console_live.py) watch a page reload itself.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_the_queue_reloads_with_its_filters_when_its_stream_says_so(client, dispatcher):
    client.force_login(dispatcher)
    html = client.get("/console/requests/").content.decode()
    assert 'data-live-events="/console/events/?after=' in html
    assert 'data-live-trigger="refresh-queue"' in html
    assert 'hx-trigger="refresh-queue"' in html and 'hx-include="#filters"' in html
    assert "console/live" in html
    # No polling any more: the stream tells the page.
    assert "every 500ms" not in html and "/console/requests/pulse/" not in html


@pytest.mark.parametrize("path", ["/console/workbench/", "/console/workbench/leader/"])
def test_the_workbench_pages_listen_to_the_console_stream(client, leader_a, path):
    client.force_login(leader_a)
    html = client.get(path).content.decode()
    assert 'data-live-events="/console/events/?after=' in html
    assert "console/live" in html
