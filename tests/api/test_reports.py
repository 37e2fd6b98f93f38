"""The daily report over the API: figures of a period, issuing, reading."""

from __future__ import annotations

import pytest

from core.models import HelpRequest
from reports.models import DailyReport
from tests.api.conftest import error_of
from tests.reports.conftest import SEED_DAY_REQUESTS, local


def test_a_days_figures_reconcile(api_as, commander, seeded_day):
    response = api_as(commander).get("/reports/figures", {"day": seeded_day.isoformat()})
    assert response.status_code == 200
    data = response.json()
    assert data["totals"]["received"] == SEED_DAY_REQUESTS
    for rows in data["breakdowns"].values():
        assert sum(r["received"] for r in rows) == SEED_DAY_REQUESTS
    assert len(data["trend"]) == 30


def test_a_periods_figures(api_as, commander, seeded_day):
    response = api_as(commander).get(
        "/reports/figures", {"start": "2022-01-12T17:00", "end": "2022-01-14T17:00"}
    )
    assert response.status_code == 200
    expected = HelpRequest.objects.filter(
        received_at__gte=local(seeded_day.replace(day=12)).replace(hour=17),
        received_at__lt=local(seeded_day).replace(hour=17),
    ).count()
    assert response.json()["totals"]["received"] == expected
    assert response.json()["trend"] == []


@pytest.mark.parametrize(
    ("params", "fields"),
    [
        ({"day": "2022-01-14", "cutoff": "25:00"}, {"cutoff"}),
        ({"day": "14/01/2022"}, {"day"}),
        ({"start": "2022-01-15", "end": "2022-01-14"}, {"end"}),
        ({"start": "2022-01-15"}, {"end"}),
        ({"start": "bad", "end": "worse", "cutoff": "7pm"}, {"start", "end", "cutoff"}),
        ({"day": "2022-01-14", "start": "2022-01-13", "end": "2022-01-14"}, {"day"}),
        ({"day": "2999-01-01"}, {"day"}),
    ],
)
def test_bad_periods_are_named_field_by_field(api_as, commander, params, fields):
    response = api_as(commander).get("/reports/figures", params, lang="en")
    assert response.status_code == 422
    body = error_of(response)
    assert set(body["details"]) == fields


def test_bad_period_messages_are_chinese_by_default(api_as, commander):
    body = error_of(
        api_as(commander).get("/reports/figures", {"day": "2022-01-14", "cutoff": "25:00"})
    )
    assert "截止时点" in body["details"]["cutoff"][0]


def test_issue_then_read_then_version(api_as, dispatcher, commander, seeded_day):
    api = api_as(dispatcher)
    created = api.post("/reports", {"day": seeded_day.isoformat()})
    assert created.status_code == 201, created.content
    assert (created.json()["issue"], created.json()["version"]) == (1, 1)
    again = api.post("/reports", {"day": seeded_day.isoformat()})
    assert again.status_code == 422 and set(error_of(again)["details"]) == {"reason"}
    second = api.post("/reports", {"day": seeded_day.isoformat(), "reason": "补录"})
    assert (second.json()["issue"], second.json()["version"]) == (1, 2)

    reader = api_as(commander)
    listed = reader.get("/reports").json()["items"]
    assert [(r["issue"], r["version"], r["versions"]) for r in listed] == [(1, 2, [1, 2])]
    first = reader.get("/reports/1", {"version": 1}).json()
    assert first["version"] == 1 and first["data"]["totals"]["received"] == SEED_DAY_REQUESTS
    assert reader.get("/reports/9").status_code == 404


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"day": "2999-01-01"}, {"day"}),
        ({"day": "not a day"}, {"day"}),
        ({"day": "2022-01-14", "cutoff": "24:01"}, {"cutoff"}),
        ({}, {"day"}),
    ],
)
def test_issuing_bad_input_writes_nothing(api_as, dispatcher, body, fields):
    response = api_as(dispatcher).post("/reports", body)
    assert response.status_code == 422
    assert set(error_of(response)["details"]) == fields
    assert not DailyReport.objects.exists()


@pytest.mark.parametrize("role", ["member", "operator", "citizen"])
def test_reports_are_for_headquarters(api_as, django_user_model, role, db):
    user = django_user_model.objects.create_user(username=role, password="x", role=role)
    api = api_as(user)
    assert api.get("/reports").status_code == 403
    assert api.get("/reports/figures", {"day": "2022-01-14"}).status_code == 403
    assert api.post("/reports", {"day": "2022-01-14"}).status_code == 403


def test_anonymous_callers_get_401(anonymous):
    assert anonymous.get("/reports").status_code == 401
    assert anonymous.get("/reports/figures").status_code == 401
    assert anonymous.post("/reports", {"day": "2022-01-14"}).status_code == 401
