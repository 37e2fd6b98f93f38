"""Signing in to the enterprise portal, and the company's contacts page."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import Role, User
from tests.enterprise.conftest import client_for
from tests.portal_helpers import last_code

pytestmark = pytest.mark.django_db

SIGN_IN = "/enterprise/sign-in/"
CONTACTS = "/enterprise/contacts/"


def sign_in(client: Client, phone: str):
    client.post(SIGN_IN, {"phone": phone, "code": "", "action": "send_code"})
    return client.post(SIGN_IN, {"phone": phone, "code": last_code(phone), "action": "submit"})


def test_a_contact_signs_in_by_code(client: Client, contact: User):
    response = sign_in(client, contact.phone)

    assert response.status_code == 302
    assert response["Location"] == "/enterprise/"
    assert "Our requests" in client.get("/enterprise/").content.decode()


def test_a_citizen_account_does_not_open_the_portal(client: Client, db):
    User.objects.create(username="app-13700002222", role=Role.CITIZEN, phone="13700002222")

    response = sign_in(client, "13700002222")

    assert response.status_code == 422
    assert "Sign up first" in response.context["form"].errors["phone"][0]


def test_the_contacts_page_lists_colleagues_with_masked_phones(
    contact_client: Client, colleague: User, stranger: User
):
    response = contact_client.get(CONTACTS)

    assert response.status_code == 200
    page = response.content.decode()
    assert "郭建军" in page and "崔丽华" in page
    assert "135****6688" in page and "135****6699" in page
    assert "13513916699" not in page
    assert "赵强" not in page  # another company's contact


def test_a_contact_adds_a_colleague_who_then_signs_in(contact_client: Client, contact: User):
    response = contact_client.post(CONTACTS, {"name": "崔丽华", "phone": "135 1391 6699"})

    assert response.status_code == 302
    added = User.objects.get(phone="13513916699")
    assert (added.role, added.enterprise_id) == (Role.ENTERPRISE, contact.enterprise_id)
    page = contact_client.get(CONTACTS).content.decode()
    assert "can sign in with the phone 135****6699" in page
    assert "not signed in yet" in page

    colleague_browser = Client()
    response = sign_in(colleague_browser, "13513916699")
    assert response.status_code == 302
    added.refresh_from_db()
    assert added.phone_confirmed_at is not None


def test_adding_a_contact_twice_is_refused_on_the_phone(contact_client: Client, colleague: User):
    response = contact_client.post(CONTACTS, {"name": "崔丽华", "phone": colleague.phone})

    assert response.status_code == 422
    assert "contact already" in response.context["form"].errors["phone"][0]
    assert 'value="崔丽华"' in response.content.decode()


def test_a_contact_of_another_company_cannot_be_taken(contact_client: Client, stranger: User):
    response = contact_client.post(CONTACTS, {"name": "赵强", "phone": stranger.phone})

    assert response.status_code == 422
    assert "another enterprise" in response.context["form"].errors["phone"][0]
    stranger.refresh_from_db()
    assert stranger.enterprise is not None and stranger.enterprise.name == "温县鑫达食品厂"


def test_a_colleague_needs_a_name_and_a_mobile(contact_client: Client):
    response = contact_client.post(CONTACTS, {"name": " ", "phone": "0391-3569999"})

    assert response.status_code == 422
    assert set(response.context["form"].errors) == {"name", "phone"}


def test_the_contacts_page_is_for_contacts_only(client: Client, db):
    response = client.get(CONTACTS)

    assert response.status_code == 302
    assert response["Location"].startswith("/enterprise/sign-in/")


def test_a_contact_without_a_company_is_refused(db):
    orphan = User.objects.create(
        username="ent-13700003333", role=Role.ENTERPRISE, phone="13700003333"
    )

    assert client_for(orphan).get(CONTACTS).status_code == 403
