"""The three ways to call the API, each giving a ``core.access.Actor``.

- a personal token, ``Authorization: Bearer hyt_…`` (scripts run by a staff member);
- an integration's key, ``X-API-Key: hyk_…`` (the citizen app, the media line, Open311);
- the console's Django session, for pages that call the API from the browser.

They are tried in that order. Credentials that are sent but wrong are refused at once
rather than falling through to the next way, so a revoked token never quietly turns into
"signed in as whoever the browser session is".
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja.security import APIKeyCookie, APIKeyHeader, HttpBearer
from ninja.utils import check_csrf

from accounts.models import ApiToken, User
from api.errors import CsrfFailed, NotAuthenticated
from core import reference_cache
from core.access import Actor

#: How stale ``ApiToken.last_used_at`` may get; writing it on every call would turn each
#: read into a write and make concurrent calls with one token contend for its row.
LAST_USED_PRECISION = timedelta(minutes=5)

_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Actor | None:
        found = ApiToken.lookup(token.strip()) if token.strip() else None
        if found is None:
            raise NotAuthenticated(_("This token is not valid, or it has been revoked."))
        now = timezone.now()
        if found.last_used_at is None or found.last_used_at < now - LAST_USED_PRECISION:
            # The filter repeats the test so that of two calls at once only one writes.
            ApiToken.objects.filter(pk=found.pk).filter(
                Q(last_used_at=None) | Q(last_used_at__lt=now - LAST_USED_PRECISION)
            ).update(last_used_at=now)
        return Actor(user=found.user)


class KeyAuth(APIKeyHeader):
    param_name = "X-API-Key"

    def authenticate(self, request: HttpRequest, key: str | None) -> Actor | None:
        if key is None:
            return None
        # From the process's copy: a key is sent with every call of an integration, and a
        # revoked one drops out of the copy when it is saved (core.reference_cache).
        found = reference_cache.snapshot().api_key(key.strip()) if key.strip() else None
        if found is None:
            raise NotAuthenticated(_("This API key is not valid, or it has been revoked."))
        return Actor(api_key=found)


class SessionAuth(APIKeyCookie):
    """The signed-in console user. Unsafe methods need the CSRF token, as in the console.

    ninja's own ``SessionAuth`` checks CSRF before it knows whether anyone is signed in,
    which would answer a caller with no credentials at all "CSRF failed" instead of 401.
    """

    param_name = settings.SESSION_COOKIE_NAME

    def _get_key(self, request: HttpRequest) -> str | None:
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key: str | None) -> Actor | None:
        user = request.user
        if not (isinstance(user, User) and user.is_authenticated and user.is_active):
            return None
        # The browser sends the session cookie on any request, including one a hostile
        # page makes it send; the CSRF token is what proves the console page asked.
        if request.method not in _SAFE_METHODS and check_csrf(request) is not None:
            raise CsrfFailed(
                _("The CSRF token is missing or wrong. Reload the page and try again.")
            )
        return Actor(user=user)


AUTH: list[Any] = [TokenAuth(), KeyAuth(), SessionAuth()]


def actor_of(request: HttpRequest) -> Actor:
    """The ``Actor`` the authentication above attached to ``request``."""
    actor = getattr(request, "auth", None)
    if not isinstance(actor, Actor):
        raise NotAuthenticated(_("Authentication is required."))
    return actor
