"""The live streams (Server-Sent Events): what keeps open screens current without polling.

- ``/board/events/``: the live board's stream, for the roles that see every request;
- ``/reports/dashboard/events/``: the same for the leadership dashboard's readers;
- ``/console/events/``: the console queue's and the workbench's stream, for every console
  user. Roles that see every request get each change as the board does; the members of a
  working group get only "something changed" (an id), since the queue they reload with
  their own access is what decides what they may see.

Each is an asynchronous view: once open, a stream is a coroutine waiting on its queue at the
process's hub (``live.hub``) and holds no thread. Its short synchronous part — who is asking,
and the catch-up read from ``Last-Event-ID`` — runs before the stream starts. A stream ends
after ``STREAM_SECONDS``; the browser's EventSource reconnects by itself and catches up.
"""

from __future__ import annotations

import functools
import json
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

from asgiref.sync import sync_to_async
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts.views import console_user
from board import bus
from core.access import SEE_ALL, Actor
from live.hub import Listener, Overflow, hub

#: How long one stream lasts before the browser reconnects (tests make it short).
STREAM_SECONDS = 300.0
#: A comment line this often keeps proxies from closing an idle stream.
HEARTBEAT_SECONDS = 15.0
#: What the browser waits before reconnecting, in milliseconds.
RETRY_MS = 1000
#: Rounds of catch-up reads (each up to ``bus.changes_after``'s limit) before the stream starts.
CATCH_UP_ROUNDS = 4


@dataclass(frozen=True)
class Audience:
    """Who a stream is for: whether they are told what changed, or only that something did."""

    detailed: bool


def _start_after(request: HttpRequest) -> bus.Cursor:
    """Where the stream begins: after the browser's Last-Event-ID, or after the newest change."""
    text = request.headers.get("Last-Event-ID", "") or request.GET.get("after", "")
    return bus.Cursor.parse(text) or bus.latest()


def board_audience(request: HttpRequest) -> Audience | HttpResponse:
    """The board's stream: the roles that see the whole board (as ``board.views.board_view``)."""
    user = console_user(request)
    if isinstance(user, HttpResponse):
        return user
    if Actor(user=user).role not in SEE_ALL:
        return render(
            request,
            "console/forbidden.html",
            {"message": _("Your role does not see the whole board.")},
            status=403,
        )
    return Audience(detailed=True)


def console_audience(request: HttpRequest) -> Audience | HttpResponse:
    """The console's stream: every console user; details only for those who see everything."""
    user = console_user(request)
    if isinstance(user, HttpResponse):
        return user
    return Audience(detailed=Actor(user=user).role in SEE_ALL)


@dataclass(frozen=True)
class _Opening:
    audience: Audience
    cursor: bus.Cursor
    backlog: list[bus.Change]


def _open(
    request: HttpRequest, decide: Callable[[HttpRequest], Audience | HttpResponse]
) -> _Opening | HttpResponse:
    """Who may listen, and what they missed since their cursor (run on a thread, briefly)."""
    audience = decide(request)
    if isinstance(audience, HttpResponse):
        return audience
    cursor = _start_after(request)
    backlog: list[bus.Change] = []
    reached = cursor
    for _round in range(CATCH_UP_ROUNDS):
        changes = bus.changes_after(reached)
        if not changes:
            break
        for change in changes:
            reached = reached.after(change)
        backlog.extend(changes)
    return _Opening(audience, cursor, backlog)


@functools.lru_cache(maxsize=1024)
def _data(change: bus.Change, detailed: bool) -> str:
    """A change as JSON, made once for all the streams of a process, not once per stream."""
    return change.to_json() if detailed else json.dumps({"stream": change.stream})


def _message(change: bus.Change, cursor: bus.Cursor, audience: Audience) -> bytes:
    data = _data(change, audience.detailed)
    return f"id: {cursor}\nevent: change\ndata: {data}\n\n".encode()


async def stream_changes(
    listener: Listener,
    opening: _Opening,
    *,
    seconds: float,
    heartbeat: float = HEARTBEAT_SECONDS,
) -> AsyncIterator[bytes]:
    """The bytes of one stream: a retry hint, what was missed, then each change as it comes."""
    cursor = opening.cursor
    caught_up = {(change.stream, change.id) for change in opening.backlog}
    deadline = time.monotonic() + seconds
    next_beat = time.monotonic() + heartbeat
    try:
        yield f"retry: {RETRY_MS}\n: {cursor}\n\n".encode()
        for change in opening.backlog:
            cursor = cursor.after(change)
            yield _message(change, cursor, opening.audience)
        while (now := time.monotonic()) < deadline:
            chunk = []
            for heard in await listener.next(timeout=min(deadline, next_beat) - now):
                # Not "is it behind the cursor": a change that committed late has a lower
                # id than one already sent, and must still be sent. Only what the catch-up
                # read sent already is left out.
                if (heard.stream, heard.id) not in caught_up:
                    cursor = cursor.after(heard)
                    chunk.append(_message(heard, cursor, opening.audience))
            if chunk:
                # One write for what was heard together: the cost of a stream is its writes.
                yield b"".join(chunk)
            if time.monotonic() >= next_beat:
                next_beat = time.monotonic() + heartbeat
                yield b": heartbeat\n\n"
    except Overflow:
        return  # fell behind: the browser reconnects and catches up from Last-Event-ID
    finally:
        hub().leave(listener)


async def open_stream(
    request: HttpRequest, decide: Callable[[HttpRequest], Audience | HttpResponse]
) -> HttpResponse:
    """A stream for whom ``decide`` lets in (it runs on a thread and may read the database)."""
    # Listening before the catch-up read, so that nothing falls between the two.
    listener = await hub().join()
    opened = await sync_to_async(_open)(request, decide)
    if isinstance(opened, HttpResponse):
        hub().leave(listener)
        return opened
    response = StreamingHttpResponse(
        stream_changes(listener, opened, seconds=STREAM_SECONDS, heartbeat=HEARTBEAT_SECONDS),
        content_type="text/event-stream",
    )
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"
    # A streaming response is not an ``HttpResponse`` to the type checker; Django serves both.
    return response  # type: ignore[return-value]


@require_GET
async def board_events(request: HttpRequest) -> HttpResponse:
    return await open_stream(request, board_audience)


@require_GET
async def console_events(request: HttpRequest) -> HttpResponse:
    return await open_stream(request, console_audience)
