from __future__ import annotations

from duty.services import add_shift, coverage_gaps
from tests.duty.conftest import local


def _gaps(group, start, end):
    (entry,) = [e for e in coverage_gaps(start, end) if e.group == group]
    return entry


def test_a_day_with_no_night_shift_is_flagged(group_a, member_a, member_a2):
    for day in (26, 27, 28):
        add_shift(
            group=group_a,
            starts_at=local(day, 8),
            ends_at=local(day, 20),
            post_a=member_a,
            post_b=member_a2,
        )
        if day != 27:
            add_shift(
                group=group_a,
                starts_at=local(day, 20),
                ends_at=local(day + 1, 8),
                post_a=member_a2,
                post_b=member_a,
            )
    gaps = _gaps(group_a, local(26, 8), local(28, 20))
    assert gaps.no_a == [(local(27, 20), local(28, 8))]
    assert gaps.no_b == [(local(27, 20), local(28, 8))]
    assert gaps.has_gaps


def test_a_shift_without_b_post_is_a_b_gap_only(group_a, member_a):
    add_shift(group=group_a, starts_at=local(28, 8), ends_at=local(28, 20), post_a=member_a)
    gaps = _gaps(group_a, local(28, 10), local(28, 18))
    assert gaps.no_a == []
    assert gaps.no_b == [(local(28, 10), local(28, 18))]


def test_a_group_with_no_shifts_is_uncovered_all_along(group_a, group_b, member_a):
    add_shift(group=group_a, starts_at=local(28, 0), ends_at=local(29, 0), post_a=member_a)
    gaps = _gaps(group_b, local(28, 0), local(29, 0))
    assert gaps.no_a == [(local(28, 0), local(29, 0))]
    assert _gaps(group_a, local(28, 0), local(29, 0)).no_a == []
