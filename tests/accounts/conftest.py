"""Accounts fixtures: rate-limit counters start empty in every test; messages in English."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.cache import cache
from django.utils import translation


@pytest.fixture(autouse=True)
def _fresh_counters() -> None:
    cache.clear()


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    # The assertions read the source (English) messages; Chinese is the default language.
    with translation.override("en"):
        yield
