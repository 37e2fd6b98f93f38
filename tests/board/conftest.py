"""Redis for the board's tests: the real server, a database of its own, a channel per run."""

from __future__ import annotations

import os
import uuid

import pytest
import redis

DEFAULT_URL = "redis://127.0.0.1:6379/15"


@pytest.fixture
def redis_url() -> str:
    """The test Redis (``HUYING_TEST_REDIS_URL``); a skip without it, or a failure in CI."""
    url = os.environ.get("HUYING_TEST_REDIS_URL", DEFAULT_URL)
    try:
        with redis.Redis.from_url(url, socket_connect_timeout=1) as conn:
            conn.ping()
    except redis.RedisError as exc:
        message = f"Redis does not answer at {url} ({exc}); the board's Redis tests need it."
        if os.environ.get("HUYING_REQUIRE_REDIS"):
            pytest.fail(message)
        pytest.skip(message)
    return url


@pytest.fixture
def channel() -> str:
    return f"huying:test:{uuid.uuid4().hex}"
