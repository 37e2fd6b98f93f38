"""Staff sign-in lock-out: too many wrong passwords shut the door, by username and by address."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse

from accounts.models import LoginFailure, LoginLockout
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = reverse("console:login")
ADMIN_LOGIN = reverse("admin:login")
START = datetime(2022, 1, 14, 14, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _limits(settings):
    # Many sign-ins per test: a fast hasher (set before the personas hash their passwords).
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.HUYING_LOGIN_MAX_FAILURES = 3
    settings.HUYING_LOGIN_LOCKOUT_MINUTES = 15
    settings.HUYING_LOGIN_MAX_FAILURES_PER_IP = 5


@pytest.fixture(autouse=True)
def _english(client, settings):
    """These tests read the English messages; the Chinese ones are checked on their own."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def _sign_in(client, username, password, *, ip="10.0.0.1", url=LOGIN):
    return client.post(url, {"username": username, "password": password}, REMOTE_ADDR=ip)


def _signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_it_locks_a_username_after_too_many_wrong_passwords(client, operator):
    with time_machine.travel(START, tick=False):
        for _ in range(2):
            assert _sign_in(client, "operator", "wrong").status_code == 200
        response = _sign_in(client, "operator", "wrong")
        assert response.status_code == 429
        assert b"Too many failed sign-in attempts" in response.content
        # The right password is refused while the lock-out lasts, and says why.
        response = _sign_in(client, "operator", PASSWORD)
    assert response.status_code == 429
    assert b"Try again in 15 minutes" in response.content
    assert not _signed_in(client)
    lockout = LoginLockout.objects.get()
    assert (lockout.scope, lockout.key) == ("username", "operator")
    assert LoginFailure.objects.filter(username="operator").count() == 3


def test_it_counts_a_username_whatever_its_case(client, operator):
    with time_machine.travel(START, tick=False):
        for name in ("operator", "OPERATOR", "Operator"):
            _sign_in(client, name, "wrong")
        assert _sign_in(client, "operator", PASSWORD).status_code == 429


def test_the_lock_out_ends_by_itself(client, operator):
    with time_machine.travel(START, tick=False):
        for _ in range(3):
            _sign_in(client, "operator", "wrong")
    with time_machine.travel(START + timedelta(minutes=14), tick=False):
        assert _sign_in(client, "operator", PASSWORD).status_code == 429
    with time_machine.travel(START + timedelta(minutes=15, seconds=1), tick=False):
        assert _sign_in(client, "operator", PASSWORD).status_code == 302
        assert _signed_in(client)


def test_old_failures_fall_out_of_the_window(client, operator):
    with time_machine.travel(START, tick=False):
        _sign_in(client, "operator", "wrong")
        _sign_in(client, "operator", "wrong")
    with time_machine.travel(START + timedelta(minutes=16), tick=False):
        # Two old failures and one new one: still below three in fifteen minutes.
        _sign_in(client, "operator", "wrong")
        assert _sign_in(client, "operator", PASSWORD).status_code == 302


def test_a_right_password_forgives_earlier_failures(client, operator):
    with time_machine.travel(START, tick=False):
        _sign_in(client, "operator", "wrong")
        _sign_in(client, "operator", "wrong")
        assert _sign_in(client, "operator", PASSWORD).status_code == 302
        client.logout()
        _sign_in(client, "operator", "wrong")
        _sign_in(client, "operator", "wrong")
        assert _sign_in(client, "operator", PASSWORD).status_code == 302


def test_another_users_failures_do_not_lock_a_username(client, operator, dispatcher):
    with time_machine.travel(START, tick=False):
        for _ in range(3):
            _sign_in(client, "dispatcher", "wrong", ip="10.0.0.9")
        # Only the address limit is shared, and it is not reached.
        assert _sign_in(client, "operator", PASSWORD, ip="10.0.0.9").status_code == 302


def test_it_locks_an_address_that_tries_many_usernames(client, operator):
    with time_machine.travel(START, tick=False):
        for name in ("a", "b", "c", "d", "e"):
            _sign_in(client, name, "wrong", ip="10.0.0.66")
        assert _sign_in(client, "operator", PASSWORD, ip="10.0.0.66").status_code == 429
        # The same user from another address is not locked.
        assert _sign_in(client, "operator", PASSWORD, ip="10.0.0.2").status_code == 302
    assert LoginLockout.objects.get().scope == "client_ip"


def test_unknown_usernames_are_counted_and_locked_like_real_ones(client):
    with time_machine.travel(START, tick=False):
        for _ in range(3):
            _sign_in(client, "nobody", "wrong")
        response = _sign_in(client, "nobody", "wrong")
    # The answer must not tell whether the username exists.
    assert response.status_code == 429


def test_the_admin_sign_in_shares_the_lock_out(client, admin_user):
    with time_machine.travel(START, tick=False):
        for _ in range(3):
            _sign_in(client, "admin", "wrong", url=ADMIN_LOGIN)
        response = _sign_in(client, "admin", PASSWORD, url=ADMIN_LOGIN)
        assert response.status_code == 429
        assert b"Too many failed sign-in attempts" in response.content
        assert _sign_in(client, "admin", PASSWORD).status_code == 429


def test_an_admin_unlocks_with_the_command(client, operator, capsys):
    with time_machine.travel(START, tick=False):
        for _ in range(3):
            _sign_in(client, "operator", "wrong")
        call_command("unlock_login", "--list")
        assert "username\toperator" in capsys.readouterr().out
        call_command("unlock_login", "operator")
        assert "1 lock-out(s) lifted." in capsys.readouterr().out
        assert _sign_in(client, "operator", PASSWORD).status_code == 302
    lockout = LoginLockout.objects.get()
    assert lockout.lifted_by == "manage.py unlock_login"


def test_the_command_needs_something_to_unlock():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("unlock_login")


def test_an_admin_unlocks_in_the_admin(client, operator, admin_user):
    with time_machine.travel(START, tick=False):
        for _ in range(3):
            _sign_in(client, "operator", "wrong")
        admin_user.is_staff = admin_user.is_superuser = True
        admin_user.save()
        admin_client = type(client)()
        admin_client.force_login(admin_user)
        response = admin_client.post(
            reverse("admin:accounts_loginlockout_changelist"),
            {"action": "lift", "_selected_action": [LoginLockout.objects.get().pk]},
        )
        assert response.status_code == 302
        assert _sign_in(client, "operator", PASSWORD).status_code == 302


def test_the_lock_out_is_told_in_chinese_by_default(operator, settings):
    from django.test import Client

    client = Client()
    with time_machine.travel(START, tick=False):
        for _ in range(3):
            response = _sign_in(client, "operator", "wrong")
    assert response.status_code == 429
    assert "登录失败次数过多，请 15 分钟后再试" in response.content.decode()
