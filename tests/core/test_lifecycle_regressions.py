"""Life-cycle cases the state machine in tests/fuzz found, kept as plain tests."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from core.access import Actor, allowed_actions
from core.models import Event, Satisfaction, Status
from core.services import (
    request_accept,
    request_close,
    request_dispatch,
    request_reopen,
    request_resolve,
    request_resolve_at_intake,
)

pytestmark = pytest.mark.django_db


def test_reopening_an_answer_given_on_the_line_sends_it_back_to_the_dispatcher(
    make_request, operator, dispatcher, member_a, group_a
):
    # Found by the state machine: 直办, then reopened, left the request "in progress" with no
    # group, so nobody could accept, resolve or return it, and its clock ran for ever.
    hr = request_resolve_at_intake(make_request(), actor=Actor(user=operator), answer="已解答")
    with time_machine.travel(timezone.now() + timedelta(hours=1), tick=False):
        hr = request_reopen(hr, actor=Actor(user=dispatcher), reason="回访：政策解答有误")
        assert hr.status == Status.RECEIVED
        assert hr.lead_group is None and hr.resolved_at is None
        assert hr.reopen_count == 1
        # Dispatch is the step it waits on now, with a fresh clock (critical: 5 min).
        assert hr.dispatch_due_at == timezone.now() + timedelta(minutes=5)
        assert hr.due_at == hr.dispatch_due_at
    event = hr.events.order_by("id").last()
    assert event is not None
    assert (event.kind, event.from_status, event.to_status) == (
        Event.Kind.REOPENED,
        Status.RESOLVED,
        Status.RECEIVED,
    )
    assert "dispatch" in allowed_actions(Actor(user=dispatcher), hr)
    # And from there it goes to a group and on as usual.
    hr = request_dispatch(hr, actor=Actor(user=dispatcher), group=group_a)
    hr = request_accept(hr, actor=Actor(user=member_a))
    hr = request_resolve(hr, actor=Actor(user=member_a), answer="已送达", answer_method="sms")
    assert hr.status == Status.RESOLVED


def test_a_first_unsatisfied_rating_of_an_answer_on_the_line_goes_to_the_dispatcher(
    make_request, operator, dispatcher
):
    hr = request_resolve_at_intake(make_request(), actor=Actor(user=operator), answer="已解答")
    hr = request_close(hr, actor=Actor(user=operator), satisfaction=Satisfaction.UNSATISFIED)
    assert hr.status == Status.RECEIVED and hr.reopen_count == 1
    event = hr.events.order_by("id").last()
    assert event is not None and event.data["automatic_reopen"] is True
    assert allowed_actions(Actor(user=dispatcher), hr)[:3] == [
        "dispatch",
        "merge",
        "resolve_at_intake",
    ]


def test_reopening_a_dispatched_request_still_goes_back_to_its_group(
    make_request, dispatcher, member_a, leader_a, group_a
):
    hr = request_dispatch(make_request(), actor=Actor(user=dispatcher), group=group_a)
    hr = request_accept(hr, actor=Actor(user=member_a))
    hr = request_resolve(hr, actor=Actor(user=member_a), answer="已协调", answer_method="phone")
    hr = request_reopen(hr, actor=Actor(user=leader_a), reason="药品未送到")
    assert hr.status == Status.IN_PROGRESS and hr.lead_group == group_a
