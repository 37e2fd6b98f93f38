"""Signing in and out, and who is let into the console at all."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.conftest import PASSWORD
from tests.console.conftest import htmx

pytestmark = pytest.mark.django_db

LIST = reverse("console:request_list")
LOGIN = reverse("console:login")


def test_it_shows_the_login_page(client):
    response = client.get(LOGIN)
    assert response.status_code == 200
    assert b"Sign in to the staff console" in response.content
    assert b'name="password"' in response.content


def test_it_signs_in_an_operator_and_goes_to_the_queue(client, operator):
    response = client.post(LOGIN, {"username": "operator", "password": PASSWORD})
    assert response.status_code == 302
    assert response.url == LIST
    assert client.get(LIST).status_code == 200


def test_it_keeps_the_page_asked_for_after_signing_in(client, operator):
    response = client.get(reverse("console:request_new"))
    assert response.status_code == 302
    assert response.url == f"{LOGIN}?next=/console/requests/new/"
    response = client.post(
        response.url,
        {"username": "operator", "password": PASSWORD, "next": "/console/requests/new/"},
    )
    assert response.url == "/console/requests/new/"


def test_it_refuses_a_citizen_at_the_login_form(client, citizen):
    response = client.post(LOGIN, {"username": "citizen", "password": PASSWORD})
    assert response.status_code == 200
    assert b"This account cannot use the staff console." in response.content
    assert "_auth_user_id" not in client.session


def test_it_refuses_a_wrong_password(client, operator):
    response = client.post(LOGIN, {"username": "operator", "password": "wrong"})
    assert response.status_code == 200
    assert b'class="alert error"' in response.content
    assert "_auth_user_id" not in client.session


def test_it_sends_an_anonymous_visitor_to_the_login_page(client):
    response = client.get(LIST)
    assert response.status_code == 302
    assert response.url.startswith(LOGIN)


def test_it_redirects_an_anonymous_htmx_request_with_a_header_not_a_fragment(client):
    response = client.get(
        LIST,
        headers=htmx(
            "queue", **{"HX-Current-URL": "http://testserver/console/requests/?urgency=critical"}
        ),
    )
    assert response.status_code == 200
    assert response["HX-Redirect"] == f"{LOGIN}?next=/console/requests/%3Furgency%3Dcritical"
    assert response.content == b""


@pytest.mark.parametrize(
    "url",
    [
        reverse("console:request_list"),
        reverse("console:request_new"),
        reverse("console:request_detail", args=["20220114-0001"]),
    ],
)
def test_it_shows_403_to_a_signed_in_user_without_a_console_role(client, citizen, url):
    client.force_login(citizen)
    response = client.get(url)
    assert response.status_code == 403
    assert b"This account cannot use the staff console." in response.content


def test_it_refuses_an_inactive_staff_account(client, operator):
    operator.is_active = False
    operator.save()
    response = client.post(LOGIN, {"username": "operator", "password": PASSWORD})
    assert "_auth_user_id" not in client.session
    assert response.status_code == 200


def test_it_signs_out_by_post_only(client, operator):
    client.force_login(operator)
    assert client.get(reverse("console:logout")).status_code == 405
    response = client.post(reverse("console:logout"))
    assert response.status_code == 302
    assert response.url == LOGIN
    assert client.get(LIST).status_code == 302


def test_it_switches_the_language(client, operator):
    client.force_login(operator)
    client.cookies.pop("django_language")
    page = client.get(LIST)
    assert 'lang="zh-Hans"' in page.content.decode()
    # The switch sends no "next", so it comes back to the address HTMX last pushed.
    filtered = "http://testserver/console/requests/?urgency=critical"
    response = client.post("/i18n/setlang/", {"language": "en"}, headers={"Referer": filtered})
    assert response.status_code == 302
    assert response.url == filtered
    assert 'lang="en"' in client.get(LIST).content.decode()
