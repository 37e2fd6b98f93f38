"""Staff sign-in throttling: too many wrong passwords shut the door for a while.

After ``HUYING_LOGIN_MAX_FAILURES`` failures for one username within
``HUYING_LOGIN_LOCKOUT_MINUTES``, that username is refused for the same number of minutes,
even with the right password; after ``HUYING_LOGIN_MAX_FAILURES_PER_IP`` failures from one
client address (whatever the usernames), that address is refused too. Wrong second-factor
codes count like wrong passwords. An administrator lifts a lock-out in the admin or with
``manage.py unlock_login``.

Every sign-in path goes through Django's ``authenticate()``, so the check lives in the
authentication backend (``accounts.backends``): the console, the admin and any other
session sign-in get it without each view remembering to ask.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import ngettext

from accounts.models import LoginFailure, LoginLockout


def _window() -> timedelta:
    return timedelta(minutes=settings.HUYING_LOGIN_LOCKOUT_MINUTES)


def _normal(username: str) -> str:
    # Usernames are matched case-insensitively here so "Admin" and "admin" share one count.
    return username.strip().lower()[:150]


def login_lockout_active(*, username: str, client_ip: str) -> LoginLockout | None:
    """The lock-out that refuses this username or this address now, if any."""
    return (
        LoginLockout.objects.filter(until__gt=timezone.now(), lifted_at=None)
        .filter(
            Q(scope=LoginLockout.Scope.USERNAME, key=_normal(username))
            | Q(scope=LoginLockout.Scope.CLIENT_IP, key=client_ip)
        )
        .order_by("-until")
        .first()
    )


def _lock(scope: str, key: str, failures: Q) -> LoginLockout:
    now = timezone.now()
    lockout = LoginLockout.objects.create(
        scope=scope, key=key, created_at=now, until=now + _window()
    )
    # The failures that caused it are spent: after the lock-out the count starts again.
    LoginFailure.objects.filter(failures).update(counted=False)
    return lockout


def login_failure_record(*, username: str, client_ip: str, reason: str = "password") -> None:
    """Record one failed sign-in and lock the username or the address if it was one too many.

    Two failures at the same moment may both see the limit reached and write two lock-outs;
    that is harmless (both end at the same time), so no lock is taken.
    """
    now = timezone.now()
    name = _normal(username)
    LoginFailure.objects.create(username=name, client_ip=client_ip, at=now, reason=reason)
    recent = Q(counted=True, at__gt=now - _window())
    by_name = recent & Q(username=name)
    if LoginFailure.objects.filter(by_name).count() >= settings.HUYING_LOGIN_MAX_FAILURES:
        _lock(LoginLockout.Scope.USERNAME, name, by_name)
    by_ip = recent & Q(client_ip=client_ip)
    if LoginFailure.objects.filter(by_ip).count() >= settings.HUYING_LOGIN_MAX_FAILURES_PER_IP:
        _lock(LoginLockout.Scope.CLIENT_IP, client_ip, by_ip)


def login_success_record(*, username: str) -> None:
    """A right password (and code) forgives the username's earlier failures."""
    LoginFailure.objects.filter(username=_normal(username), counted=True).update(counted=False)


def login_lockout_lift(*, username: str = "", client_ip: str = "", by: str) -> int:
    """End the active lock-outs of a username and/or an address; how many were ended."""
    now = timezone.now()
    lifted = 0
    if username:
        name = _normal(username)
        lifted += LoginLockout.objects.filter(
            scope=LoginLockout.Scope.USERNAME, key=name, until__gt=now, lifted_at=None
        ).update(lifted_at=now, lifted_by=by)
        LoginFailure.objects.filter(username=name, counted=True).update(counted=False)
    if client_ip:
        lifted += LoginLockout.objects.filter(
            scope=LoginLockout.Scope.CLIENT_IP, key=client_ip, until__gt=now, lifted_at=None
        ).update(lifted_at=now, lifted_by=by)
        LoginFailure.objects.filter(client_ip=client_ip, counted=True).update(counted=False)
    return lifted


def lockout_message(until: datetime) -> str:
    """What the sign-in page says while the door is shut."""
    minutes = max(1, int((until - timezone.now()).total_seconds() + 59) // 60)
    return ngettext(
        "Too many failed sign-in attempts. Try again in %(minutes)d minute, "
        "or ask an administrator to unlock the account.",
        "Too many failed sign-in attempts. Try again in %(minutes)d minutes, "
        "or ask an administrator to unlock the account.",
        minutes,
    ) % {"minutes": minutes}


__all__ = [
    "lockout_message",
    "login_failure_record",
    "login_lockout_active",
    "login_lockout_lift",
    "login_success_record",
]
