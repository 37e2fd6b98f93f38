"""Signing in to the media channel: editors of an outlet only; the console still refuses them."""

from __future__ import annotations

import pytest

from accounts.models import Role, User
from core.models import MediaOutlet
from tests.conftest import PASSWORD
from tests.media.conftest import make_editor

pytestmark = pytest.mark.django_db

REFUSED = "not a media editor"


def sign_in(client, username: str, password: str = PASSWORD):
    return client.post("/media/login/", {"username": username, "password": password})


def test_an_editor_signs_in_and_lands_on_the_outlets_leads(client, editor):
    response = sign_in(client, "editor")
    assert response.status_code == 302
    assert response["Location"] == "/media/leads/"
    page = client.get("/media/leads/")
    assert page.status_code == 200
    assert "焦作日报" in page.content.decode()


def test_sign_in_goes_back_to_the_page_asked_for(client, editor):
    response = client.post(
        "/media/login/?next=/media/leads/new/",
        {"username": "editor", "password": PASSWORD, "next": "/media/leads/new/"},
    )
    assert response["Location"] == "/media/leads/new/"


@pytest.mark.parametrize("role", [Role.CITIZEN, Role.OPERATOR, Role.DISPATCHER, Role.ENTERPRISE])
def test_other_roles_are_refused_with_a_clear_message(client, role):
    User.objects.create_user(username="someone", password=PASSWORD, role=role)
    response = sign_in(client, "someone")
    assert response.status_code == 200
    assert REFUSED in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_an_editor_without_an_outlet_is_refused(client, db):
    make_editor("loose", None)
    response = sign_in(client, "loose")
    assert REFUSED in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_an_editor_of_an_outlet_taken_off_the_channel_is_refused(client, editor, outlet):
    MediaOutlet.objects.filter(pk=outlet.pk).update(is_active=False)
    response = sign_in(client, "editor")
    assert REFUSED in response.content.decode()


def test_a_wrong_password_is_refused_without_saying_more(client, editor):
    response = sign_in(client, "editor", "not-the-password")
    body = response.content.decode()
    assert response.status_code == 200
    assert "Please enter a correct username and password" in body
    assert REFUSED not in body
    assert "_auth_user_id" not in client.session


def test_the_console_still_refuses_an_editor(client, editor):
    response = client.post("/console/login/", {"username": "editor", "password": PASSWORD})
    assert response.status_code == 200
    assert "This account cannot use the staff console." in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    "path", ["/media/leads/", "/media/leads/new/", "/media/leads/20220114-0001/"]
)
def test_anonymous_visitors_are_sent_to_the_media_sign_in(client, db, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith(f"/media/login/?next={path}")


def test_a_signed_in_operator_is_not_let_into_the_channel(client, operator):
    client.force_login(operator)
    response = client.get("/media/leads/")
    assert response.status_code == 403
    # The sign-in page does not send them round in circles either.
    assert client.get("/media/login/").status_code == 302


def test_an_editor_signs_out(client, editor):
    client.force_login(editor)
    response = client.post("/media/logout/")
    assert response["Location"] == "/media/login/"
    assert client.get("/media/leads/").status_code == 302
