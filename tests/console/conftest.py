"""Console fixtures: pages in English (the msgids), and HTMX request headers."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.test import Client

#: What HTMX sends with a fragment request; add "HX-Target" to say which fragment.
HTMX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def _english(client: Client) -> None:
    # The assertions read English text; Chinese is the default and would change with the
    # catalogue, so these tests choose the source language the way a person would.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def htmx(target: str = "", **extra: Any) -> dict[str, str]:
    headers = {**HTMX, **extra}
    if target:
        headers["HX-Target"] = target
    return headers
