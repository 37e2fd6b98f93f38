"""Signing in to the citizen app with a phone and a code, and signing out."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import Role, User
from core.models import Enterprise
from tests.citizen.conftest import RESIDENT_PHONE
from tests.portal_helpers import last_code

pytestmark = pytest.mark.django_db

URL = "/app/sign-in/"


def send_code(client: Client, phone: str = RESIDENT_PHONE, **extra: str):
    return client.post(URL, {"phone": phone, "code": "", "action": "send_code", **extra})


def sign_in(client: Client, phone: str = RESIDENT_PHONE, **extra: str):
    return client.post(URL, {"phone": phone, "code": last_code(phone), "action": "submit", **extra})


def test_it_signs_in_with_a_code(client: Client, resident: User):
    response = send_code(client)
    assert response.status_code == 200
    assert "A code has been sent to 139****0168" in response.content.decode()

    response = sign_in(client)

    assert response.status_code == 302
    assert response["Location"] == "/app/"
    page = client.get("/app/").content.decode()
    assert "My requests" in page
    assert "李娟" in page


def test_it_returns_to_the_page_that_asked(client: Client, resident: User):
    response = client.get("/app/requests/new/")
    assert response.status_code == 302
    assert response["Location"] == "/app/sign-in/?next=%2Fapp%2Frequests%2Fnew%2F"

    send_code(client)
    response = sign_in(client, next="/app/requests/new/")

    assert response["Location"] == "/app/requests/new/"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/console/"])
def test_it_goes_nowhere_else_after_signing_in(client: Client, resident: User, target: str):
    send_code(client)

    response = sign_in(client, next=target)

    assert response["Location"] == "/app/"


def test_a_phone_without_an_account_is_told_to_sign_up(client: Client, db):
    send_code(client)

    response = sign_in(client)

    assert response.status_code == 422
    assert "Sign up first" in response.context["form"].errors["phone"][0]
    assert "_auth_user_id" not in client.session


def test_an_enterprise_contact_is_not_a_citizen(client: Client, db):
    company = Enterprise.objects.create(
        uscc="91410800MA4ABCDE1Q", name="丰源机械", workforce=10, division_id="410802"
    )
    User.objects.create(
        username=f"ent-{RESIDENT_PHONE}",
        role=Role.ENTERPRISE,
        phone=RESIDENT_PHONE,
        enterprise=company,
    )
    send_code(client)

    response = sign_in(client)

    assert response.status_code == 422
    assert "_auth_user_id" not in client.session


def test_a_staff_session_does_not_open_the_app(client: Client, dispatcher: User):
    client.force_login(dispatcher)

    response = client.get("/app/requests/new/")

    assert response.status_code == 302
    assert response["Location"].startswith("/app/sign-in/")


def test_signing_out_ends_the_session(resident_client: Client):
    response = resident_client.post("/app/sign-out/")

    assert response.status_code == 302
    assert response["Location"] == "/app/"
    assert "_auth_user_id" not in resident_client.session
    assert "Sign up with your real name" in resident_client.get("/app/").content.decode()


def test_signing_out_needs_a_post(resident_client: Client):
    assert resident_client.get("/app/sign-out/").status_code == 405


def test_a_signed_in_resident_goes_straight_on(resident_client: Client):
    response = resident_client.get(URL, {"next": "/app/requests/new/"})

    assert response.status_code == 302
    assert response["Location"] == "/app/requests/new/"
