"""Clocks and escalation: each overdue step climbs the ladder once, and the right person hears."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from accounts.models import User
from core import tasks
from core.access import Actor
from core.escalation import page, sweep
from core.models import Event, Group, GroupMembership, HelpRequest, OutboundMessage, Urgency
from core.services import request_accept, request_dispatch, request_resolve
from duty.models import Shift
from tests.conftest import PASSWORD

T0 = dt.datetime(2022, 11, 10, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def later(**delta: float) -> dt.datetime:
    return T0 + dt.timedelta(**delta)


@pytest.fixture
def clock() -> Iterator[Any]:
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


@pytest.fixture
def hq(dispatcher: User, commander: User) -> Group:
    """指挥部值班 with the dispatcher as duty chief (A post) and the commander on B."""
    group = Group.objects.create(
        code="hq", name="指挥部值班", kind=Group.Kind.WORKING_GROUP, leader=commander
    )
    for user, phone in ((dispatcher, "13900000001"), (commander, "13900000002")):
        GroupMembership.objects.create(group=group, user=user)
        user.phone = phone
        user.save()
    return group


@pytest.fixture
def b_post(group_a: Group) -> User:
    user = User.objects.create_user(
        username="member_a2", password=PASSWORD, role="member", phone="13900000003"
    )
    GroupMembership.objects.create(group=group_a, user=user)
    return user


@pytest.fixture
def on_duty(
    hq: Group, group_a: Group, leader_a: User, member_a: User, b_post: User, dispatcher: User
) -> None:
    """Both groups covered from a day before T0 to ten days after."""
    leader_a.phone = "13900000004"
    leader_a.save()
    member_a.phone = "13900000005"
    member_a.save()
    start, end = later(days=-1), later(days=10)
    Shift.objects.create(group=hq, starts_at=start, ends_at=end, post_a=dispatcher)
    Shift.objects.create(
        group=group_a, starts_at=start, ends_at=end, post_a=member_a, post_b=b_post
    )


def steps(hr: HelpRequest) -> list[tuple[str, int, str, str]]:
    return [
        (e.kind, e.data["step"], e.data["deadline"], e.data["notified"])
        for e in hr.events.filter(kind__in=[Event.Kind.ESCALATED, Event.Kind.PAGED]).order_by("id")
    ]


def sweep_at(clock: Any, moment: dt.datetime) -> dict[str, int]:
    clock.move_to(moment)
    return sweep().counts


pytestmark = pytest.mark.django_db


def test_a_normal_request_climbs_every_step_once(
    clock, on_duty, make_request, dispatcher, group_a, member_a
):
    hr = make_request(urgency=Urgency.NORMAL)
    assert sweep_at(clock, later(hours=1)).get("escalated", 0) == 0

    # Received past its dispatch deadline (2 h): the duty chief owns it at once.
    assert sweep_at(clock, later(hours=2, seconds=1))["step_1"] == 1
    assert sweep_at(clock, later(hours=2, minutes=30)).get("escalated", 0) == 0
    assert steps(hr) == [("escalated", 1, "dispatch", "dispatcher")]

    hr = request_dispatch(hr, actor=Actor(user=dispatcher), group=group_a)
    # Accept deadline 4 h from receipt, window 4 h: B post at 4 h, leader at 6 h, chief at 8 h.
    assert sweep_at(clock, later(hours=3, minutes=59)).get("escalated", 0) == 0
    assert sweep_at(clock, later(hours=4, seconds=1))["step_1"] == 1
    assert sweep_at(clock, later(hours=5)).get("escalated", 0) == 0  # no step twice
    assert sweep_at(clock, later(hours=6, seconds=1))["step_2"] == 1
    assert sweep_at(clock, later(hours=8, seconds=1))["step_3"] == 1
    counts = sweep_at(clock, later(hours=9))
    assert counts.get("escalated", 0) == 0 and counts["at_top"] == 1
    assert steps(hr)[1:] == [
        ("escalated", 1, "accept", "member_a2"),
        ("escalated", 2, "accept", "leader_a"),
        ("escalated", 3, "accept", "dispatcher"),
    ]
    escalated = hr.events.filter(kind=Event.Kind.ESCALATED).last()
    assert escalated is not None
    assert escalated.from_status == escalated.to_status == "dispatched"
    assert escalated.actor_name == "system"
    assert escalated.data["due_at"] == hr.accept_due_at.astimezone(dt.UTC).isoformat()

    # Accepted: the resolve deadline (72 h) starts the ladder again.
    hr = request_accept(hr, actor=Actor(user=member_a))
    assert sweep_at(clock, later(hours=71)).get("escalated", 0) == 0
    assert sweep_at(clock, later(hours=72, seconds=1))["step_1"] == 1
    assert steps(hr)[-1] == ("escalated", 1, "resolve", "member_a2")

    # Resolved: nothing is waiting any more, however late it gets.
    request_resolve(hr, actor=Actor(user=member_a), answer="已送药上门", answer_method="phone")
    before = len(steps(hr))
    assert sweep_at(clock, later(days=9)).get("escalated", 0) == 0
    assert len(steps(hr)) == before


def test_a_critical_request_is_paged_then_goes_straight_to_the_chief(
    clock, on_duty, make_request, dispatcher, group_a
):
    hr = make_request(urgency=Urgency.CRITICAL)
    created = hr.events.get(kind=Event.Kind.CREATED)
    # Filed with no dispatch rule: the duty chief is paged at once, and only once.
    assert page(created.pk) is not None
    assert page(created.pk) is None
    assert steps(hr) == [("paged", 0, "dispatch", "dispatcher")]
    assert sweep_at(clock, later(minutes=5, seconds=1))["step_1"] == 1

    clock.move_to(later(minutes=6))
    hr = request_dispatch(hr, actor=Actor(user=dispatcher), group=group_a)
    dispatched = hr.events.get(kind=Event.Kind.DISPATCHED)
    paged = page(dispatched.pk)
    assert paged is not None and paged.data["notified"] == "member_a"  # the A post on duty
    assert paged.from_status == paged.to_status == "dispatched"

    # Not accepted within 10 minutes of receipt: straight to the duty chief, steps skipped.
    assert sweep_at(clock, later(minutes=9)).get("escalated", 0) == 0
    assert sweep_at(clock, later(minutes=10, seconds=1))["step_3"] == 1
    assert sweep_at(clock, later(minutes=30)).get("escalated", 0) == 0
    assert steps(hr) == [
        ("paged", 0, "dispatch", "dispatcher"),
        ("escalated", 1, "dispatch", "dispatcher"),
        ("paged", 0, "accept", "member_a"),
        ("escalated", 3, "accept", "dispatcher"),
    ]


def test_the_page_is_queued_when_a_critical_request_commits(
    make_request, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        make_request(urgency=Urgency.CRITICAL)
        make_request(urgency=Urgency.NORMAL)
    paths = list(DBTaskResult.objects.values_list("task_path", flat=True))
    assert paths.count(tasks.page_duty_post.module_path) == 1


def test_nobody_on_duty_does_not_crash(clock, make_request, dispatcher, group_a, leader_a):
    received = make_request(urgency=Urgency.NORMAL)
    dispatched = request_dispatch(
        make_request(urgency=Urgency.NORMAL), actor=Actor(user=dispatcher), group=group_a
    )
    page(received.events.get(kind=Event.Kind.CREATED).pk)  # normal: no page
    counts = sweep_at(clock, later(hours=4, seconds=1))
    assert counts["escalated"] == 2 and counts["nobody"] == 1
    assert steps(received) == [("escalated", 1, "dispatch", "")]
    # No B post on duty: the step falls to the group's leader.
    assert steps(dispatched) == [("escalated", 1, "accept", "leader_a")]


def test_the_text_goes_to_the_phone_of_whoever_is_told(clock, on_duty, make_request):
    hr = make_request(urgency=Urgency.NORMAL)
    sweep_at(clock, later(hours=2, seconds=1))
    event = hr.events.get(kind=Event.Kind.ESCALATED)
    assert tasks.text_escalations.call([event.pk]) == 1
    assert tasks.text_escalations.call([event.pk]) == 0  # a retry sends nothing twice
    message = OutboundMessage.objects.get(event=event)
    assert message.phone == "13900000001"  # the duty chief's
    assert hr.number in message.body


def test_someone_without_a_phone_is_recorded_but_not_texted(
    clock, on_duty, make_request, dispatcher
):
    dispatcher.phone = ""
    dispatcher.save()
    hr = make_request(urgency=Urgency.NORMAL)
    sweep_at(clock, later(hours=2, seconds=1))
    event = hr.events.get(kind=Event.Kind.ESCALATED)
    assert event.data["notified"] == "dispatcher"
    assert tasks.text_escalations.call([event.pk]) == 0
    assert not OutboundMessage.objects.filter(event=event).exists()


def test_the_command_prints_the_counts(clock, on_duty, make_request, capsys):
    make_request(urgency=Urgency.NORMAL)
    clock.move_to(later(hours=3))
    call_command("sweep_clocks")
    assert '"step_1": 1' in capsys.readouterr().out


@pytest.mark.django_db(transaction=True)
def test_the_sweep_runs_in_the_worker_and_queues_the_next(hq, dispatcher, make_request, run_worker):
    now = timezone.now()
    Shift.objects.create(
        group=hq,
        starts_at=now - dt.timedelta(days=1),
        ends_at=now + dt.timedelta(days=1),
        post_a=dispatcher,
    )
    with time_machine.travel(now - dt.timedelta(hours=3)):
        late = make_request(urgency=Urgency.NORMAL)
    critical = make_request(urgency=Urgency.CRITICAL)
    assert tasks.start_sweeping() is True
    assert tasks.start_sweeping() is False  # one chain only

    run_worker()

    assert steps(late) == [("escalated", 1, "dispatch", "dispatcher")]
    assert steps(critical) == [("paged", 0, "dispatch", "dispatcher")]
    to_chief = OutboundMessage.objects.filter(phone="13900000001")
    assert to_chief.count() == 2
    sweeps = DBTaskResult.objects.filter(task_path=tasks.sweep_clocks.module_path)
    assert sorted(sweeps.values_list("status", flat=True)) == ["READY", "SUCCESSFUL"]
    assert sweeps.get(status="READY").run_after > timezone.now()


def test_the_board_mark_follows_the_current_deadline_only(
    clock, on_duty, make_request, dispatcher, group_a, member_a, client
):
    from core.escalation import current_steps

    hr = make_request(urgency=Urgency.NORMAL)
    assert current_steps([hr]) == {}
    sweep_at(clock, later(hours=2, seconds=1))  # the duty chief takes the received request
    assert current_steps([HelpRequest.objects.get(pk=hr.pk)]) == {hr.pk: 1}

    hr = request_dispatch(hr, actor=Actor(user=dispatcher), group=group_a)
    # A new deadline: the dispatch deadline's step no longer counts.
    assert current_steps([hr]) == {}
    sweep_at(clock, later(hours=4, seconds=1))
    sweep_at(clock, later(hours=6, seconds=1))
    assert current_steps([HelpRequest.objects.get(pk=hr.pk)]) == {hr.pk: 2}

    client.force_login(dispatcher)
    html = client.get("/board/fragment/").content.decode()
    assert 'class="escalation-mark" data-step="2"' in html
