from __future__ import annotations

import time_machine

from duty.services import add_shift, on_duty
from tests.duty.conftest import local


def _posts(group):
    (entry,) = [e for e in on_duty() if e.group == group]
    return entry.post_a, entry.post_b


def test_on_duty_names_both_posts_of_every_active_group(group_a, group_b, member_a, member_a2):
    add_shift(
        group=group_a,
        starts_at=local(28, 8),
        ends_at=local(28, 20),
        post_a=member_a,
        post_b=member_a2,
    )
    with time_machine.travel(local(28, 12), tick=False):
        assert _posts(group_a) == (member_a, member_a2)
        assert _posts(group_b) == (None, None)


def test_a_shift_starts_at_its_start_and_ends_before_its_end(group_a, member_a, member_a2):
    add_shift(group=group_a, starts_at=local(28, 8), ends_at=local(28, 20), post_a=member_a)
    add_shift(group=group_a, starts_at=local(28, 20), ends_at=local(29, 8), post_a=member_a2)
    with time_machine.travel(local(28, 7, 59), tick=False):
        assert _posts(group_a) == (None, None)
    with time_machine.travel(local(28, 8), tick=False):
        assert _posts(group_a) == (member_a, None)
    with time_machine.travel(local(28, 20), tick=False):
        assert _posts(group_a) == (member_a2, None)
    with time_machine.travel(local(29, 8), tick=False):
        assert _posts(group_a) == (None, None)


def test_inactive_groups_are_left_out(group_a, group_b, member_a):
    group_b.is_active = False
    group_b.save()
    assert [entry.group for entry in on_duty(at=local(28, 12))] == [group_a]
