"""The public tracking page: number plus the phone's last four digits, and nothing personal."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from core.access import Actor
from core.models import HelpRequest
from core.services import (
    request_accept,
    request_close,
    request_dispatch,
    request_resolve,
    request_start,
)
from public import views

pytestmark = pytest.mark.django_db

TRACK = reverse("public:track")
NOT_FOUND = "No request matches this number and these digits."
ANSWER = "已安排120于今晚8点转运至市人民医院透析，司机电话已短信告知。"


@pytest.fixture
def closed_request(make_request, dispatcher, member_a, operator, group_a) -> HelpRequest:
    hr = make_request()
    hr = request_dispatch(hr, actor=Actor(user=dispatcher), group=group_a, note="内部：危急，优先")
    hr = request_accept(hr, actor=Actor(user=member_a), note="内部备注：已致电家属")
    hr = request_start(hr, actor=Actor(user=member_a))
    hr = request_resolve(hr, actor=Actor(user=member_a), answer=ANSWER, answer_method="phone")
    return request_close(hr, actor=Actor(user=operator), satisfaction="satisfied")


def without_csrf(page: str) -> str:
    """The page with its CSRF tokens (64 letters and digits, fresh each time) blanked."""
    return re.sub(r"\b[A-Za-z0-9]{64}\b", "TOKEN", page)


def test_it_shows_the_form_to_anyone(client):
    response = client.get(TRACK)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="number"' in page and 'name="phone_last4"' in page
    assert 'name="viewport"' in page
    assert "Sign out" not in page


def test_it_shows_status_steps_and_answer_with_the_right_digits(client, closed_request):
    response = client.post(TRACK, {"number": closed_request.number, "phone_last4": "1234"})
    assert response.status_code == 200
    page = response.content.decode()
    assert closed_request.number in page
    assert 'data-status="closed"' in page
    assert ANSWER in page
    steps = re.findall(r'<span class="step-label">([^<]+)</span>', page)
    assert steps == ["Received", "Dispatched", "Accepted", "Work started", "Resolved", "Closed"]


def test_it_leaks_no_personal_data_no_notes_and_no_staff(client, closed_request):
    page = client.post(
        TRACK, {"number": closed_request.number, "phone_last4": "1234"}
    ).content.decode()
    for secret in [
        "张丽",
        "13812341234",
        "138****1234",
        "410802199001011232",  # the requester
        "幸福里",
        "透析，小区封控",  # address and description
        "内部",
        "已致电家属",  # notes
        "operator",
        "dispatcher",
        "member_a",  # staff
        "Medical care group",
        "医疗救治组",  # the group
    ]:
        assert secret not in page, secret


def test_it_shows_no_answer_before_the_request_is_resolved(client, make_request):
    hr = make_request()
    page = client.post(TRACK, {"number": hr.number, "phone_last4": "1234"}).content.decode()
    assert 'data-status="received"' in page
    assert "Our answer" not in page


def test_wrong_digits_and_a_wrong_number_look_exactly_alike(client, closed_request):
    wrong_digits = client.post(TRACK, {"number": closed_request.number, "phone_last4": "9999"})
    no_such_number = client.post(TRACK, {"number": "20991231-0001", "phone_last4": "9999"})
    assert wrong_digits.status_code == no_such_number.status_code == 200
    assert NOT_FOUND in wrong_digits.content.decode()
    first = without_csrf(wrong_digits.content.decode()).replace(closed_request.number, "N")
    second = without_csrf(no_such_number.content.decode()).replace("20991231-0001", "N")
    assert first == second
    assert ANSWER not in first and "data-status" not in first


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"number": "0097", "phone_last4": "1234"}, "number"),
        ({"number": "2022-01-14", "phone_last4": "1234"}, "number"),
        ({"number": "20220114-0097", "phone_last4": "12a4"}, "phone_last4"),
        ({"number": "20220114-0097", "phone_last4": "123"}, "phone_last4"),
        ({"number": "", "phone_last4": ""}, "number"),
    ],
)
def test_it_checks_the_input_with_field_errors(client, data, field):
    response = client.post(TRACK, data)
    assert response.status_code == 422
    page = response.content.decode()
    assert f'id="id_{field}_error"' in page
    assert NOT_FOUND not in page


def test_it_accepts_a_number_copied_with_spaces_and_a_full_width_dash(client, closed_request):
    day, sequence = closed_request.number.split("-")
    response = client.post(TRACK, {"number": f" {day}－{sequence} ", "phone_last4": "1234"})
    assert 'data-status="closed"' in response.content.decode()


def test_it_stops_guessing_after_too_many_failures(client, closed_request, monkeypatch):
    monkeypatch.setattr(views, "FAILURES_PER_NUMBER", 3)
    for digits in ["0000", "0001", "0002"]:
        assert (
            NOT_FOUND
            in client.post(
                TRACK, {"number": closed_request.number, "phone_last4": digits}
            ).content.decode()
        )
    # Even the right digits are refused now, so guessing cannot go on.
    response = client.post(TRACK, {"number": closed_request.number, "phone_last4": "1234"})
    assert response.status_code == 429
    assert ANSWER not in response.content.decode()
    assert "Too many tries" in response.content.decode()


def test_the_limit_is_the_same_for_numbers_that_do_not_exist(client, monkeypatch):
    monkeypatch.setattr(views, "FAILURES_PER_NUMBER", 2)
    for _ in range(2):
        client.post(TRACK, {"number": "20991231-0001", "phone_last4": "0000"})
    assert client.post(TRACK, {"number": "20991231-0001", "phone_last4": "0000"}).status_code == 429


def test_a_merged_request_says_it_is_answered_through_the_other(client, make_request, dispatcher):
    from core.services import request_merge

    original, duplicate = make_request(), make_request()
    request_merge(duplicate, actor=Actor(user=dispatcher), into=original)
    page = client.post(TRACK, {"number": duplicate.number, "phone_last4": "1234"}).content.decode()
    assert 'data-status="merged"' in page
    assert "you will be answered through that one" in page
    assert original.number not in page
