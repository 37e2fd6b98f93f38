"""Public page fixtures: English pages and a fresh failure counter for each test."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client


@pytest.fixture(autouse=True)
def _english(client: Client) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture(autouse=True)
def _no_earlier_failures() -> None:
    cache.clear()
