"""Health endpoints for load balancers and supervisors: ``/healthz`` and ``/readyz``.

``/healthz`` says the process answers, touching nothing else, so a supervisor restarts only
a process that is really stuck. ``/readyz`` says the instance can do its work: the database
answers ``SELECT 1`` and the task worker is alive. The worker counts as alive when a task
finished within ``HUYING_READY_WORKER_SECONDS``; under ``manage.py serve`` the clock sweep
finishes every 30 seconds, so a silent queue for longer means no worker is running.
``/readyz?skip=worker`` leaves the worker out, for a load balancer deciding whether to
send traffic to this machine (a stopped worker elsewhere is no reason to stop the web).
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache

log = logging.getLogger(__name__)


@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain; charset=utf-8")


def _database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # whatever the driver raises, the answer is "not ready"
        log.warning("readyz: database check failed: %s", exc)
        return "unreachable"
    return "ok"


def _worker() -> str:
    from django_tasks_db.models import DBTaskResult

    since = timezone.now() - timedelta(seconds=settings.HUYING_READY_WORKER_SECONDS)
    try:
        alive = DBTaskResult.objects.filter(finished_at__gte=since).exists()
    except Exception as exc:
        log.warning("readyz: worker check failed: %s", exc)
        return "unknown"
    return "ok" if alive else "no task finished recently"


def _redis() -> str:
    import redis

    try:
        with redis.Redis.from_url(
            settings.HUYING_REDIS_URL, socket_connect_timeout=1, socket_timeout=1
        ) as client:
            client.ping()
    except redis.RedisError as exc:
        log.warning("readyz: Redis check failed: %s", exc)
        return "unreachable"
    return "ok"


@never_cache
def readyz(request: HttpRequest) -> HttpResponse:
    skip = set(request.GET.getlist("skip"))
    checks: dict[str, Any] = {"database": _database()}
    if "worker" not in skip:
        checks["worker"] = _worker() if checks["database"] == "ok" else "unknown"
    ready = all(value == "ok" for value in checks.values())
    if settings.HUYING_REDIS_URL and "redis" not in skip:
        # Reported, not required: without Redis the rate limits fail open and the board
        # falls back to polling, so the instance still serves.
        checks["redis"] = _redis()
    checks["status"] = "ready" if ready else "not ready"
    response = JsonResponse(checks, status=200 if ready else 503)
    # What failed is logged above as a warning; Django's error line for every probe of a
    # starting instance would say nothing more.
    response._has_been_logged = True  # type: ignore[attr-defined]
    return response
