"""The life cycle of DESIGN.md, one transition at a time, through the services only."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from core.access import Actor
from core.errors import Forbidden, InvalidInput, TransitionNotAllowed
from core.models import Event, HelpRequest, Satisfaction, Status
from core.services import (
    request_accept,
    request_close,
    request_dispatch,
    request_merge,
    request_reopen,
    request_resolve,
    request_resolve_at_intake,
    request_return,
    request_start,
)

pytestmark = pytest.mark.django_db


def kinds(help_request: HelpRequest) -> list[str]:
    return list(help_request.events.order_by("id").values_list("kind", flat=True))


def test_create_numbers_by_day_and_starts_clocks(make_request):
    with time_machine.travel("2022-01-14 09:30:00+08:00", tick=False):
        first = make_request()
        second = make_request(urgency="normal")
    assert first.number == "20220114-0001"
    assert second.number == "20220114-0002"
    assert first.status == Status.RECEIVED
    assert first.dispatch_due_at - first.received_at == timedelta(minutes=5)
    assert first.accept_due_at - first.received_at == timedelta(minutes=10)
    assert first.resolve_due_at - first.received_at == timedelta(hours=2)
    assert first.due_at == first.dispatch_due_at
    assert second.resolve_due_at - second.received_at == timedelta(hours=72)
    assert kinds(first) == [Event.Kind.CREATED]


def test_number_uses_the_local_day_not_utc(make_request):
    # 07:30 in Jiaozuo is still the previous day in UTC.
    with time_machine.travel("2022-01-15 07:30:00+08:00", tick=False):
        assert make_request().number == "20220115-0001"


def test_full_life_cycle_writes_one_event_per_step(
    make_request, dispatcher, member_a, operator, group_a
):
    hr = make_request()
    hr = request_dispatch(hr, actor=Actor(user=dispatcher), group=group_a)
    assert hr.status == Status.DISPATCHED and hr.due_at == hr.accept_due_at
    hr = request_accept(hr, actor=Actor(user=member_a))
    assert hr.accepted_by == member_a and hr.due_at == hr.resolve_due_at
    hr = request_start(hr, actor=Actor(user=member_a), note="已联系社区安排车辆")
    hr = request_resolve(
        hr, actor=Actor(user=member_a), answer="已安排专车接送透析", answer_method="phone"
    )
    assert hr.status == Status.RESOLVED and hr.answer == "已安排专车接送透析"
    hr = request_close(hr, actor=Actor(user=operator), satisfaction=Satisfaction.SATISFIED)
    assert hr.status == Status.CLOSED and hr.satisfaction == Satisfaction.SATISFIED
    assert kinds(hr) == ["created", "dispatched", "accepted", "started", "resolved", "closed"]
    statuses = list(hr.events.order_by("id").values_list("from_status", "to_status"))
    assert statuses[1:] == [
        ("received", "dispatched"),
        ("dispatched", "accepted"),
        ("accepted", "in_progress"),
        ("in_progress", "resolved"),
        ("resolved", "closed"),
    ]


def test_dispatch_rejects_closed_request(make_request, operator, dispatcher):
    hr = request_resolve_at_intake(make_request(), actor=Actor(user=operator), answer="政策已解答")
    with pytest.raises(TransitionNotAllowed):
        request_dispatch(hr, actor=Actor(user=dispatcher), group=_any_group())
    assert kinds(hr) == ["created", "resolved_at_intake"]


def _any_group():
    from core.models import Group

    return Group.objects.get_or_create(code="x", defaults={"name": "x", "kind": "working_group"})[0]


def test_dispatch_refuses_inactive_group(make_request, dispatcher, group_a):
    group_a.is_active = False
    group_a.save()
    hr = make_request()
    with pytest.raises(InvalidInput) as info:
        request_dispatch(hr, actor=Actor(user=dispatcher), group=group_a)
    assert "group" in info.value.details
    hr.refresh_from_db()
    assert hr.status == Status.RECEIVED


def test_member_of_another_group_cannot_accept(make_request, dispatcher, group_a, member_b):
    hr = request_dispatch(make_request(), actor=Actor(user=dispatcher), group=group_a)
    with pytest.raises(Forbidden):
        request_accept(hr, actor=Actor(user=member_b))


def test_return_sends_back_to_dispatcher_and_restarts_dispatch_clock(
    make_request, dispatcher, group_a, member_a
):
    with time_machine.travel("2022-01-14 10:00:00+08:00", tick=False):
        hr = make_request(urgency="urgent")
        hr = request_dispatch(hr, actor=Actor(user=dispatcher), group=group_a)
    original_resolve_due = hr.resolve_due_at
    with time_machine.travel("2022-01-14 10:20:00+08:00", tick=False):
        with pytest.raises(InvalidInput):
            request_return(hr, actor=Actor(user=member_a), reason="  ")
        hr = request_return(hr, actor=Actor(user=member_a), reason="不属于本组职责，应由物资组办理")
        assert hr.status == Status.RECEIVED and hr.lead_group is None
        assert hr.dispatch_due_at == timezone.now() + timedelta(minutes=30)
    assert hr.resolve_due_at == original_resolve_due
    assert hr.return_count == 1
    assert kinds(hr)[-1] == "returned"


def test_first_unsatisfied_rating_reopens_second_closes(
    make_request, dispatcher, group_a, member_a, operator
):
    hr = request_dispatch(make_request(), actor=Actor(user=dispatcher), group=group_a)
    hr = request_accept(hr, actor=Actor(user=member_a))
    hr = request_resolve(hr, actor=Actor(user=member_a), answer="已协调", answer_method="phone")
    hr = request_close(hr, actor=Actor(user=operator), satisfaction=Satisfaction.UNSATISFIED)
    assert hr.status == Status.IN_PROGRESS and hr.reopen_count == 1
    hr = request_resolve(hr, actor=Actor(user=member_a), answer="已送达", answer_method="sms")
    hr = request_close(hr, actor=Actor(user=operator), satisfaction=Satisfaction.UNSATISFIED)
    assert hr.status == Status.CLOSED and hr.satisfaction == Satisfaction.UNSATISFIED
    assert kinds(hr) == [
        "created",
        "dispatched",
        "accepted",
        "resolved",
        "reopened",
        "resolved",
        "closed",
    ]


def test_leader_reopens_closed_request(
    make_request, dispatcher, group_a, member_a, leader_a, operator
):
    hr = request_dispatch(make_request(), actor=Actor(user=dispatcher), group=group_a)
    hr = request_accept(hr, actor=Actor(user=member_a))
    hr = request_resolve(hr, actor=Actor(user=member_a), answer="已协调", answer_method="phone")
    hr = request_close(hr, actor=Actor(user=operator), satisfaction=Satisfaction.SATISFIED)
    with pytest.raises(Forbidden):
        request_reopen(hr, actor=Actor(user=member_a), reason="复查")
    hr = request_reopen(hr, actor=Actor(user=leader_a), reason="回访发现药品未送到")
    assert hr.status == Status.IN_PROGRESS


def test_merge_marks_duplicate(make_request, dispatcher):
    original = make_request()
    duplicate = make_request()
    with pytest.raises(InvalidInput):
        request_merge(duplicate, actor=Actor(user=dispatcher), into=duplicate)
    merged = request_merge(duplicate, actor=Actor(user=dispatcher), into=original)
    assert merged.status == Status.MERGED and merged.merged_into == original
    third = make_request()
    with pytest.raises(InvalidInput):
        request_merge(third, actor=Actor(user=dispatcher), into=merged)


def test_the_database_refuses_to_rewrite_an_event(make_request):
    from django.db import DatabaseError, transaction

    event = make_request().events.get()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        Event.objects.filter(pk=event.pk).update(note="changed afterwards")
    with pytest.raises(RuntimeError):
        event.save()
    event.refresh_from_db()
    assert event.note == ""
