"""One real Chromium per test module, driven through Playwright's sync API."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright

from tests.browser.asgi_server import AsgiLiveServer

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
#: Screenshots to look at after a run; the directory is ignored by git.
RESULTS = Path(__file__).resolve().parents[2] / "test-results"


# Per module, not per session: while Playwright's sync API is open, its event loop counts as
# running in the test's thread, and every later test in the process that runs a loop of its
# own (asyncio.run, async_to_sync) would fail. Starting Chromium again costs about a second.
@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        message = f"Chromium is not installed at {CHROMIUM}."
        if os.environ.get("HUYING_REQUIRE_BROWSER"):
            pytest.fail(message)
        pytest.skip(message)
    with pytest.MonkeyPatch.context() as patch:
        # Playwright's sync API runs an event loop in the test's thread, and Django refuses
        # database calls from a thread with a running loop unless told that this is safe.
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield chromium
            chromium.close()


@pytest.fixture(scope="session")
def live_server(django_db_setup: None) -> Iterator[AsgiLiveServer]:
    """The application as ``serve`` runs it (ASGI, with its live streams), not Django's WSGI one.

    After the test database is made, so that it stops (and closes its connections) before
    the database is dropped.
    """
    server = AsgiLiveServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def results_dir() -> Path:
    RESULTS.mkdir(exist_ok=True)
    return RESULTS
