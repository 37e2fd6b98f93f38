"""A request's page: who may open it, how much of the requester they see, what they may do."""

from __future__ import annotations

import pytest
from django.urls import reverse

from core.access import Actor
from core.models import PersonalDataAccess
from core.services import request_dispatch
from tests.console.conftest import htmx

pytestmark = pytest.mark.django_db


def detail(number: str) -> str:
    return reverse("console:request_detail", args=[number])


def test_the_operator_sees_personal_data_masked_with_a_way_to_reveal_it(
    client, operator, make_request
):
    hr = make_request()
    client.force_login(operator)
    page = client.get(detail(hr.number)).content.decode()
    assert "张*" in page and "138****1234" in page and "4108**********1232" in page
    assert "13812341234" not in page and "410802199001011232" not in page
    # The reveal itself, with its reason, is in tests/console/test_reveal.py.
    assert reverse("console:request_personal_data", args=[hr.number]) in page
    assert PersonalDataAccess.objects.count() == 0


@pytest.mark.parametrize("persona", ["commander", "auditor"])
def test_readers_see_the_requester_masked_and_nothing_is_recorded(
    client, request, persona, make_request
):
    hr = make_request()
    client.force_login(request.getfixturevalue(persona))
    response = client.get(detail(hr.number))
    page = response.content.decode()
    assert response.status_code == 200
    assert "张*" in page and "138****1234" in page and "4108**********1232" in page
    assert "张丽" not in page and "13812341234" not in page and "410802199001011232" not in page
    assert "Personal data is masked for your role." in page
    assert PersonalDataAccess.objects.count() == 0


def test_a_member_of_group_b_gets_404_for_group_a_request(
    client, dispatcher, group_a, member_b, make_request
):
    hr = request_dispatch(make_request(), actor=Actor(user=dispatcher), group=group_a)
    client.force_login(member_b)
    response = client.get(detail(hr.number))
    assert response.status_code == 404
    assert "张丽" not in response.content.decode()
    assert PersonalDataAccess.objects.count() == 0


def test_a_member_sees_the_request_once_it_is_dispatched_to_their_group(
    client, dispatcher, group_a, member_a, make_request
):
    hr = make_request()
    client.force_login(member_a)
    assert client.get(detail(hr.number)).status_code == 404
    request_dispatch(hr, actor=Actor(user=dispatcher), group=group_a)
    assert client.get(detail(hr.number)).status_code == 200


def test_an_unknown_number_is_404(client, dispatcher):
    client.force_login(dispatcher)
    assert client.get(detail("20991231-0001")).status_code == 404


def test_the_timeline_names_each_step_and_the_group(
    client, dispatcher, group_a, group_b, make_request
):
    hr = make_request()
    request_dispatch(
        hr, actor=Actor(user=dispatcher), group=group_a, assisting=[group_b], note="请尽快联系120"
    )
    client.force_login(dispatcher)
    page = client.get(detail(hr.number)).content.decode()
    assert "<strong>Received</strong>" in page
    assert "<strong>Dispatched</strong>" in page
    assert "to Medical care group; assisted by Supplies group" in page
    assert "请尽快联系120" in page
    assert "· dispatcher" in page


@pytest.mark.parametrize(
    ("persona", "offered"),
    [
        ("dispatcher", ["dispatch", "merge", "resolve_at_intake"]),
        ("operator", ["resolve_at_intake"]),
        ("commander", []),
    ],
)
def test_it_offers_only_the_actions_the_role_may_take_now(
    client, request, make_request, persona, offered
):
    hr = make_request()
    client.force_login(request.getfixturevalue(persona))
    page = client.get(detail(hr.number)).content.decode()
    for action in [
        "dispatch",
        "merge",
        "resolve_at_intake",
        "accept",
        "resolve",
        "close",
        "reopen",
    ]:
        url = f'action="/console/requests/{hr.number}/{action}/"'
        assert (url in page) == (action in offered), action
    if not offered:
        assert "Nothing for you to do at this stage." in page


def test_an_htmx_request_gets_only_the_panel(client, dispatcher, make_request):
    hr = make_request()
    client.force_login(dispatcher)
    response = client.get(detail(hr.number), headers=htmx("request-panel"))
    page = response.content.decode()
    assert page.startswith('<div id="request-panel"')
    assert "<html" not in page
