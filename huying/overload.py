"""Overload protection: per-client rate limits, load shedding, and 503 when the database is down.

Three middlewares, in this order in ``MIDDLEWARE``:

- ``ClientAddressMiddleware`` puts the real client address in ``REMOTE_ADDR`` when the
  request came through a trusted proxy (``HUYING_TRUSTED_PROXIES``), so every per-address
  limit in the project (these and the business limits in ``public``) counts people, not
  the proxy;
- ``DatabaseDownMiddleware`` turns a failure to reach the database into a 503 with
  ``Retry-After`` instead of a 500 page;
- ``RateLimitMiddleware`` (after authentication) answers 429 with ``Retry-After`` past
  ``HUYING_RATE_LIMIT_PUBLIC`` or ``HUYING_RATE_LIMIT_API`` for one client.

Load shedding itself happens before Django, in the asynchronous server's gate
(``huying/admission.py``): a request is refused only when it would wait for a thread longer
than ``HUYING_WAIT_BUDGET_MS``; the 503 page it gets is ``overloaded()`` here. Staff pages
are never rate-limited here and go first in the gate's line: the command hall must keep
working while the public side is flooded. Health and metrics endpoints are exempt from all
of it.
"""

from __future__ import annotations

import hashlib
import logging
import sys
from collections.abc import Callable
from typing import Any, Literal

from django.conf import settings
from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError, connections
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.html import format_html
from django.utils.translation import gettext as _

from core.errors import HuyingError, RateLimited
from huying import metrics
from lib import ratelimit
from lib.rates import Rate, address_in, is_ip

log = logging.getLogger(__name__)

Kind = Literal["public", "api", "staff", "exempt", "other"]

PUBLIC_PREFIXES = (
    "/app/",
    "/enterprise/",
    "/media/",
    "/track/",
    "/open311/",
    "/passes/verify",
    "/passes/status",
)
API_PREFIX = "/api/"
STAFF_PREFIXES = ("/console/", "/board/", "/reports/", "/admin/", "/federation/")
EXEMPT_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})

#: Unsafe methods (filing, signing in, uploading) cost more than reading: on top of the
#: general budget they also count against one of this fraction of it.
UNSAFE_SHARE = 5
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

#: How long a refused client should wait when the gate has no better estimate.
SHED_RETRY_AFTER = 2
#: How long to wait when the database is unreachable; a restart or fail-over takes longer.
DATABASE_RETRY_AFTER = 30


def kind_of(path: str) -> Kind:
    if path in EXEMPT_PATHS:
        return "exempt"
    if path.startswith(API_PREFIX):
        return "api"
    if path.startswith(PUBLIC_PREFIXES):
        return "public"
    if path.startswith(STAFF_PREFIXES):
        return "staff"
    return "other"


# --- Client address -------------------------------------------------------------------------


def resolve_client_ip(meta: dict[str, Any]) -> str:
    """REMOTE_ADDR, or the X-Forwarded-For entry the trusted proxy in front of us added.

    The header is read from the right: each trusted proxy appends the address it saw, so
    the first entry from the right that is not a trusted proxy is the client. Entries to
    its left were written by the client itself and prove nothing.
    """
    remote = str(meta.get("REMOTE_ADDR") or "")
    proxies = settings.HUYING_TRUSTED_PROXIES
    if not proxies or not address_in(remote, proxies):
        return remote
    forwarded = [part.strip() for part in str(meta.get("HTTP_X_FORWARDED_FOR", "")).split(",")]
    forwarded = [part for part in forwarded if part]
    for address in reversed(forwarded):
        if not is_ip(address):
            return remote  # garbage where our proxy writes: trust nothing in the header
        if not address_in(address, proxies):
            return address
    return forwarded[0] if forwarded else remote


class ClientAddressMiddleware:
    """Behind a trusted proxy, the real client's address becomes ``REMOTE_ADDR``.

    The proxy's own address is kept in ``HUYING_PEER_ADDR``.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        peer = request.META.get("REMOTE_ADDR", "")
        client = resolve_client_ip(request.META)
        if client != peer:
            request.META["HUYING_PEER_ADDR"] = peer
            request.META["REMOTE_ADDR"] = client
        return self.get_response(request)


# --- Answers --------------------------------------------------------------------------------


class Unavailable(HuyingError):
    code = "unavailable"
    http_status = 503


def _language(request: HttpRequest) -> str:
    """The language cookie, else Accept-Language, else Chinese.

    Unlike the pages themselves this honours Accept-Language: the answer may come before
    the language middleware ran, and a visitor who cannot read it learns nothing.
    """
    return translation.get_language_from_request(request, check_path=False)


def _answer(
    request: HttpRequest, error: HuyingError, *, title: str, retry_after: int
) -> HttpResponse:
    """``error`` in the shape the path's clients read: API JSON, Open311 errors, or a page."""
    path = request.path
    if path.startswith(API_PREFIX):
        from api.errors import error_response

        response: HttpResponse = error_response(error)
    elif path.startswith("/open311/"):
        from open311.render import errors

        fmt = "json" if path.endswith(".json") else "xml"
        response = errors(fmt, error.http_status, [str(error.message)])
    else:
        response = HttpResponse(
            format_html(
                '<!doctype html><html lang="{}"><head><meta charset="utf-8">'
                '<meta name="viewport" content="width=device-width, initial-scale=1">'
                "<title>{}</title></head><body><main><h1>{}</h1><p>{}</p></main>"
                "</body></html>",
                translation.get_language(),
                title,
                title,
                str(error.message),
            ),
            status=error.http_status,
            content_type="text/html; charset=utf-8",
        )
    response["Retry-After"] = str(retry_after)
    response["Cache-Control"] = "no-store"
    # Counted in the metrics; a line per refusal in Django's error log would flood it
    # exactly when the service is under pressure.
    response._has_been_logged = True  # type: ignore[attr-defined]
    return response


def too_many(request: HttpRequest, retry_after: int) -> HttpResponse:
    with translation.override(_language(request)):
        error = RateLimited(
            _("You have sent too many requests. Please wait %(seconds)s s and try again.")
            % {"seconds": retry_after},
            retry_after=retry_after,
        )
        return _answer(request, error, title=_("Too many requests"), retry_after=retry_after)


def overloaded(request: HttpRequest, *, retry_after: int = SHED_RETRY_AFTER) -> HttpResponse:
    with translation.override(_language(request)):
        error = Unavailable(_("The service is very busy right now. Please try again in a moment."))
        return _answer(request, error, title=_("The service is busy"), retry_after=retry_after)


def database_unavailable(request: HttpRequest) -> HttpResponse:
    with translation.override(_language(request)):
        error = Unavailable(
            _("The service is temporarily unavailable. Please try again in a moment.")
        )
        return _answer(
            request,
            error,
            title=_("The service is temporarily unavailable"),
            retry_after=DATABASE_RETRY_AFTER,
        )


# --- Database failures ----------------------------------------------------------------------

_DATABASE_DOWN = (OperationalError, InterfaceError)


def _note_database_failure(sender: Any, request: HttpRequest | None = None, **kwargs: Any) -> None:
    """Mark a request whose unhandled exception was the database going away."""
    if request is not None and isinstance(sys.exc_info()[1], _DATABASE_DOWN):
        request.huying_database_failed = True  # type: ignore[attr-defined]


got_request_exception.connect(_note_database_failure, dispatch_uid="huying.overload.database")


def database_reachable() -> bool:
    """Whether a fresh connection can run ``SELECT 1`` (the request's own may be broken)."""
    connection = connections.create_connection("default")
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except Exception:  # any failure to connect means "not reachable"; which one is logged
        log.warning("The database is not reachable", exc_info=True)
        return False
    finally:
        connection.close()


def install_api_handlers(api: Any) -> None:
    """Answer 503, not the API's generic 500, when a call fails to reach the database."""

    def on_database_error(request: HttpRequest, exc: Exception) -> HttpResponse:
        log.error("API %s %s: database error: %s", request.method, request.path, exc)
        metrics.SHED.labels(reason="database").inc()
        return database_unavailable(request)

    for error in _DATABASE_DOWN:
        api.exception_handler(error)(on_database_error)


# --- The database going away ---------------------------------------------------------------


class DatabaseDownMiddleware:
    """A public or API request that failed because the database is unreachable answers 503
    with ``Retry-After``, not a 500 page: the client should come back, not report a bug.

    Waiting for a thread and refusing past the waiting budget happen before Django, in the
    asynchronous server's gate (``huying/admission.py``).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code == 500
            and kind_of(request.path) in ("public", "api")
            and (getattr(request, "huying_database_failed", False) or not database_reachable())
        ):
            metrics.SHED.labels(reason="database").inc()
            return database_unavailable(request)
        return response


# --- Rate limits ----------------------------------------------------------------------------


def _digest(secret: str) -> str:
    # Only a hash of the credential goes into the cache (which may be a shared Redis).
    return hashlib.sha256(secret.encode()).hexdigest()[:32]


def api_credential(request: HttpRequest) -> str | None:
    """A hash of the Bearer token or X-API-Key the call carries, if any."""
    authorization = str(request.META.get("HTTP_AUTHORIZATION", ""))
    scheme, _space, token = authorization.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return "token:" + _digest(token.strip())
    key = str(request.META.get("HTTP_X_API_KEY", "")).strip()
    if key:
        return "key:" + _digest(key)
    return None


def _signed_in_id(request: HttpRequest) -> int | None:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return int(user.pk)
    return None


def _window_hit(scope: str, key: str, rate: Rate) -> int | None:
    try:
        return ratelimit.hit(scope, key, limit=rate.count, window=rate.seconds)
    except Exception:
        # A cache that is down (Redis) must not take the service with it: let it through.
        log.warning("The rate limit cache failed; letting the request through", exc_info=True)
        return None


def _strikes(address: str, rate: Rate) -> int:
    try:
        return ratelimit.peek("api-bad-credential", address, window=rate.seconds)
    except Exception:
        log.warning("The rate limit cache failed; letting the request through", exc_info=True)
        return 0


class RateLimitMiddleware:
    """429 with ``Retry-After`` past the configured rate for one client.

    The API counts per credential (or signed-in person), so two integrations behind one address (a government
    network's single exit) have budgets of their own; calls without one count per address.
    A credential the API refuses costs its address a strike: past the API rate of strikes,
    the address is refused outright, so inventing keys does not buy a fresh budget each time.
    Public pages count per signed-in account, else per address.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        kind = kind_of(request.path)
        if kind == "api":
            return self._api(request)
        if kind == "public":
            return self._public(request)
        return self.get_response(request)

    def _api(self, request: HttpRequest) -> HttpResponse:
        rate: Rate | None = settings.HUYING_RATE_LIMIT_API
        if rate is None:
            return self.get_response(request)
        address = str(request.META.get("REMOTE_ADDR", ""))
        credential = api_credential(request)
        if credential is not None and _strikes(address, rate) >= rate.count:
            return self._refuse(request, "api", rate.seconds)
        # The console's pages call the API with the staff member's session: count the person.
        user_id = _signed_in_id(request) if credential is None else None
        client = credential or (f"user:{user_id}" if user_id is not None else f"ip:{address}")
        retry_after = _window_hit("api", client, rate)
        if retry_after is not None:
            return self._refuse(request, "api", retry_after)
        response = self.get_response(request)
        if credential is not None and response.status_code == 401:
            _window_hit("api-bad-credential", address, rate)
        return response

    def _public(self, request: HttpRequest) -> HttpResponse:
        rate: Rate | None = settings.HUYING_RATE_LIMIT_PUBLIC
        if rate is None:
            return self.get_response(request)
        user_id = _signed_in_id(request)
        client = (
            f"user:{user_id}"
            if user_id is not None
            else f"ip:{request.META.get('REMOTE_ADDR', '')}"
        )
        retry_after = _window_hit("public", client, rate)
        if retry_after is None and request.method not in _SAFE_METHODS:
            writes = Rate(max(1, rate.count // UNSAFE_SHARE), rate.seconds)
            retry_after = _window_hit("public-write", client, writes)
        if retry_after is not None:
            return self._refuse(request, "public", retry_after)
        return self.get_response(request)

    def _refuse(self, request: HttpRequest, scope: str, retry_after: int) -> HttpResponse:
        metrics.RATE_LIMITED.labels(scope=scope).inc()
        return too_many(request, retry_after)
