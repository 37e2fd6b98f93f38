"""A small client for the JSON API, and the ways in: token, API key, session."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from accounts.models import ApiKey, ApiToken, User

BASE = "/api/v1"


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    # The personas are created with a password; the default hasher makes that most of a
    # test's run time, and no test here is about password strength.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


class Api:
    """Calls ``/api/v1`` with fixed headers; ``body`` is sent as JSON, ``raw`` as is."""

    def __init__(self, client: Client, headers: dict[str, str] | None = None) -> None:
        self.client = client
        self.headers = headers or {}

    def _headers(self, lang: str | None, extra: dict[str, str] | None) -> dict[str, str]:
        headers = dict(self.headers)
        if lang:
            headers["Accept-Language"] = lang
        headers.update(extra or {})
        return headers

    def get(
        self,
        path: str,
        params: Any = None,
        *,
        lang: str | None = None,
        headers: dict[str, str] | None = None,
    ):
        return self.client.get(BASE + path, params or {}, headers=self._headers(lang, headers))

    def post(
        self,
        path: str,
        body: Any = None,
        *,
        raw: str | bytes | None = None,
        lang: str | None = None,
        headers: dict[str, str] | None = None,
    ):
        data = raw if raw is not None else ("" if body is None else json.dumps(body))
        return self.client.post(
            BASE + path,
            data=data,
            content_type="application/json",
            headers=self._headers(lang, headers),
        )

    def call(self, method: str, path: str, *, lang: str | None = None):
        return self.client.generic(method, BASE + path, headers=self._headers(lang, None))


@pytest.fixture
def anonymous(db: Any) -> Api:
    return Api(Client())


@pytest.fixture
def api_as(db: Any) -> Callable[[User], Api]:
    """An API client that authenticates as ``user`` with a fresh personal token."""

    def make(user: User) -> Api:
        _, secret = ApiToken.issue(user=user, name="test")
        return Api(Client(), {"Authorization": f"Bearer {secret}"})

    return make


@pytest.fixture
def integration(integration_key: tuple[ApiKey, str]) -> Api:
    """The citizen app's integration, calling with its API key (channel ``app``)."""
    return Api(Client(), {"X-API-Key": integration_key[1]})


def valid_intake(**overrides: Any) -> dict[str, Any]:
    """A valid body for ``POST /requests``: a quarantined family out of infant formula."""
    body: dict[str, Any] = {
        "channel": "hotline",
        "category": "supplies",
        "urgency": "urgent",
        "summary": "隔离户婴儿奶粉告急",
        "description": "居家隔离第5天，8个月婴儿奶粉只剩一天的量，小区封控无法外出购买。",
        "division": "410811001",
        "address": "定和街道建设路12号院2单元",
        "requester_kind": "person",
        "requester_name": "李娜",
        "requester_phone": "13912345678",
        "requester_id_number": "11010519491231002X",
        "external_ref": "",
    }
    body.update(overrides)
    return body


def error_of(response: Any) -> dict[str, Any]:
    """The error body, after checking it has exactly the API's three keys."""
    body: dict[str, Any] = response.json()
    assert set(body) == {"code", "message", "details"}, body
    assert isinstance(body["message"], str) and body["message"]
    return body
