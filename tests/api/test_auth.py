"""The three ways in (token, API key, session) and the refusals: 401 body, CSRF on the session."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import ApiKey, ApiToken
from core.models import Event, Status
from tests.api.conftest import BASE, Api, error_of

pytestmark = pytest.mark.django_db


def test_it_answers_401_with_the_error_body_without_credentials(anonymous, make_request):
    number = make_request().number
    for response in (anonymous.get("/requests"), anonymous.get(f"/requests/{number}")):
        assert response.status_code == 401
        assert error_of(response)["code"] == "not_authenticated"
        assert response["WWW-Authenticate"].startswith("Bearer")


def test_it_answers_401_not_a_csrf_error_to_an_anonymous_post(anonymous):
    response = anonymous.post("/requests", {})
    assert response.status_code == 401
    assert error_of(response)["code"] == "not_authenticated"


def test_it_accepts_a_personal_token_and_notes_its_use(dispatcher):
    token, secret = ApiToken.issue(user=dispatcher, name="script")
    response = Api(Client(), {"Authorization": f"Bearer {secret}"}).get("/requests")
    assert response.status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_it_refuses_a_revoked_token(dispatcher):
    token, secret = ApiToken.issue(user=dispatcher, name="script")
    token.revoked_at = timezone.now()
    token.save()
    response = Api(Client(), {"Authorization": f"Bearer {secret}"}).get("/requests")
    assert response.status_code == 401
    assert error_of(response)["code"] == "not_authenticated"


def test_it_refuses_the_token_of_a_deactivated_user(dispatcher):
    _, secret = ApiToken.issue(user=dispatcher, name="script")
    dispatcher.is_active = False
    dispatcher.save()
    assert Api(Client(), {"Authorization": f"Bearer {secret}"}).get("/requests").status_code == 401


def test_a_wrong_token_is_refused_even_beside_a_valid_session(dispatcher):
    client = Client()
    client.force_login(dispatcher)
    assert Api(client).get("/requests").status_code == 200
    response = Api(client, {"Authorization": "Bearer hyt_not-a-real-token"}).get("/requests")
    assert response.status_code == 401


def test_it_accepts_an_integration_key(integration, make_request):
    response = integration.get("/requests")
    assert response.status_code == 200
    assert response.json()["items"] == []  # it sees only what it filed


def test_it_refuses_a_revoked_or_unknown_api_key(integration_key):
    key, secret = integration_key
    ApiKey.objects.filter(pk=key.pk).update(revoked_at=timezone.now())
    for sent in (secret, "hyk_guessed"):
        response = Api(Client(), {"X-API-Key": sent}).get("/requests")
        assert response.status_code == 401
        assert error_of(response)["code"] == "not_authenticated"


def test_the_session_serves_reads_without_a_csrf_token(dispatcher, make_request):
    client = Client(enforce_csrf_checks=True)
    client.force_login(dispatcher)
    number = make_request().number
    assert Api(client).get(f"/requests/{number}").status_code == 200


def test_a_session_write_without_the_csrf_token_is_refused(dispatcher, group_a, make_request):
    help_request = make_request()
    client = Client(enforce_csrf_checks=True)
    client.force_login(dispatcher)
    response = Api(client).post(f"/requests/{help_request.number}/dispatch", {"group": "medical"})
    assert response.status_code == 403
    assert error_of(response)["code"] == "csrf_failed"
    help_request.refresh_from_db()
    assert help_request.status == Status.RECEIVED
    assert Event.objects.filter(help_request=help_request).count() == 1


def test_a_session_write_with_the_csrf_token_goes_through(dispatcher, group_a, make_request):
    help_request = make_request()
    client = Client(enforce_csrf_checks=True)
    client.force_login(dispatcher)
    client.get(f"{BASE}/docs")  # any page that renders the token sets the cookie
    csrf = client.cookies["csrftoken"].value
    response = Api(client, {"X-CSRFToken": csrf}).post(
        f"/requests/{help_request.number}/dispatch", {"group": "medical"}
    )
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == Status.DISPATCHED


def test_a_token_needs_no_csrf_token_for_writes(api_as, dispatcher, group_a, make_request):
    help_request = make_request()
    api = api_as(dispatcher)
    api.client = Client(enforce_csrf_checks=True)
    response = api.post(f"/requests/{help_request.number}/dispatch", {"group": "medical"})
    assert response.status_code == 200


def test_token_use_is_written_at_most_every_few_minutes(dispatcher):
    token, secret = ApiToken.issue(user=dispatcher, name="script")
    recent = timezone.now() - timedelta(minutes=1)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=recent)
    Api(Client(), {"Authorization": f"Bearer {secret}"}).get("/requests")
    token.refresh_from_db()
    assert token.last_used_at == recent
