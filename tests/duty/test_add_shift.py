from __future__ import annotations

import pytest

from core.errors import InvalidInput
from duty.models import Shift
from duty.services import add_shift
from tests.duty.conftest import local


def test_add_shift_puts_a_shift_on_the_roster(group_a, member_a, member_a2):
    shift = add_shift(
        group=group_a,
        starts_at=local(28, 8),
        ends_at=local(28, 20),
        post_a=member_a,
        post_b=member_a2,
        note="白班",
    )
    assert Shift.objects.get() == shift
    assert not shift.has_gap


def test_a_shift_without_b_post_is_allowed_but_flagged(group_a, member_a):
    shift = add_shift(group=group_a, starts_at=local(28, 8), ends_at=local(28, 20), post_a=member_a)
    assert shift.has_gap


def test_the_leader_may_stand_a_shift(group_a, leader_a):
    add_shift(group=group_a, starts_at=local(28, 8), ends_at=local(28, 20), post_a=leader_a)
    assert Shift.objects.count() == 1


@pytest.mark.parametrize("end_hour", [8, 7])
def test_add_shift_refuses_an_end_not_after_the_start(group_a, member_a, end_hour):
    with pytest.raises(InvalidInput) as refused:
        add_shift(
            group=group_a, starts_at=local(28, 8), ends_at=local(28, end_hour), post_a=member_a
        )
    assert list(refused.value.details) == ["ends_at"]
    assert not Shift.objects.exists()


def test_add_shift_refuses_a_shift_with_no_a_post(group_a, member_a2):
    with pytest.raises(InvalidInput) as refused:
        add_shift(
            group=group_a,
            starts_at=local(28, 8),
            ends_at=local(28, 20),
            post_a=None,
            post_b=member_a2,
        )
    assert refused.value.details == {"post_a": ["A shift needs someone on the A post."]}


def test_add_shift_refuses_the_same_person_on_both_posts(group_a, member_a):
    with pytest.raises(InvalidInput) as refused:
        add_shift(
            group=group_a,
            starts_at=local(28, 8),
            ends_at=local(28, 20),
            post_a=member_a,
            post_b=member_a,
        )
    assert list(refused.value.details) == ["post_b"]


def test_add_shift_refuses_someone_outside_the_group(group_a, member_a, member_b):
    with pytest.raises(InvalidInput) as refused:
        add_shift(
            group=group_a,
            starts_at=local(28, 8),
            ends_at=local(28, 20),
            post_a=member_b,
            post_b=member_a,
        )
    assert refused.value.details == {"post_a": ["member_b is not a member of Medical care group."]}


def test_add_shift_refuses_an_overlap_on_the_same_post(group_a, member_a, member_a2):
    add_shift(group=group_a, starts_at=local(28, 8), ends_at=local(28, 20), post_a=member_a)
    with pytest.raises(InvalidInput) as refused:
        add_shift(group=group_a, starts_at=local(28, 19), ends_at=local(29, 7), post_a=member_a2)
    assert refused.value.details == {
        "post_a": ["The A post already has a shift from 2022-11-28 08:00 to 2022-11-28 20:00."]
    }
    assert Shift.objects.count() == 1


def test_add_shift_reports_both_posts_when_both_overlap(group_a, member_a, member_a2, leader_a):
    add_shift(
        group=group_a,
        starts_at=local(28, 8),
        ends_at=local(28, 20),
        post_a=member_a,
        post_b=member_a2,
    )
    with pytest.raises(InvalidInput) as refused:
        add_shift(
            group=group_a,
            starts_at=local(28, 12),
            ends_at=local(28, 14),
            post_a=leader_a,
            post_b=member_a,
        )
    assert set(refused.value.details) == {"post_a", "post_b"}


def test_back_to_back_shifts_do_not_overlap(group_a, member_a, member_a2):
    add_shift(group=group_a, starts_at=local(28, 8), ends_at=local(28, 20), post_a=member_a)
    add_shift(group=group_a, starts_at=local(28, 20), ends_at=local(29, 8), post_a=member_a2)
    assert Shift.objects.count() == 2


def test_other_groups_shifts_do_not_clash(group_a, group_b, member_a, member_b):
    add_shift(group=group_a, starts_at=local(28, 8), ends_at=local(28, 20), post_a=member_a)
    add_shift(group=group_b, starts_at=local(28, 8), ends_at=local(28, 20), post_a=member_b)
    assert Shift.objects.count() == 2
