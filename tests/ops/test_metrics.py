"""``/metrics``: what it counts, who may read it, and the sum over several gunicorn workers."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from accounts.models import ApiKey
from core.models import Channel
from core.tasks import start_sweeping
from lib.rates import parse_networks
from tests.ops.conftest import Server

TOKEN = "scrape-token-0123456789"


def _value(text: str, name: str, **labels: str) -> float:
    """The sample ``name{labels}`` in the exposition text; 0 if it is not there."""
    for line in text.splitlines():
        match = re.fullmatch(r"([a-z_]+)(?:\{(.*)\})? (\S+)", line)
        if not match or match[1] != name:
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', match[2] or ""))
        if all(found.get(key) == value for key, value in labels.items()):
            return float(match[3])
    return 0.0


def _scrape(client: Client, **headers: str) -> str:
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    return response.content.decode()


@pytest.mark.django_db
def test_requests_latency_queue_and_backlog_are_exposed(client: Client) -> None:
    before = _scrape(client)
    client.get("/track/")
    client.get("/track/")
    client.get("/no/such/page/")
    start_sweeping()  # one task waiting for the worker
    text = _scrape(client)
    route = {"method": "GET", "route": "public:track", "status": "200"}
    assert _value(text, "huying_http_requests_total", **route) == (
        _value(before, "huying_http_requests_total", **route) + 2
    )
    assert _value(text, "huying_http_requests_total", route="unmatched", status="404") >= 1
    assert _value(text, "huying_http_request_duration_seconds_count", route="public:track") >= 2
    assert _value(text, "huying_task_queue_ready") == 1
    assert _value(text, "huying_task_queue_due") == 1
    assert "huying_federation_outbox_backlog 0.0" in text


@pytest.mark.django_db
def test_help_requests_are_counted_by_channel(client: Client) -> None:
    _key, secret = ApiKey.issue(name="Open311", channel=Channel.API)
    before = _value(_scrape(client), "huying_help_requests_created_total", channel="api")
    response = client.post(
        "/open311/v2/requests.json",
        {
            "api_key": secret,
            "service_code": "medical",
            "attribute[division]": "410811004",
            "address_string": "山阳区定和街道建设路12号院",
            "first_name": "娜",
            "last_name": "李",
            "phone": "13912345678",
            "description": "透析病人小区封控出不去，明天上午必须到医院。",
        },
    )
    assert response.status_code == 200, response.content
    after = _value(_scrape(client), "huying_help_requests_created_total", channel="api")
    assert after == before + 1


@pytest.mark.django_db
def test_rate_limited_requests_are_counted(client: Client, settings: Any) -> None:
    from lib.rates import Rate

    settings.HUYING_RATE_LIMIT_PUBLIC = Rate(1, 3600)
    before = _value(_scrape(client), "huying_http_rate_limited_total", scope="public")
    client.get("/app/")
    client.get("/app/")
    client.get("/app/")
    after = _value(_scrape(client), "huying_http_rate_limited_total", scope="public")
    # The window may have turned over between the first two, never twice in a row.
    assert after - before in (1, 2)


@pytest.mark.django_db
def test_metrics_are_hidden_from_other_addresses(client: Client, settings: Any) -> None:
    settings.HUYING_METRICS_ALLOW = parse_networks("A", ["10.0.0.0/8"])
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200


@pytest.mark.django_db
def test_a_forwarded_request_is_not_local(client: Client, settings: Any) -> None:
    # The proxy on 127.0.0.1 relays someone from outside: that someone is not allowed.
    settings.HUYING_TRUSTED_PROXIES = parse_networks("T", ["127.0.0.1"])
    assert client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"}).status_code == 404
    assert client.get("/metrics").status_code == 200


@pytest.mark.django_db
def test_the_token_lets_a_scraper_in_from_anywhere(client: Client, settings: Any) -> None:
    settings.HUYING_METRICS_ALLOW = ()
    settings.HUYING_METRICS_TOKEN = TOKEN
    assert client.get("/metrics").status_code == 404
    assert (
        client.get(
            "/metrics", headers={"Authorization": "Bearer wrong-token-0000000000"}
        ).status_code
        == 404
    )
    assert client.get("/metrics", headers={"Authorization": TOKEN}).status_code == 404
    assert _scrape(client, Authorization=f"Bearer {TOKEN}")


@pytest.mark.django_db(transaction=True)
def test_two_workers_counts_are_added_up_whichever_answers(
    gunicorn: Callable[..., Server], tmp_path: Path
) -> None:
    metrics_dir = tmp_path / "prometheus"
    metrics_dir.mkdir()
    release = tmp_path / "release"
    release.touch()  # the slow page answers at once here
    server = gunicorn(
        workers=2,
        threads=1,
        env={
            "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
            "HUYING_TEST_RELEASE_FILE": str(release),
            "HUYING_RATE_LIMIT_PUBLIC": "off",
        },
    )
    assert server.get("/app/_test/slow")[0] == 200

    def pids() -> set[str]:
        return {path.stem.rsplit("_", 1)[-1] for path in metrics_dir.glob("counter_*.db")}

    # Each new connection goes to whichever process takes it first: ask until both have
    # served (each writes its own file), then some more.
    sent = 0
    while len(pids()) < 2 and sent < 500:
        assert server.get("/track/")[0] == 200
        sent += 1
    for _ in range(5):
        assert server.get("/track/")[0] == 200
        sent += 1
    assert len(pids()) == 2, pids()
    for _ in range(4):  # whichever worker answers the scrape, it reports the sum
        status, _headers, body = server.get("/metrics")
        assert status == 200
        text = body.decode()
        assert (
            _value(text, "huying_http_requests_total", route="public:track", status="200") == sent
        )
        assert _value(text, "huying_http_requests_total", route="tests.ops.urls.slow") == 1
