"""``/healthz`` and ``/readyz``, and what the public side answers when the database is gone."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from accounts.models import ApiKey
from core.models import Channel
from core.tasks import start_sweeping
from tests.ops.conftest import Server

#: A PostgreSQL address where nothing listens: every connection is refused at once.
NO_DATABASE = "postgresql://postgres@127.0.0.1:1/huying_gone"


@pytest.mark.django_db
def test_healthz_answers_ok_and_is_never_cached(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok"
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_readyz_is_503_when_no_worker_ran(client: Client) -> None:
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["database"] == "ok"
    assert body["worker"] == "no task finished recently"
    assert body["status"] == "not ready"
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_readyz_can_leave_the_worker_out_for_a_load_balancer(client: Client) -> None:
    response = client.get("/readyz?skip=worker")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "status": "ready"}


def test_readyz_is_200_after_a_real_worker_ran_a_task(
    client: Client, run_worker: Callable[[], Any], settings: Any
) -> None:
    start_sweeping()
    run_worker()  # manage.py db_worker --batch, a process of its own
    assert DBTaskResult.objects.filter(finished_at__isnull=False).exists()
    response = client.get("/readyz")
    assert response.status_code == 200, response.content
    assert response.json() == {"database": "ok", "worker": "ok", "status": "ready"}

    # The same task, finished longer ago than the setting allows, no longer counts.
    settings.HUYING_READY_WORKER_SECONDS = 60
    DBTaskResult.objects.update(finished_at=timezone.now() - timedelta(seconds=61))
    assert client.get("/readyz").status_code == 503


@pytest.mark.django_db
def test_readyz_reports_redis_without_failing_on_it(client: Client, settings: Any) -> None:
    settings.HUYING_REDIS_URL = "redis://127.0.0.1:1/0"
    body = client.get("/readyz?skip=worker").json()
    assert body["redis"] == "unreachable"
    assert body["status"] == "ready"


@pytest.mark.django_db(transaction=True)
def test_without_a_database_health_is_up_and_the_public_side_says_503(
    gunicorn: Callable[..., Server],
) -> None:
    _key, secret = ApiKey.issue(name="app", channel=Channel.APP)
    server = gunicorn(env={"HUYING_DATABASE_URL": NO_DATABASE})

    assert server.get("/healthz")[0] == 200
    status, _headers, body = server.get("/readyz")
    assert status == 503
    assert json.loads(body)["database"] == "unreachable"

    # A public page that reads the database (whether a pass is revoked).
    page = "/passes/status/8f0c6a52-54d4-4c8e-9a36-6d2b7b1f0e11.json"
    status, headers, body = server.get(page, {"Accept-Language": "en"})
    assert status == 503
    assert headers["Retry-After"] == "30"
    assert b"temporarily unavailable" in body
    assert b"Traceback" not in body

    status, headers, body = server.get("/api/v1/categories", {"X-API-Key": secret})
    assert status == 503
    assert headers["Retry-After"] == "30"
    assert json.loads(body)["code"] == "unavailable"

    status, headers, body = server.get("/open311/v2/services.json")
    assert status == 503
    assert json.loads(body)[0]["code"] == 503
