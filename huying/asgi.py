"""ASGI entry point: the asynchronous server every ``manage.py serve`` runs (gunicorn + uvicorn).

An open live stream (``live.views``) is a coroutine on the event loop and holds no thread.
Every other request waits for a slot of the process's ``Gate`` (``huying/admission.py``),
then runs Django's synchronous middleware and view on that slot's own thread, which keeps
its database connection from one request to the next. Past the waiting budget the request
is answered 503 at once, in the shape its path's clients read, without touching Django's
stack or a thread.
"""

from __future__ import annotations

import gc
import io
import os
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from asgiref.sync import ThreadSensitiveContext
from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "huying.settings")
django_application = get_asgi_application()

from django.conf import settings  # noqa: E402 - after Django is set up
from django.core.handlers.asgi import ASGIHandler, ASGIRequest  # noqa: E402

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


class Application:
    """Django behind the gate: streams and probes pass, everything else takes a slot."""

    def __init__(self, django: ASGIHandler, gate: admission.Gate) -> None:
        self.django = django
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
            slot = await self.gate.admit(staff=staff)
        except admission.Refused as refused:
            metrics.SHED.labels(reason="busy").inc()
            await self._refuse(scope, send, refused.retry_after)
            return
        started = time.perf_counter()
        try:
            async with ThreadSensitiveContext(executor=slot):
                await self.django(scope, receive, send)
        finally:
            self.gate.release(slot, staff=staff, seconds=time.perf_counter() - started)

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
