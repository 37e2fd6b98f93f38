"""The queue: filters combine as a person expects, order is urgency then deadline, paging is stable."""

from __future__ import annotations

import pytest
import time_machine

from core.access import Actor
from core.errors import InvalidInput
from core.models import Division
from core.selectors import RequestFilters, request_queue
from core.services import request_dispatch, request_resolve_at_intake

pytestmark = pytest.mark.django_db


def numbers(page):
    return [hr.number for hr in page.items]


def test_order_is_urgency_then_nearest_deadline(make_request, dispatcher):
    normal = make_request(urgency="normal")
    critical = make_request(urgency="critical")
    urgent = make_request(urgency="urgent")
    page = request_queue(actor=Actor(user=dispatcher), filters=RequestFilters())
    assert numbers(page) == [critical.number, urgent.number, normal.number]


def test_overdue_keeps_only_open_requests_past_their_deadline(make_request, dispatcher, operator):
    with time_machine.travel("2022-01-14 08:00:00+08:00", tick=False):
        late = make_request(urgency="critical")
        answered = request_resolve_at_intake(
            make_request(), actor=Actor(user=operator), answer="已解答"
        )
    with time_machine.travel("2022-01-14 09:00:00+08:00", tick=False):
        on_time = make_request(urgency="normal")
        actor = Actor(user=dispatcher)
        assert numbers(request_queue(actor=actor, filters=RequestFilters(overdue=True))) == [
            late.number
        ]
        # Asking for overdue finished requests finds none: finished requests are never overdue.
        filters = RequestFilters(overdue=True, statuses=["resolved"])
        assert numbers(request_queue(actor=actor, filters=filters)) == []
        not_overdue = numbers(request_queue(actor=actor, filters=RequestFilters(overdue=False)))
        assert set(not_overdue) == {answered.number, on_time.number}


def test_county_finds_its_streets_and_street_only_itself(make_request, dispatcher):
    street = Division.objects.get(code="410802001")
    other_street = Division.objects.get(code="410802002")
    in_street = make_request(division=street)
    in_other = make_request(division=other_street)
    elsewhere = make_request(division=Division.objects.get(code="410883001"))
    actor = Actor(user=dispatcher)
    county = numbers(request_queue(actor=actor, filters=RequestFilters(division="410802")))
    assert set(county) == {in_street.number, in_other.number}
    assert elsewhere.number not in county
    assert numbers(request_queue(actor=actor, filters=RequestFilters(division="410802001"))) == [
        in_street.number
    ]


def test_group_filter_with_unknown_code_finds_nothing(make_request, dispatcher, group_a):
    hr = request_dispatch(make_request(), actor=Actor(user=dispatcher), group=group_a)
    actor = Actor(user=dispatcher)
    assert numbers(request_queue(actor=actor, filters=RequestFilters(group="medical"))) == [
        hr.number
    ]
    assert numbers(request_queue(actor=actor, filters=RequestFilters(group="nope"))) == []


def test_cursor_pages_through_without_repeats_or_gaps(make_request, dispatcher):
    filed = {make_request(urgency=u).number for u in ["normal", "urgent", "critical"] * 4}
    actor = Actor(user=dispatcher)
    seen: list[str] = []
    cursor = None
    while True:
        page = request_queue(actor=actor, filters=RequestFilters(), cursor=cursor, limit=5)
        seen += numbers(page)
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert len(seen) == len(set(seen)) == 12
    assert set(seen) == filed


def test_bad_cursor_is_a_field_error(dispatcher):
    with pytest.raises(InvalidInput) as info:
        request_queue(actor=Actor(user=dispatcher), filters=RequestFilters(), cursor="garbage!")
    assert "cursor" in info.value.details


def test_member_sees_only_their_groups_requests(
    make_request, dispatcher, group_a, group_b, member_a
):
    mine = request_dispatch(make_request(), actor=Actor(user=dispatcher), group=group_a)
    request_dispatch(make_request(), actor=Actor(user=dispatcher), group=group_b)
    make_request()  # still with the dispatcher
    assert numbers(request_queue(actor=Actor(user=member_a), filters=RequestFilters())) == [
        mine.number
    ]
