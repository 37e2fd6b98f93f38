"""Prometheus metrics at ``/metrics``: requests, latency, shedding, intake, queues.

Under gunicorn with several workers each process writes its counters to files in
``PROMETHEUS_MULTIPROC_DIR`` (``manage.py serve`` sets it under the data directory and
empties it at start) and a scrape adds them up, whichever worker answers it. The queue
depth and the federation backlog are read from the database at scrape time, so they are
the same whoever is asked.

Only addresses in ``HUYING_METRICS_ALLOW``, or a scraper with ``HUYING_METRICS_TOKEN`` as a
bearer token, may read it; anyone else gets a 404, as if nothing were there.
"""

from __future__ import annotations

import hmac
import os
import time
from collections.abc import Callable, Iterator
from typing import Any

from django.conf import settings
from django.db.models.signals import post_save
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from lib.rates import address_in

REQUESTS = Counter(
    "huying_http_requests_total",
    "HTTP requests answered, by method, route name and status.",
    ["method", "route", "status"],
)
LATENCY = Histogram(
    "huying_http_request_duration_seconds",
    "Time from the request reaching Django to its response, by route name.",
    ["route"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
IN_FLIGHT = Gauge(
    "huying_http_requests_in_flight",
    "Requests being served now.",
    multiprocess_mode="livesum",
)
SHED = Counter(
    "huying_http_shed_total",
    "Requests answered 503: busy (would wait for a thread past the budget) or database "
    "(unreachable).",
    ["reason"],
)
WAITING = Gauge(
    "huying_http_requests_waiting",
    "Requests waiting in line for a thread now (huying/admission.py).",
    multiprocess_mode="livesum",
)
WAIT = Histogram(
    "huying_http_wait_seconds",
    "Time a request waited in line for a thread before it was served.",
    buckets=(0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
STREAMS = Gauge(
    "huying_live_streams_open",
    "Live streams (board, console, dashboard) open now.",
    multiprocess_mode="livesum",
)
RATE_LIMITED = Counter(
    "huying_http_rate_limited_total",
    "Requests answered 429 because one client went past its rate, by scope.",
    ["scope"],
)
HELP_REQUESTS = Counter(
    "huying_help_requests_created_total",
    "Help requests filed, by channel.",
    ["channel"],
)

#: The label for requests no URL pattern matched, so scanners cannot blow up the series.
UNMATCHED = "unmatched"


def _route(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return UNMATCHED
    return str(match.view_name or match.route or UNMATCHED)


class MetricsMiddleware:
    """Count every response and time it; sits outside shedding so 503s are counted too."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        # Here because the apps are loaded by now; requests are filed in web processes.
        connect_signals()

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        IN_FLIGHT.inc()
        try:
            response = self.get_response(request)
        finally:
            IN_FLIGHT.dec()
        route = _route(request)
        LATENCY.labels(route=route).observe(time.perf_counter() - started)
        method = request.method if request.method in _METHODS else "other"
        REQUESTS.labels(method=method, route=route, status=str(response.status_code)).inc()
        return response


_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def _count_new_request(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    if created:
        HELP_REQUESTS.labels(channel=str(instance.channel)).inc()


def connect_signals() -> None:
    """Count filed requests wherever they are filed (pages, API, Open311, federation)."""
    from core.models import HelpRequest

    post_save.connect(_count_new_request, sender=HelpRequest, dispatch_uid="huying.metrics")


class DatabaseCollector(Collector):
    """Gauges read from the database at scrape time."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from django_tasks.base import TaskResultStatus
        from django_tasks_db.models import DBTaskResult

        from federation.models import OutboxMessage

        ready = DBTaskResult.objects.filter(status=TaskResultStatus.READY)
        queue = GaugeMetricFamily(
            "huying_task_queue_ready", "Tasks waiting for the worker (READY), due now or later."
        )
        queue.add_metric([], ready.count())
        yield queue
        due = GaugeMetricFamily(
            "huying_task_queue_due", "READY tasks whose time has come (run_after passed)."
        )
        due.add_metric([], DBTaskResult.objects.ready().count())
        yield due
        backlog = GaugeMetricFamily(
            "huying_federation_outbox_backlog",
            "Federation messages neither delivered nor abandoned.",
        )
        backlog.add_metric(
            [], OutboxMessage.objects.filter(delivered_at=None, abandoned_at=None).count()
        )
        yield backlog


def _allowed(request: HttpRequest) -> bool:
    token = str(settings.HUYING_METRICS_TOKEN)
    if token:
        scheme, _space, given = str(request.META.get("HTTP_AUTHORIZATION", "")).partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(given.strip(), token):
            return True
    # REMOTE_ADDR is the client's own address here: ClientAddressMiddleware has resolved a
    # trusted proxy's X-Forwarded-For, so a request relayed by the proxy is not "local".
    return address_in(str(request.META.get("REMOTE_ADDR", "")), settings.HUYING_METRICS_ALLOW)


def render() -> bytes:
    """The exposition text: this process's (or all processes') metrics and the DB gauges."""
    database = CollectorRegistry(auto_describe=True)
    database.register(DatabaseCollector())
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        processes = CollectorRegistry()
        MultiProcessCollector(processes)  # type: ignore[no-untyped-call]
        return generate_latest(processes) + generate_latest(database)
    return generate_latest(REGISTRY) + generate_latest(database)


@never_cache
def metrics_view(request: HttpRequest) -> HttpResponse:
    if not _allowed(request):
        raise Http404
    return HttpResponse(render(), content_type=CONTENT_TYPE_LATEST)
