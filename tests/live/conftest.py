"""Reading a live stream in a test: open it as someone, do something, collect what it says.

The stream is an asynchronous view, read here through Django's ``AsyncClient`` inside
``async_to_sync``: what the test does meanwhile (``during``) runs back on the test's own
thread, inside its transaction, as the rest of the test does.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from django.test import AsyncClient

from accounts.models import User
from live import hub, views

#: How long a test waits for what it expects to hear.
HEAR_SECONDS = 10.0


@dataclass
class Heard:
    status: int
    headers: dict[str, str]
    #: The ``data`` of each change, with its SSE id as ``sse_id``.
    changes: list[dict[str, Any]] = field(default_factory=list)
    #: Every chunk as text, heartbeats and the retry hint included.
    chunks: list[str] = field(default_factory=list)
    #: Whether the stream ended by itself.
    ended: bool = False


def _parse(chunk: str) -> list[dict[str, Any]]:
    """The changes in a chunk: one message each, as many as were written together."""
    changes = []
    for message in chunk.split("\n\n"):
        if "event: change" not in message:
            continue
        sse_id = message.split("id: ", 1)[1].split("\n", 1)[0]
        data = json.loads(message.split("data: ", 1)[1].split("\n", 1)[0])
        changes.append({**data, "sse_id": sse_id})
    return changes


def listen(
    user: User | None,
    path: str = "/board/events/",
    *,
    during: Callable[[], Any] | None = None,
    changes: int = 1,
    headers: dict[str, str] | None = None,
    seconds: float = HEAR_SECONDS,
) -> Heard:
    """Open ``path`` as ``user``, run ``during()`` once it is open, and read until ``changes``
    changes were heard, the stream ended, or ``seconds`` passed."""
    client = AsyncClient()
    if user is not None:
        client.force_login(user)

    async def scenario() -> Heard:
        response = await client.get(path, headers=headers or {})
        heard = Heard(response.status_code, dict(response.items()))
        if not getattr(response, "streaming", False):
            return heard
        chunks = aiter(response.streaming_content)  # type: ignore[attr-defined]
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        try:
            heard.chunks.append((await anext(chunks)).decode())  # open: the retry hint
            if during is not None:
                await sync_to_async(during)()
            while len(heard.changes) < changes and loop.time() < deadline:
                try:
                    chunk = await asyncio.wait_for(anext(chunks), deadline - loop.time())
                except StopAsyncIteration:
                    heard.ended = True
                    break
                except TimeoutError:
                    break
                heard.chunks.append(chunk.decode())
                heard.changes.extend(_parse(chunk.decode()))
        finally:
            await chunks.aclose()  # type: ignore[attr-defined]
        return heard

    return async_to_sync(scenario)()


@pytest.fixture(autouse=True)
def _quick_streams(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(views, "STREAM_SECONDS", 5.0)
    monkeypatch.setattr(hub, "POLL_SECONDS", 0.05)
    yield
    # The hub reads on a thread of its own; its connection must not outlive the test database.
    hub.close_database()


# The real Redis of the board's tests, for the streams that hear it.
from tests.board.conftest import redis_url  # noqa: E402, F401

# A patient's transfer filed with Zhengzhou, as on the board's own tests.
from tests.board.test_board_filings import filed, zhengzhou  # noqa: E402, F401
