"""Two-factor sign-in for staff: real codes from the secret, the clock moved with time-machine."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import LoginFailure, LoginLockout, TotpDevice, User
from accounts.twofactor import (
    STEP_SECONDS,
    device_secret,
    totp_code_at,
    totp_device_confirm,
    totp_device_start,
)
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = reverse("console:login")
CODE = reverse("console:login_code")
SETUP = reverse("console:two_factor")
DISABLE = reverse("console:two_factor_disable")
LIST = reverse("console:request_list")
#: On a step boundary, so "one step later" is unambiguous.
START = datetime(2022, 1, 14, 14, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _fast(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.HUYING_LOGIN_MAX_FAILURES = 3


@pytest.fixture(autouse=True)
def _english(client, settings):
    """These tests read the English messages; the Chinese ones are checked on their own."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def _code(secret: bytes, offset_steps: int = 0) -> str:
    return totp_code_at(secret, START.timestamp() + offset_steps * STEP_SECONDS)


@pytest.fixture
def enrolled(operator: User) -> bytes:
    """The operator with a confirmed authenticator app; its secret, as the phone holds it."""
    with time_machine.travel(START - timedelta(minutes=5), tick=False):
        device, secret = totp_device_start(user=operator)
        assert totp_device_confirm(device=device, code=totp_code_at(secret, _now()))
    return secret


def _now() -> float:
    return timezone.now().timestamp()


def _signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def _password(client: Client, username: str = "operator") -> Any:
    return client.post(LOGIN, {"username": username, "password": PASSWORD, "next": LIST})


def test_the_password_alone_does_not_sign_in(client, enrolled):
    with time_machine.travel(START, tick=False):
        response = _password(client)
        assert response.status_code == 302
        assert response.url == CODE
        assert not _signed_in(client)
        # The console stays shut until the code is given.
        assert client.get(LIST).status_code == 302


def test_the_right_code_signs_in_and_keeps_the_page_asked_for(client, enrolled):
    with time_machine.travel(START, tick=False):
        _password(client)
        response = client.post(CODE, {"code": _code(enrolled)})
        assert response.status_code == 302
        assert response.url == LIST
        assert _signed_in(client)


@pytest.mark.parametrize("offset", [-1, 1])
def test_a_code_one_step_off_is_accepted(client, enrolled, offset):
    with time_machine.travel(START, tick=False):
        _password(client)
        assert client.post(CODE, {"code": _code(enrolled, offset)}).status_code == 302


@pytest.mark.parametrize("offset", [-2, 2])
def test_a_code_two_steps_off_is_refused(client, enrolled, offset):
    with time_machine.travel(START, tick=False):
        _password(client)
        response = client.post(CODE, {"code": _code(enrolled, offset)})
        assert response.status_code == 200
        assert b"This code is not right" in response.content
        assert not _signed_in(client)


def test_a_code_works_only_once(client, enrolled):
    code = _code(enrolled)
    with time_machine.travel(START, tick=False):
        _password(client)
        assert client.post(CODE, {"code": code}).status_code == 302
        other = Client()
        _password(other)
        response = other.post(CODE, {"code": code})
        assert response.status_code == 200
        assert not _signed_in(other)


@pytest.mark.parametrize("code", ["", "12345", "1234567", "abcdef", "12 34 5x"])
def test_malformed_codes_are_refused(client, enrolled, code):
    with time_machine.travel(START, tick=False):
        _password(client)
        assert client.post(CODE, {"code": code}).status_code == 200
        assert not _signed_in(client)


def test_wrong_codes_count_toward_the_lock_out(client, enrolled):
    with time_machine.travel(START, tick=False):
        _password(client)
        client.post(CODE, {"code": "000000"})
        client.post(CODE, {"code": "111111"})
        response = client.post(CODE, {"code": "222222"})
        assert response.status_code == 429
        assert b"Too many failed sign-in attempts" in response.content
        # Locked: the password is refused too, even with the right code to follow.
        assert _password(client).status_code == 429
    assert LoginFailure.objects.filter(reason="totp").count() == 3
    assert LoginLockout.objects.filter(key="operator").exists()


def test_the_code_page_needs_a_recent_password(client, enrolled):
    with time_machine.travel(START, tick=False):
        assert client.get(CODE).status_code == 302
        _password(client)
    with time_machine.travel(START + timedelta(minutes=6), tick=False):
        response = client.post(CODE, {"code": totp_code_at(enrolled, _now())})
        assert response.status_code == 302
        assert response.url == LOGIN
        assert not _signed_in(client)


def test_setting_up_needs_one_right_code(client, operator):
    with time_machine.travel(START, tick=False):
        client.force_login(operator)
        page = client.get(SETUP)
        assert page.status_code == 200
        assert b"<svg" in page.content
        secret_text = re.search(rb'class="totp-secret">([A-Z2-7]+)<', page.content)
        assert secret_text is not None
        device = TotpDevice.objects.get(user=operator)
        secret = device_secret(device)
        assert client.post(SETUP, {"code": "000000"}).status_code == 400
        assert not TotpDevice.objects.filter(confirmed_at__isnull=False).exists()
        assert client.post(SETUP, {"code": totp_code_at(secret, _now())}).status_code == 302
        device.refresh_from_db()
        assert device.confirmed_at is not None
        # The secret is stored encrypted and never shown again.
        assert secret not in bytes(device.secret_encrypted)
        assert secret_text.group(1) not in client.get(SETUP).content


def test_turning_it_off_needs_a_current_code(client, operator, enrolled):
    with time_machine.travel(START, tick=False):
        client.force_login(operator)
        assert client.post(DISABLE, {"code": "000000"}).status_code == 400
        assert TotpDevice.objects.filter(user=operator).exists()
        assert client.post(DISABLE, {"code": _code(enrolled)}).status_code == 302
        assert not TotpDevice.objects.filter(user=operator).exists()


def test_a_required_role_sets_the_app_up_at_sign_in(client, operator, settings):
    settings.HUYING_REQUIRE_TOTP_ROLES = ["operator"]
    with time_machine.travel(START, tick=False):
        assert _password(client).url == CODE
        page = client.get(CODE)
        assert b"Set up two-factor sign-in" in page.content
        assert not _signed_in(client)
        secret = device_secret(TotpDevice.objects.get(user=operator))
        response = client.post(CODE, {"code": totp_code_at(secret, _now())})
        assert response.status_code == 302
        assert _signed_in(client)
        # And cannot turn it off.
        response = client.post(DISABLE, {"code": totp_code_at(secret, _now() + STEP_SECONDS)})
        assert response.status_code == 400
        assert TotpDevice.objects.filter(user=operator).exists()


def test_the_admin_sign_in_cannot_skip_the_second_factor(client, admin_user):
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    with time_machine.travel(START, tick=False):
        device, secret = totp_device_start(user=admin_user)
        assert totp_device_confirm(device=device, code=totp_code_at(secret, _now()))
        response = client.post(reverse("admin:login"), {"username": "admin", "password": PASSWORD})
        assert response.status_code == 200
        assert b"sign in at the staff console first" in response.content
        assert not _signed_in(client)


def test_an_admin_resets_a_lost_phone(client, operator, enrolled, admin_user):
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "reset_two_factor", "_selected_action": [operator.pk]},
    )
    assert response.status_code == 302
    assert not TotpDevice.objects.filter(user=operator).exists()
