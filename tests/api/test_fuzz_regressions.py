"""Inputs that once made the API answer 500, each now a field error in the API's error body.

A NUL character is stored fine by SQLite but refused by PostgreSQL, so these mattered on
the production database only; they must be refused the same way on both.
"""

from __future__ import annotations

import pytest

from core.models import Event
from tests.api.conftest import error_of, valid_intake

pytestmark = pytest.mark.django_db

NUL = "\x00"


@pytest.fixture
def api(api_as, dispatcher):
    return api_as(dispatcher)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"q": f"透析{NUL}"}, "q"),
        ({"category": NUL}, "category"),
        ({"division": f"410802{NUL}"}, "division"),
        ({"group": NUL}, "group"),
        ({"cursor": NUL}, "cursor"),
    ],
)
def test_a_nul_in_the_query_string_is_a_field_error(api, params, field):
    response = api.get("/requests", params, lang="en")
    assert response.status_code == 422
    assert error_of(response)["details"] == {field: ["Null characters are not allowed."]}


@pytest.mark.parametrize(
    ("action", "body", "field"),
    [
        ("note", {"note": f"已联系{NUL}"}, "note"),
        ("dispatch", {"group": NUL}, "group"),
        ("dispatch", {"group": "medical", "assisting_groups": [NUL]}, "assisting_groups"),
        ("merge", {"into": NUL}, "into"),
        ("resolve-at-intake", {"answer": NUL}, "answer"),
        ("close", {"satisfaction": "satisfied", "note": NUL}, "note"),
    ],
)
def test_a_nul_in_a_body_is_a_field_error_and_changes_nothing(
    api, make_request, group_a, action, body, field
):
    help_request = make_request()
    response = api.post(f"/requests/{help_request.number}/{action}", body, lang="en")
    assert response.status_code == 422, response.content
    assert error_of(response)["details"] == {field: ["Null characters are not allowed."]}
    assert Event.objects.filter(help_request=help_request).count() == 1


def test_a_nul_in_a_new_request_is_a_field_error(api):
    response = api.post("/requests", valid_intake(requester_name=f"李{NUL}娜"))
    assert response.status_code == 422
    assert set(error_of(response)["details"]) == {"requester_name"}


def test_a_nul_in_the_idempotency_key_is_a_field_error(api):
    response = api.post("/requests", valid_intake(), headers={"Idempotency-Key": f"k{NUL}1"})
    assert response.status_code == 422
    assert set(error_of(response)["details"]) == {"idempotency_key"}


@pytest.mark.parametrize("path", ["/requests/{number}", "/requests/{number}/events"])
def test_a_nul_in_a_request_number_is_not_found(api, make_request, path):
    number = make_request().number
    response = api.get(path.format(number=f"{number}%00"))
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"received_from": "0001-01-01"}, "received_from"),
        ({"received_to": "9999-12-31"}, "received_to"),
    ],
)
def test_a_day_at_the_end_of_the_calendar_is_a_field_error_in_the_list(api, params, field):
    response = api.get("/requests", params, lang="en")
    assert response.status_code == 422
    assert error_of(response)["details"] == {
        field: ["Enter a date between 1900-01-01 and 2999-12-31."]
    }
    assert api.get("/requests", {field: "2022-01-14"}).status_code == 200


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"day": "9999-12-31"}, "day"),
        ({"day": "0001-01-01", "cutoff": "24:00"}, "day"),
        ({"start": "0001-01-01T00:00", "end": "2022-01-14"}, "start"),
        ({"start": "2022-01-14", "end": "9999-12-31T23:59"}, "end"),
    ],
)
def test_a_day_at_the_end_of_the_calendar_is_a_field_error_in_the_figures(api, params, field):
    response = api.get("/reports/figures", params)
    assert response.status_code == 422
    assert set(error_of(response)["details"]) == {field}


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_a_report_is_not_issued_for_a_day_at_the_end_of_the_calendar(api, day):
    response = api.post("/reports", {"day": day})
    assert response.status_code == 422
    assert set(error_of(response)["details"]) == {"day"}
