"""The seeded reporting day (the fixture ``seeded_day`` lives in tests/conftest.py for every package)."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings

#: The seed: "on 14 January alone the platforms took 97 requests".
SEED_DAY = date(2022, 1, 14)
SEED_DAY_REQUESTS = 97


def local(day: date, at: time = time(0, 0)) -> datetime:
    return datetime.combine(day, at, tzinfo=ZoneInfo(settings.TIME_ZONE))


@pytest.fixture
def seeded_day(seeded_day_once: date, db: Any) -> date:
    """The seeded day, made once per module here: the tests that use it neither commit nor
    need a live server, and each one's own writes are undone after it."""
    return seeded_day_once
