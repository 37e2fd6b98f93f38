"""Waiting for a condition in the page without ``Page.wait_for_function``.

Playwright polls a ``wait_for_function`` predicate with ``eval`` inside the page, which our
Content-Security-Policy forbids (no ``unsafe-eval``), as it should. ``Page.evaluate`` runs
through the browser's debugging protocol instead, outside the page's policy, so the check is
polled from here.
"""

from __future__ import annotations

import time

from playwright.sync_api import Page

TIMEOUT_SECONDS = 15.0


def wait_until(page: Page, expression: str, *, timeout: float = TIMEOUT_SECONDS) -> None:
    """Poll ``expression`` (JavaScript) until it is truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"Still false after {timeout} s: {expression}")
        time.sleep(0.05)


def htmx_idle(page: Page) -> None:
    """Until HTMX has swapped and settled: it binds new content only when settling, so a
    click in between would reach a form that HTMX does not know yet."""
    wait_until(page, "!document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')")
