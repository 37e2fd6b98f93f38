"""Races: many creates at once, and two people acting on one request at the same moment.

These use real threads with their own database connections; on PostgreSQL they exercise the
row locks, on SQLite the serialised IMMEDIATE transactions.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.db import connection

from accounts.models import Role, User
from core.access import Actor
from core.errors import HuyingError, TransitionNotAllowed
from core.models import Event, GroupMembership, HelpRequest, Status
from core.services import (
    request_accept,
    request_create,
    request_dispatch,
    request_merge,
    request_resolve_at_intake,
)
from tests.conftest import new_request

pytestmark = pytest.mark.django_db(transaction=True)


def run_together(calls: list[Callable[[], Any]]) -> list[Any]:
    """Start every call at the same instant; return each result or the exception it raised."""
    barrier = threading.Barrier(len(calls))

    def run(call: Callable[[], Any]) -> Any:
        try:
            barrier.wait()
            return call()
        except Exception as exc:  # the loser's refusal is part of the result
            return exc
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


def test_fifty_parallel_creates_get_fifty_distinct_numbers(operator):
    actor = Actor(user=operator)
    new = new_request()
    results = run_together([lambda: request_create(actor=actor, new=new)[0] for _ in range(50)])
    errors = [r for r in results if isinstance(r, Exception)]
    assert errors == []
    numbers = {r.number for r in results}
    assert len(numbers) == 50
    sequence = sorted(int(number.split("-")[1]) for number in numbers)
    assert sequence == list(range(1, 51))
    assert HelpRequest.objects.count() == 50


def test_parallel_creates_with_one_idempotency_key_make_one_request(operator):
    actor = Actor(user=operator)
    new = new_request()
    results = run_together(
        [
            lambda: request_create(actor=actor, new=new, idempotency_key="retry-1", body_hash="h")
            for _ in range(8)
        ]
    )
    assert not [r for r in results if isinstance(r, Exception)]
    assert {r[0].pk for r in results} == {HelpRequest.objects.get().pk}
    assert sum(1 for r in results if r[1]) == 1


def test_two_accepts_at_once_leave_one_winner(make_request, dispatcher, group_a, member_a):
    other = User.objects.create_user(username="member_a2", password="x" * 12, role=Role.MEMBER)
    GroupMembership.objects.create(group=group_a, user=other)
    hr = request_dispatch(make_request(), actor=Actor(user=dispatcher), group=group_a)
    results = run_together(
        [
            lambda: request_accept(hr, actor=Actor(user=member_a)),
            lambda: request_accept(hr, actor=Actor(user=other)),
        ]
    )
    winners = [r for r in results if isinstance(r, HelpRequest)]
    losers = [r for r in results if isinstance(r, HuyingError)]
    assert len(winners) == 1 and len(losers) == 1
    assert isinstance(losers[0], TransitionNotAllowed)
    hr.refresh_from_db()
    assert hr.status == Status.ACCEPTED
    assert hr.accepted_by == winners[0].accepted_by
    assert list(hr.events.values_list("kind", flat=True).order_by("id")) == [
        Event.Kind.CREATED,
        Event.Kind.DISPATCHED,
        Event.Kind.ACCEPTED,
    ]


def test_dispatch_and_answer_on_the_line_at_once_leave_one_winner(
    make_request, dispatcher, operator, group_a
):
    hr = make_request()
    results = run_together(
        [
            lambda: request_dispatch(hr, actor=Actor(user=dispatcher), group=group_a),
            lambda: request_resolve_at_intake(hr, actor=Actor(user=operator), answer="已电话解答"),
        ]
    )
    assert sum(isinstance(r, HelpRequest) for r in results) == 1
    assert sum(isinstance(r, TransitionNotAllowed) for r in results) == 1
    hr.refresh_from_db()
    events = list(hr.events.order_by("id"))
    assert len(events) == 2
    assert events[-1].to_status == hr.status
    assert events[-1].from_status == Status.RECEIVED


def test_merging_a_pair_both_ways_at_once_leaves_no_chain(make_request, dispatcher):
    first, second = make_request(), make_request()
    actor = Actor(user=dispatcher)
    results = run_together(
        [
            lambda: request_merge(first, actor=actor, into=second),
            lambda: request_merge(second, actor=actor, into=first),
        ]
    )
    assert sum(isinstance(r, HelpRequest) for r in results) == 1
    assert sum(isinstance(r, HuyingError) for r in results) == 1
    merged = HelpRequest.objects.filter(status=Status.MERGED)
    assert merged.count() == 1
    target = merged.get().merged_into
    assert target is not None
    assert target.status != Status.MERGED
