"""ASGI entry point: the asynchronous server every ``manage.py serve`` runs (gunicorn + uvicorn).

An open live stream (``live.views``) is a coroutine on the event loop and holds no thread.
Every other request has its body read by the loop, then waits for a slot of the process's
``Gate`` (``huying/admission.py``) and runs through Django's synchronous stack on that
slot's own thread, which keeps its database connection from one request to the next. Past
the waiting budget the request is answered 503 at once, in the shape its path's clients
read, without touching Django's stack or a thread.
"""

from __future__ import annotations

import asyncio
import gc
import io
import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import IO, Any

from asgiref.sync import ThreadSensitiveContext
from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "huying.settings")
django_application = get_asgi_application()

from django.conf import settings  # noqa: E402 - after Django is set up
from django.core import signals  # noqa: E402
from django.core.exceptions import RequestAborted  # noqa: E402
from django.core.handlers.asgi import (  # noqa: E402
    ASGIHandler,
    ASGIRequest,
    get_script_prefix,
)
from django.core.handlers.base import BaseHandler  # noqa: E402
from django.http import HttpResponseBase, StreamingHttpResponse  # noqa: E402
from django.urls import set_script_prefix  # noqa: E402

from huying import admission, metrics, overload  # noqa: E402

# The shapes Django's own handler declares.
Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[Mapping[str, Any]], Awaitable[None]]

#: Paths served by the event loop itself: the live streams, which hold no slot while open.
STREAM_PATHS = frozenset({"/board/events/", "/console/events/", "/reports/dashboard/events/"})


def slots_per_process() -> int:
    """``HUYING_WEB_THREADS`` (set by ``serve --threads``), else 4."""
    return max(1, int(os.environ.get("HUYING_WEB_THREADS", "4") or 4))


class SyncDjango(BaseHandler):
    """Django's synchronous handling of one request, run whole on a slot's thread.

    Django's own ASGI handler would hop between the event loop and a thread three times per
    request (the request_started signal, the middleware and view, the response's close),
    which costs about a quarter more CPU per request than a threaded server. Here a request
    is one hop: the loop reads the body, the slot runs everything Django does synchronously,
    including the signals that check and close the slot's database connection, and the loop
    sends the answer.
    """

    def __init__(self, django: ASGIHandler) -> None:
        super().__init__()
        self.django = django
        self.load_middleware(is_async=False)

    def respond(self, scope: Scope, body: IO[bytes]) -> HttpResponseBase:
        set_script_prefix(get_script_prefix(scope))
        signals.request_started.send(sender=self.__class__, scope=scope)
        request, error = self.django.create_request(scope, body)
        response = self.get_response(request) if request is not None else error
        if response is None:  # create_request answers one or the other
            raise RuntimeError("no request and no error")
        if isinstance(response, StreamingHttpResponse) and not response.is_async:
            # A file or an export: read here, on the thread, as a threaded server would;
            # the loop then only writes the bytes.
            chunks = list(response.streaming_content)  # type: ignore[arg-type]
            response.streaming_content = _replay(chunks)
        # request_finished, which gives the slot's connection back or closes it, runs here.
        response.close()
        return response


async def _replay(chunks: list[bytes]) -> AsyncIterator[bytes]:
    for chunk in chunks:
        yield chunk


class Application:
    """Django behind the gate: streams and probes pass, everything else takes a slot."""

    def __init__(self, django: ASGIHandler, gate: admission.Gate) -> None:
        self.django = django
        self.sync = SyncDjango(django)
        self.gate = gate

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return  # no websockets here; the server closes the connection
        path = str(scope.get("path", ""))
        kind = overload.kind_of(path)
        if path in STREAM_PATHS or kind == "exempt":
            # Their synchronous part (signing in, a catch-up read, a health probe) is short:
            # one thread serves them all, so thousands of streams open no thread each.
            async with ThreadSensitiveContext(executor=self.gate.side):
                await self.django(scope, receive, send)
            return
        staff = kind in ("staff", "other")
        try:
            # A line too long is refused before the body is even read.
            self.gate.check(staff=staff)
            # Read before taking a slot, so a slow upload from a weak phone holds none.
            try:
                body = await self.django.read_body(receive)
            except RequestAborted:
                return
            try:
                slot = await self.gate.admit(staff=staff)
            except BaseException:
                body.close()
                raise
        except admission.Refused as refused:
            metrics.SHED.labels(reason="busy").inc()
            await self._refuse(scope, send, refused.retry_after)
            return
        started = time.perf_counter()
        try:
            loop = asyncio.get_running_loop()
            response = await loop.run_in_executor(slot, self.sync.respond, scope, body)
        finally:
            self.gate.release(slot, staff=staff, seconds=time.perf_counter() - started)
        try:
            await self.django.send_response(response, send)
        finally:
            body.close()

    async def _refuse(self, scope: Scope, send: Send, retry_after: int) -> None:
        # The request line and headers are enough to answer in the client's language and
        # format; the body, if any, is never read.
        request = ASGIRequest(scope, io.BytesIO())
        response = overload.overloaded(request, retry_after=retry_after)
        await self.django.send_response(response, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                self.gate.shutdown()
                await send({"type": "lifespan.shutdown.complete"})
                return


application = Application(
    django_application,
    admission.Gate(
        slots=slots_per_process(),
        budget=settings.HUYING_WAIT_BUDGET_MS / 1000,
        reserve=1,
    ),
)

# Everything loaded so far (Django, the apps, the URLconf) lives as long as the process.
# Moving it out of the collector's reach spares every full collection from walking it again.
gc.collect()
gc.freeze()
