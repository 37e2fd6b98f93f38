"""Structured logs: a request id for every request, and a JSON formatter for log shippers.

``HUYING_LOG_FORMAT=json`` writes one JSON object per line with the time, level, logger,
message and, inside a request, its id, path, status, duration and the user's id. Personal
data (names, phones, addresses) never goes into these fields; messages are the code's own.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import DatabaseError

if TYPE_CHECKING:  # kept out at run time: gunicorn loads the formatter before Django
    from django.http import HttpRequest, HttpResponse

#: The request being served by this thread, for the formatter to stamp on every line.
current: ContextVar[dict[str, Any] | None] = ContextVar("huying_request", default=None)

#: An incoming X-Request-ID is kept only if it looks like an id: a proxy's or a load
#: balancer's id links our lines to theirs, but free text would let a client write into logs.
_VALID_ID = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")

access_log = logging.getLogger("huying.request")

#: The standard attributes of a LogRecord; anything else passed with ``extra=`` is output too.
_RECORD_FIELDS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {
    "message",
    "asctime",
}


def request_id_of(request: HttpRequest) -> str:
    incoming = request.META.get("HTTP_X_REQUEST_ID", "")
    if isinstance(incoming, str) and _VALID_ID.match(incoming):
        return incoming
    return uuid.uuid4().hex


class JsonFormatter(logging.Formatter):
    """One JSON object per line, with the current request's fields when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        context = current.get()
        if context:
            entry.update(context)
        for key, value in vars(record).items():
            if key not in _RECORD_FIELDS and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def _user_id(request: HttpRequest) -> int | None:
    """Only the id: the username of a citizen is their phone number."""
    user = getattr(request, "user", None)
    try:
        return int(user.pk) if user is not None and user.is_authenticated else None
    except DatabaseError:  # the database went away; the line is still worth writing
        return None


class RequestLogMiddleware:
    """Give the request an id (kept from ``X-Request-ID`` if valid), echo it, log one line.

    The line (logger ``huying.request``) is written when ``HUYING_ACCESS_LOG`` is on, which
    it is by default with JSON logs; it replaces gunicorn's access log there.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request_id_of(request)
        request.request_id = request_id  # type: ignore[attr-defined]
        context: dict[str, Any] = {"request_id": request_id, "path": request.path}
        token = current.set(context)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request_id
            if settings.HUYING_ACCESS_LOG:
                user_id = _user_id(request)
                access_log.info(
                    "%s %s %s",
                    request.method,
                    request.path,
                    response.status_code,
                    extra={
                        "method": request.method,
                        "status": response.status_code,
                        "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                        "user_id": user_id,
                    },
                )
            return response
        finally:
            current.reset(token)
