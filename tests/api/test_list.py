"""GET /requests: the filtered, keyset-paged queue, masked, without a query per row."""

from __future__ import annotations

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.access import Actor
from core.models import Category, Channel, Division, PersonalDataAccess, Urgency
from core.services import request_dispatch, request_resolve_at_intake
from tests.api.conftest import error_of, valid_intake

pytestmark = pytest.mark.django_db


def numbers(response) -> list[str]:
    assert response.status_code == 200, response.json()
    return [item["number"] for item in response.json()["items"]]


def test_it_lists_the_most_urgent_first_and_masks_everyone(api_as, dispatcher, make_request):
    normal = make_request(urgency=Urgency.NORMAL)
    critical = make_request(urgency=Urgency.CRITICAL)
    urgent = make_request(urgency=Urgency.URGENT)
    response = api_as(dispatcher).get("/requests")
    assert numbers(response) == [critical.number, urgent.number, normal.number]
    assert response.json()["next_cursor"] is None
    item = response.json()["items"][0]
    assert (item["requester_name"], item["requester_phone"]) == ("张*", "138****1234")
    assert "13812341234" not in response.content.decode()
    assert PersonalDataAccess.objects.count() == 0


def test_it_filters_by_status_given_repeated_or_comma_separated(
    api_as, dispatcher, operator, group_a, make_request
):
    received = make_request()
    dispatched = make_request()
    resolved = make_request()
    request_dispatch(dispatched, actor=Actor(user=dispatcher), group=group_a)
    request_resolve_at_intake(resolved, actor=Actor(user=operator), answer="已电话解答")
    api = api_as(dispatcher)
    assert numbers(api.get("/requests", {"status": "received"})) == [received.number]
    expected = {received.number, dispatched.number}
    assert set(numbers(api.get("/requests", {"status": "received,dispatched"}))) == expected
    assert set(numbers(api.get("/requests", {"status": ["received", "dispatched"]}))) == expected
    assert numbers(api.get("/requests", {"group": "medical"})) == [dispatched.number]


def test_it_filters_by_codes_and_text(api_as, dispatcher, make_request):
    medical = make_request()
    supplies = make_request(
        category=Category.objects.get(code="supplies"),
        urgency=Urgency.URGENT,
        channel=Channel.MEDIA,
        division=Division.objects.get(code="410811001"),
        description="隔离户婴儿奶粉告急",
    )
    api = api_as(dispatcher)
    assert numbers(api.get("/requests", {"category": "supplies"})) == [supplies.number]
    assert numbers(api.get("/requests", {"urgency": "critical"})) == [medical.number]
    assert numbers(api.get("/requests", {"channel": "media"})) == [supplies.number]
    # A county's code finds the requests filed on its streets.
    assert numbers(api.get("/requests", {"division": "410802"})) == [medical.number]
    assert numbers(api.get("/requests", {"q": "奶粉"})) == [supplies.number]
    assert numbers(api.get("/requests", {"q": medical.number})) == [medical.number]


def test_it_filters_by_overdue_and_received_dates(api_as, dispatcher, make_request):
    with time_machine.travel("2022-01-13 10:00:00+08:00", tick=False):
        old = make_request()
    with time_machine.travel("2022-01-14 10:00:00+08:00", tick=False):
        new = make_request(urgency=Urgency.NORMAL)
        api = api_as(dispatcher)
        assert numbers(api.get("/requests", {"overdue": "true"})) == [old.number]
        assert numbers(api.get("/requests", {"overdue": "false"})) == [new.number]
        assert numbers(api.get("/requests", {"received_from": "2022-01-14"})) == [new.number]
        assert numbers(api.get("/requests", {"received_to": "2022-01-13"})) == [old.number]
        both = {"received_from": "2022-01-13", "received_to": "2022-01-14"}
        assert set(numbers(api.get("/requests", both))) == {old.number, new.number}


def test_it_pages_with_a_cursor_without_skipping_or_repeating(api_as, dispatcher, make_request):
    made = [
        make_request(urgency=urgency)
        for urgency in [Urgency.NORMAL, Urgency.CRITICAL, Urgency.URGENT] * 3
    ]
    api = api_as(dispatcher)
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params = {"limit": 4, **({"cursor": cursor} if cursor else {})}
        response = api.get("/requests", params)
        seen += numbers(response)
        cursor = response.json()["next_cursor"]
        pages += 1
        if cursor is None:
            break
    assert pages == 3
    assert sorted(seen) == sorted(hr.number for hr in made)
    assert seen == numbers(api.get("/requests"))


def test_members_and_integrations_list_only_what_they_may_see(
    api_as, dispatcher, member_a, group_a, integration, make_request
):
    mine = make_request()
    make_request()
    request_dispatch(mine, actor=Actor(user=dispatcher), group=group_a)
    assert numbers(api_as(member_a).get("/requests")) == [mine.number]
    filed = integration.post("/requests", valid_intake()).json()["number"]
    assert numbers(integration.get("/requests")) == [filed]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "received,lost"}, "status"),
        ({"status": ["received", "lost"]}, "status"),
        ({"urgency": "panic"}, "urgency"),
        ({"channel": "fax"}, "channel"),
        ({"category": "vaccines"}, "category"),
        ({"division": "999999"}, "division"),
        ({"group": "no-such-group"}, "group"),
        ({"overdue": "perhaps"}, "overdue"),
        ({"received_from": "14/01/2022"}, "received_from"),
        ({"received_from": "2022-01-15", "received_to": "2022-01-14"}, "received_to"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"cursor": "WzEsMl0"}, "cursor"),  # valid base64 JSON, wrong shape
        ({"limit": 0}, "limit"),
        ({"limit": 201}, "limit"),
        ({"limit": "ten"}, "limit"),
    ],
)
def test_it_refuses_bad_filters_field_by_field(api_as, dispatcher, params, field):
    response = api_as(dispatcher).get("/requests", params)
    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "invalid_input"
    assert list(error["details"]) == [field]


def test_limit_bounds_are_explained_in_english(api_as, dispatcher):
    details = error_of(api_as(dispatcher).get("/requests", {"limit": 201}, lang="en"))["details"]
    assert details == {"limit": ["Ensure this value is less than or equal to 200."]}


def test_the_list_does_not_query_once_per_row(
    api_as, dispatcher, member_a, group_a, make_request, django_assert_max_num_queries
):
    def queries_for(api) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert api.get("/requests", {"limit": 200}).status_code == 200
        return len(captured)

    first = make_request()
    request_dispatch(first, actor=Actor(user=dispatcher), group=group_a)
    as_dispatcher, as_member = api_as(dispatcher), api_as(member_a)
    as_dispatcher.get("/requests"), as_member.get("/requests")  # notes each token's first use
    few = (queries_for(as_dispatcher), queries_for(as_member))
    for index in range(15):
        help_request = make_request(urgency=[Urgency.NORMAL, Urgency.URGENT][index % 2])
        request_dispatch(help_request, actor=Actor(user=dispatcher), group=group_a)
    assert len(as_member.get("/requests", {"limit": 200}).json()["items"]) == 16
    assert (queries_for(as_dispatcher), queries_for(as_member)) == few
    with django_assert_max_num_queries(3):  # token, groups, page
        as_member.get("/requests", {"limit": 200, "overdue": "false"})


def test_it_lists_requests_received_late_in_the_local_day(api_as, dispatcher, make_request):
    # 07:30 in Jiaozuo is the day before in UTC; the date filters use the local day.
    with time_machine.travel("2022-01-15 07:30:00+08:00", tick=False):
        early = make_request()
    api = api_as(dispatcher)
    assert numbers(
        api.get("/requests", {"received_from": "2022-01-15", "received_to": "2022-01-15"})
    ) == [early.number]
    assert numbers(api.get("/requests", {"received_to": "2022-01-14"})) == []
