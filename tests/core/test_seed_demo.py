"""seed_demo: the demo organisation, and request histories that obey the services' rules."""

from __future__ import annotations

import itertools
from collections import defaultdict
from datetime import timedelta
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from accounts.models import ApiKey, Role, User
from core import clocks
from core.access import Actor
from core.demo import (
    DEMO_ACCOUNTS,
    TASK_FORCES,
    WORKING_GROUPS,
    demo_accounts_text,
    ensure_demo_organisation,
    seed_requests,
)
from core.intake import normalise_id_number, normalise_phone, normalise_uscc
from core.models import (
    OPEN_STATUSES,
    URGENCY_RANK,
    Category,
    Channel,
    DailySequence,
    Event,
    Group,
    GroupMembership,
    HelpRequest,
    Requester,
    Status,
)
from core.services import request_accept, request_create, request_dispatch
from tests.conftest import new_request, shared_rows

pytestmark = pytest.mark.django_db

N = 300


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.fixture(scope="module")
def seeded_once(django_db_setup, django_db_blocker):
    """The seeded week, made once: the tests below read it (tests.conftest.shared_rows)."""
    yield from shared_rows(
        "seeded_once",
        django_db_blocker,
        lambda: seed("--requests", str(N), "--days", "7", "--seed", "7"),
    )


@pytest.fixture
def seeded(seeded_once) -> list[HelpRequest]:
    return list(HelpRequest.objects.prefetch_related("events").order_by("id"))


#: A sample large enough that rare categories, channels and states all turn up whatever the
#: hour it is seeded at (the receipt times, and so the draws after them, follow the clock).
LARGE = 2000


@pytest.fixture
def large_sample() -> list[HelpRequest]:
    seed("--requests", str(LARGE), "--days", "14", "--seed", "7")
    return list(HelpRequest.objects.all())


def test_it_files_n_requests_in_every_category_channel_and_state(seeded, large_sample):
    assert len(seeded) == N
    assert all(hr.priority == URGENCY_RANK[hr.urgency] for hr in seeded)  # type: ignore[index]
    assert len(large_sample) == N + LARGE
    every = large_sample
    assert {hr.category_id for hr in every} == set(Category.objects.values_list("code", flat=True))
    assert {hr.channel for hr in every} == set(Channel.values)
    assert {hr.status for hr in every} == set(Status.values)
    assert {hr.urgency for hr in every} == {"critical", "urgent", "normal"}


def test_it_weights_categories_like_the_seed_story(large_sample):
    counts: dict[str, int] = defaultdict(int)
    for hr in large_sample:
        counts[hr.category_id] += 1
    top = sorted(counts, key=counts.__getitem__, reverse=True)[:4]
    assert set(top) == {"policy", "travel", "health_code", "medical"}
    critical = sum(hr.urgency == "critical" for hr in large_sample)
    assert 0 < critical < len(large_sample) * 0.1


def test_events_replay_to_the_status(seeded):
    now = timezone.now()
    for hr in seeded:
        events = sorted(hr.events.all(), key=lambda e: (e.created_at, e.id))
        assert events[0].kind == Event.Kind.CREATED
        assert events[0].from_status == "" and events[0].created_at == hr.received_at
        for before, after in itertools.pairwise(events):
            assert before.to_status == after.from_status, hr.number
            assert before.created_at < after.created_at, hr.number
        assert events[-1].to_status == hr.status, hr.number
        assert events[-1].created_at <= now
        assert hr.updated_at == events[-1].created_at


def test_fields_match_the_state(seeded):
    for hr in seeded:
        if (
            hr.status
            in (
                Status.DISPATCHED,
                Status.ACCEPTED,
                Status.IN_PROGRESS,
                Status.RESOLVED,
                Status.CLOSED,
            )
            and hr.events.filter(kind=Event.Kind.DISPATCHED).exists()
        ):
            assert hr.lead_group_id is not None and hr.dispatched_at is not None
        if hr.status in (Status.ACCEPTED, Status.IN_PROGRESS):
            assert hr.accepted_by_id is not None
            assert hr.accepted_by_id in set(
                GroupMembership.objects.filter(group_id=hr.lead_group_id).values_list(
                    "user_id", flat=True
                )
            )
        if hr.status in (Status.RESOLVED, Status.CLOSED):
            assert hr.answer and hr.answer_method and hr.resolved_at
        if hr.status == Status.CLOSED:
            assert hr.satisfaction and hr.closed_at
        if hr.status == Status.MERGED:
            assert hr.merged_into is not None
            assert hr.merged_into.status != Status.MERGED
            assert hr.merged_into.received_at < hr.received_at
        else:
            assert hr.merged_into_id is None


def test_clocks_follow_the_windows_and_the_due_rule(seeded):
    now = timezone.now()
    for hr in seeded:
        windows = clocks.windows_for(category_code=hr.category_id, urgency=hr.urgency)
        if hr.return_count == 0:
            assert hr.dispatch_due_at - hr.received_at == windows.dispatch
            assert hr.accept_due_at - hr.received_at == windows.accept
        if hr.reopen_count == 0:
            assert hr.resolve_due_at - hr.received_at == windows.resolve
        if hr.is_open:
            assert hr.due_at == clocks.current_due(hr)
    overdue = [hr for hr in seeded if hr.is_overdue(now)]
    assert overdue, "some open requests should be late"
    assert any(hr.is_open and not hr.is_overdue(now) for hr in seeded)


def test_older_requests_are_mostly_closed_and_recent_ones_open(seeded):
    now = timezone.now()
    old = [hr for hr in seeded if now - hr.received_at > timedelta(days=4)]
    recent = [hr for hr in seeded if now - hr.received_at < timedelta(hours=12)]
    assert sum(hr.status in (Status.CLOSED, Status.MERGED) for hr in old) > len(old) * 0.8
    assert sum(hr.status in OPEN_STATUSES for hr in recent) > len(recent) * 0.4


def test_numbers_are_unique_per_local_day_and_the_sequence_is_kept(seeded):
    by_day: dict[str, list[int]] = defaultdict(list)
    for hr in seeded:
        day, seq = hr.number.split("-")
        assert day == f"{timezone.localdate(hr.received_at):%Y%m%d}"
        by_day[day].append(int(seq))
    last = {f"{s.day:%Y%m%d}": s.last for s in DailySequence.objects.all()}
    for day, numbers in by_day.items():
        assert sorted(numbers) == list(range(1, len(numbers) + 1))
        assert last[day] == len(numbers)
    # Within a day, numbers follow the order of receipt.
    ordered = sorted(seeded, key=lambda hr: hr.received_at)
    assert [hr.number for hr in ordered] == sorted(hr.number for hr in seeded)


def test_a_live_create_after_seeding_gets_a_fresh_number(seeded):
    operator = User.objects.get(username="operator")
    today = timezone.localdate()
    # Just after midnight the seeded days may not reach today yet: then this is its first.
    before = DailySequence.objects.filter(day=today).values_list("last", flat=True).first() or 0
    hr, created = request_create(actor=Actor(user=operator), new=new_request())
    assert created
    assert hr.number == f"{today:%Y%m%d}-{before + 1:04d}"
    assert HelpRequest.objects.filter(number=hr.number).count() == 1


def test_seeding_again_continues_the_numbers():
    seed("--requests", "40", "--days", "1", "--seed", "1")
    seed("--requests", "40", "--days", "1", "--seed", "2")
    numbers = list(HelpRequest.objects.values_list("number", flat=True))
    assert len(numbers) == len(set(numbers)) == 80
    for row in DailySequence.objects.all():
        used = [n for n in numbers if n.startswith(f"{row.day:%Y%m%d}-")]
        assert row.last == len(used) == max(int(n.split("-")[1]) for n in used)


def test_seeded_requests_can_be_worked_through_the_services(seeded):
    medical = Group.objects.get(code="medical")
    dispatcher = User.objects.get(username="dispatcher")
    member = User.objects.get(username="member")
    hr = HelpRequest.objects.filter(status=Status.RECEIVED).first()
    if hr is not None:
        hr = request_dispatch(hr, actor=Actor(user=dispatcher), group=medical)
    else:
        # Seeded just after midnight, the newest requests may all have been dispatched.
        hr = HelpRequest.objects.filter(status=Status.DISPATCHED, lead_group=medical).first()
    assert hr is not None
    hr = request_accept(hr, actor=Actor(user=member))
    assert hr.status == Status.ACCEPTED
    assert list(hr.events.order_by("id").values_list("kind", flat=True))[-2:] == [
        "dispatched",
        "accepted",
    ]


def test_requesters_have_valid_phones_and_id_numbers_and_some_call_again(seeded):
    requesters = list(Requester.objects.all())
    for r in requesters:
        assert normalise_phone(r.phone) == r.phone
        assert normalise_id_number(r.id_number) == r.id_number
        assert normalise_uscc(r.uscc) == r.uscc
    assert any(r.id_number for r in requesters)
    assert any(r.uscc for r in requesters)
    assert len(requesters) < N
    assert sum(r.requests.count() > 1 for r in requesters) > 5


def test_the_demo_citizen_sees_their_own_requests(seeded):
    citizen = User.objects.get(username="citizen")
    assert HelpRequest.objects.filter(created_by=citizen).exists()
    assert set(
        HelpRequest.objects.filter(created_by=citizen).values_list("requester__phone", flat=True)
    ) == {citizen.phone}


def test_organisation_is_1991n_and_idempotent():
    first = ensure_demo_organisation()
    counts = (
        User.objects.count(),
        Group.objects.count(),
        GroupMembership.objects.count(),
        ApiKey.objects.count(),
    )
    second = ensure_demo_organisation()
    assert counts == (
        User.objects.count(),
        Group.objects.count(),
        GroupMembership.objects.count(),
        ApiKey.objects.count(),
    )
    assert first.groups.keys() == second.groups.keys()
    assert Group.objects.filter(kind=Group.Kind.WORKING_GROUP).count() == len(WORKING_GROUPS) == 9
    assert Group.objects.filter(kind=Group.Kind.TASK_FORCE).count() == len(TASK_FORCES) == 9
    assert not Group.objects.filter(leader=None).exists()
    assert len({g.leader_id for g in Group.objects.all()}) == 18
    medical = Group.objects.get(code="medical")
    assert medical.name == "医疗救治组" and medical.leader is not None
    assert medical.leader.username == "leader"
    assert GroupMembership.objects.filter(group=medical, user__username="member").exists()


def test_every_role_has_a_demo_account_with_the_demo_password():
    ensure_demo_organisation()
    roles = {account.role for account in DEMO_ACCOUNTS}
    assert roles == set(Role.values)
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff
    assert User.objects.get(username="dispatcher").check_password(settings.HUYING_DEMO_PASSWORD)
    text = demo_accounts_text()
    assert settings.HUYING_DEMO_PASSWORD in text
    assert all(account.username in text for account in DEMO_ACCOUNTS)


def test_if_empty_seeds_only_once():
    out = seed("--if-empty", "--requests", "30", "--days", "2", "--seed", "3")
    assert HelpRequest.objects.count() == 30
    assert "operator" in out  # the accounts are printed
    out = seed("--if-empty", "--requests", "30", "--days", "2", "--seed", "3")
    assert HelpRequest.objects.count() == 30
    assert "nothing seeded" in out


def test_requests_zero_makes_only_the_organisation():
    seed("--requests", "0", "--no-accounts")
    assert not HelpRequest.objects.exists()
    assert Group.objects.count() == 18 + 1  # and 指挥部值班 (hq), from the duty roster


def test_the_same_seed_gives_the_same_history():
    now = timezone.now()
    seed_requests(count=60, days=3, seed=11, now=now)
    first = list(HelpRequest.objects.order_by("id").values_list("summary", "status", "urgency"))
    second_run = seed_requests(count=60, days=3, seed=11, now=now)
    assert second_run.requests == 60
    rows = list(HelpRequest.objects.order_by("id").values_list("summary", "status", "urgency"))
    assert rows[60:] == first


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--requests", "-1"], "--requests"),
        (["--requests", "many"], "--requests"),
        (["--days", "0"], "--days"),
        (["--batch-size", "0"], "--batch-size"),
    ],
)
def test_bad_arguments_are_refused_and_write_nothing(args, says):
    from django.core.management import CommandError

    with pytest.raises(CommandError, match=says):
        call_command("seed_demo", *args, verbosity=0)
    assert not HelpRequest.objects.exists()
