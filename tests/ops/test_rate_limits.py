"""Per-client rate limits: 429 with Retry-After on the public pages, Open311 and the API.

Time stands still at 10:30 inside an hour's window, so a window never turns over mid-test
and ``Retry-After`` is exactly the half hour left.
"""

from __future__ import annotations

import json
import os
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
import redis
import time_machine
from django.core.cache import cache
from django.test import Client
from django.utils import translation

from accounts.models import ApiKey, User
from core.models import Channel
from lib.rates import Rate, parse_networks

HOUR = 3600
HALF_HOUR_LEFT = "1800"
WAIT = "You have sent too many requests. Please wait %(seconds)s s and try again."


def _zh(msgid: str) -> str:
    """The Chinese of ``msgid`` (the msgid itself until its translation is compiled)."""
    with translation.override("zh-hans"):
        return translation.gettext(msgid)


@pytest.fixture(autouse=True)
def _frozen_mid_window() -> Any:
    with time_machine.travel(datetime(2026, 11, 29, 10, 30, tzinfo=UTC), tick=False):
        cache.clear()
        yield


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _limits(settings: Any, *, public: int | None = None, api: int | None = None) -> None:
    settings.HUYING_RATE_LIMIT_PUBLIC = Rate(public, HOUR) if public else None
    settings.HUYING_RATE_LIMIT_API = Rate(api, HOUR) if api else None


# --- Public pages ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_public_page_answers_429_past_the_rate_in_chinese(client: Client, settings: Any) -> None:
    _limits(settings, public=3)
    statuses = [client.get("/track/").status_code for _ in range(3)]
    assert statuses == [200, 200, 200]
    refused = client.get("/track/")
    assert refused.status_code == 429
    assert refused["Retry-After"] == HALF_HOUR_LEFT
    assert refused["Content-Type"].startswith("text/html")
    body = refused.content.decode()
    assert 'lang="zh-hans"' in body
    assert _zh("Too many requests") in body
    assert _zh(WAIT) % {"seconds": 1800} in body


@pytest.mark.django_db
def test_public_page_429_is_english_for_accept_language_en(client: Client, settings: Any) -> None:
    _limits(settings, public=1)
    client.get("/track/")
    refused = client.get("/track/", headers={"Accept-Language": "en"})
    assert refused.status_code == 429
    body = refused.content.decode()
    assert "Too many requests" in body
    assert 'lang="en"' in body


@pytest.mark.django_db
def test_posts_count_against_a_stricter_share(client: Client, settings: Any) -> None:
    # 10 an hour in all, of which 10 // 5 = 2 may be writes.
    _limits(settings, public=10)
    form = {"number": "HY20261129-0001", "phone_last4": "1234"}
    # The view answers them (422: no such request), the third never reaches it.
    assert client.post("/track/", form).status_code == 422
    assert client.post("/track/", form).status_code == 422
    refused = client.post("/track/", form)
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    # Reading is still allowed: the general budget is not spent.
    assert client.get("/track/").status_code == 200


@pytest.mark.django_db
def test_a_signed_in_citizen_is_counted_apart_from_the_address(
    client: Client, citizen: User, settings: Any
) -> None:
    _limits(settings, public=2)
    assert [client.get("/track/").status_code for _ in range(3)] == [200, 200, 429]
    signed_in = Client()
    signed_in.force_login(citizen)
    # Same address (the test client's 127.0.0.1), the account's own budget.
    assert [signed_in.get("/track/").status_code for _ in range(3)] == [200, 200, 429]


@pytest.mark.django_db
def test_other_public_paths_are_limited_too(client: Client, settings: Any) -> None:
    _limits(settings, public=1)
    client.get("/app/")
    assert client.get("/enterprise/").status_code == 429
    assert client.get("/passes/verify/").status_code == 429


@pytest.mark.django_db
def test_staff_pages_and_health_are_never_limited(
    client: Client, dispatcher: User, settings: Any
) -> None:
    _limits(settings, public=1, api=1)
    for _ in range(5):
        assert client.get("/console/login/").status_code == 200
        assert client.get("/healthz").status_code == 200
    staff = Client()
    staff.force_login(dispatcher)
    for _ in range(5):
        assert staff.get("/console/requests/").status_code == 200


@pytest.mark.django_db
def test_off_means_no_limit(client: Client, settings: Any) -> None:
    _limits(settings)
    assert {client.get("/track/").status_code for _ in range(20)} == {200}


# --- Client address behind a proxy ----------------------------------------------------------


@pytest.mark.django_db
def test_a_trusted_proxys_forwarded_address_is_the_client(client: Client, settings: Any) -> None:
    _limits(settings, public=1)
    settings.HUYING_TRUSTED_PROXIES = parse_networks("T", ["127.0.0.0/8"])
    first = {"X-Forwarded-For": "203.0.113.5"}
    second = {"X-Forwarded-For": "203.0.113.6"}
    assert client.get("/track/", headers=first).status_code == 200
    assert client.get("/track/", headers=second).status_code == 200
    assert client.get("/track/", headers=first).status_code == 429
    # A client cannot buy a fresh budget by writing its own entry at the left: the proxy
    # appended the real address at the right, and that is the one read.
    spoofed = {"X-Forwarded-For": "198.51.100.77, 203.0.113.6"}
    assert client.get("/track/", headers=spoofed).status_code == 429


@pytest.mark.django_db
def test_forwarded_for_is_ignored_from_an_untrusted_peer(client: Client, settings: Any) -> None:
    _limits(settings, public=1)
    settings.HUYING_TRUSTED_PROXIES = parse_networks("T", ["10.0.0.1"])
    assert client.get("/track/", headers={"X-Forwarded-For": "203.0.113.5"}).status_code == 200
    assert client.get("/track/", headers={"X-Forwarded-For": "203.0.113.6"}).status_code == 429


@pytest.mark.django_db
def test_garbage_in_forwarded_for_falls_back_to_the_peer(client: Client, settings: Any) -> None:
    _limits(settings, public=1)
    settings.HUYING_TRUSTED_PROXIES = parse_networks("T", ["127.0.0.1"])
    assert client.get("/track/", headers={"X-Forwarded-For": "<script>"}).status_code == 200
    assert client.get("/track/", headers={"X-Forwarded-For": "not-an-ip"}).status_code == 429


# --- Open311 --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_open311_answers_its_errors_body_with_429(client: Client, settings: Any) -> None:
    _limits(settings, public=1)
    assert client.get("/open311/v2/services.json").status_code == 200
    refused = client.get("/open311/v2/services.json", headers={"Accept-Language": "en"})
    assert refused.status_code == 429
    assert refused["Retry-After"] == HALF_HOUR_LEFT
    body = json.loads(refused.content)
    assert body[0]["code"] == 429
    assert "too many requests" in body[0]["description"]
    xml = client.get("/open311/v2/services.xml")
    assert xml.status_code == 429
    assert xml["Content-Type"].startswith("text/xml")
    assert "<errors>" in xml.content.decode()
    assert _zh(WAIT) % {"seconds": 1800} in xml.content.decode()


# --- API ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_each_api_key_has_its_own_budget(client: Client, settings: Any) -> None:
    _limits(settings, api=2)
    _key_a, secret_a = ApiKey.issue(name="app A", channel=Channel.APP)
    _key_b, secret_b = ApiKey.issue(name="app B", channel=Channel.API)
    a = {"X-API-Key": secret_a}
    statuses = [client.get("/api/v1/categories", headers=a).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    refused = client.get("/api/v1/categories", headers=a)
    assert refused["Retry-After"] == HALF_HOUR_LEFT
    assert refused.json()["code"] == "rate_limited"
    assert refused.json()["message"] == _zh(WAIT) % {"seconds": 1800}
    b = {"X-API-Key": secret_b}
    assert client.get("/api/v1/categories", headers=b).status_code == 200


@pytest.mark.django_db
def test_api_429_speaks_english_when_asked(client: Client, settings: Any) -> None:
    _limits(settings, api=1)
    _key, secret = ApiKey.issue(name="app", channel=Channel.APP)
    headers = {"X-API-Key": secret, "Accept-Language": "en"}
    client.get("/api/v1/categories", headers=headers)
    refused = client.get("/api/v1/categories", headers=headers)
    assert refused.status_code == 429
    assert refused.json() == {
        "code": "rate_limited",
        "message": "You have sent too many requests. Please wait 1800 s and try again.",
        "details": {},
    }


@pytest.mark.django_db
def test_personal_tokens_are_counted_per_token(
    client: Client, dispatcher: User, settings: Any
) -> None:
    from accounts.models import ApiToken

    _limits(settings, api=1)
    _token, secret = ApiToken.issue(user=dispatcher, name="script")
    bearer = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/categories", headers=bearer).status_code == 200
    assert client.get("/api/v1/categories", headers=bearer).status_code == 429
    # Without a credential the address has a budget of its own.
    assert client.get("/api/v1/categories").status_code == 401


@pytest.mark.django_db
def test_inventing_keys_does_not_buy_fresh_budgets(client: Client, settings: Any) -> None:
    _limits(settings, api=2)
    assert (
        client.get("/api/v1/categories", headers={"X-API-Key": "hyk_made_up_1"}).status_code == 401
    )
    assert (
        client.get("/api/v1/categories", headers={"X-API-Key": "hyk_made_up_2"}).status_code == 401
    )
    refused = client.get("/api/v1/categories", headers={"X-API-Key": "hyk_made_up_3"})
    assert refused.status_code == 429
    assert refused.json()["code"] == "rate_limited"


@pytest.mark.django_db
def test_console_api_calls_count_per_signed_in_person(
    client: Client, dispatcher: User, settings: Any
) -> None:
    _limits(settings, api=1)
    staff = Client()
    staff.force_login(dispatcher)
    assert staff.get("/api/v1/categories").status_code == 200
    assert staff.get("/api/v1/categories").status_code == 429
    # The anonymous caller at the same address has a budget of its own.
    assert client.get("/api/v1/categories").status_code == 401


# --- The cache behind the counters ----------------------------------------------------------

REDIS = os.environ.get("HUYING_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _redis_cache(location: str) -> dict[str, Any]:
    return {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": location,
            "KEY_PREFIX": f"huying-test-{uuid.uuid4().hex}",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }


@pytest.mark.django_db
def test_limits_count_in_redis_when_it_is_configured(client: Client, settings: Any) -> None:
    try:
        with redis.Redis.from_url(REDIS, socket_connect_timeout=1) as conn:
            conn.ping()
    except redis.RedisError as exc:
        if os.environ.get("HUYING_REQUIRE_REDIS"):
            pytest.fail(f"Redis does not answer at {REDIS}: {exc}")
        pytest.skip(f"Redis does not answer at {REDIS}")
    settings.CACHES = _redis_cache(REDIS)
    _limits(settings, public=2)
    assert [client.get("/track/").status_code for _ in range(3)] == [200, 200, 429]
    with redis.Redis.from_url(REDIS) as conn:
        prefix = settings.CACHES["default"]["KEY_PREFIX"]
        keys = conn.keys(f"{prefix}:*")
        assert len(keys) == 1
        assert b"rl:public:ip:127.0.0.1:" in keys[0]
        conn.delete(*keys)


@pytest.mark.django_db
def test_a_cache_that_is_down_lets_requests_through(client: Client, settings: Any) -> None:
    settings.CACHES = _redis_cache("redis://127.0.0.1:1/0")
    _limits(settings, public=1, api=1)
    assert [client.get("/track/").status_code for _ in range(3)] == [200, 200, 200]
    assert client.get("/api/v1/categories", headers={"X-API-Key": "hyk_x"}).status_code == 401
