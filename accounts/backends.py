"""The authentication backend: Django's password check behind the sign-in lock-out.

``authenticate()`` is the one door of every password sign-in (console, admin), so refusing a
locked username or address here covers them all. A refusal raises ``PermissionDenied``, which
makes Django stop trying other backends; the lock-out is left on the request for the form to
explain and for ``LockoutStatusMiddleware`` to answer 429.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from accounts.lockout import login_failure_record, login_lockout_active
from accounts.models import User
from lib.ratelimit import client_ip

#: The attribute of the request that carries the lock-out which refused it.
LOCKOUT_ATTRIBUTE = "huying_login_lockout"


class ThrottledModelBackend(ModelBackend):
    def authenticate(  # type: ignore[override]
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if username is None or password is None:
            return None
        address = client_ip(request) if request is not None else "local"
        lockout = login_lockout_active(username=username, client_ip=address)
        if lockout is not None:
            if request is not None:
                setattr(request, LOCKOUT_ATTRIBUTE, lockout)
            raise PermissionDenied
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            login_failure_record(username=username, client_ip=address)
            # The failure that reaches the limit is answered as a lock-out straight away.
            lockout = login_lockout_active(username=username, client_ip=address)
            if lockout is not None and request is not None:
                setattr(request, LOCKOUT_ATTRIBUTE, lockout)
            # Final: the plain ModelBackend listed after this one must not check it again.
            raise PermissionDenied
        return user


class LockoutStatusMiddleware:
    """Answer 429 Too Many Requests to a sign-in refused because of a lock-out.

    The sign-in views render their form again with the message (status 200); this turns the
    status into the one clients and monitoring understand, whichever view did the sign-in.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if getattr(request, LOCKOUT_ATTRIBUTE, None) is not None and response.status_code == 200:
            response.status_code = 429
        return response
