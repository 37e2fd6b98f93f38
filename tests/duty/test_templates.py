from __future__ import annotations

import datetime as dt

import pytest

from core.errors import InvalidInput
from duty.models import Shift, ShiftTemplate
from duty.services import add_shift, generate_from_template
from tests.duty.conftest import local


def _template(group, post_a, post_b=None, *, start=8, end=20, every=1, anchor=dt.date(2022, 11, 1)):
    return ShiftTemplate.objects.create(
        group=group,
        name="班",
        start_time=dt.time(start),
        end_time=dt.time(end),
        every_n_days=every,
        anchor=anchor,
        post_a=post_a,
        post_b=post_b,
    )


def test_a_night_template_crosses_midnight(group_a, member_a, member_a2):
    night = _template(group_a, member_a, member_a2, start=20, end=8)
    shifts = generate_from_template(night, dt.date(2022, 11, 28), 2)
    assert [(s.starts_at, s.ends_at) for s in shifts] == [
        (local(28, 20), local(29, 8)),
        (local(29, 20), local(30, 8)),
    ]
    assert all(s.post_a == member_a and s.post_b == member_a2 for s in shifts)


def test_every_third_day_counts_from_the_anchor(group_a, member_a):
    every_third = _template(
        group_a, member_a, start=20, end=8, every=3, anchor=dt.date(2022, 11, 27)
    )
    shifts = generate_from_template(every_third, dt.date(2022, 11, 25), 9)
    assert [timezone_day(s.starts_at) for s in shifts] == [
        dt.date(2022, 11, 27),
        dt.date(2022, 11, 30),
        dt.date(2022, 12, 3),
    ]


def timezone_day(value):
    from django.utils import timezone

    return timezone.localtime(value).date()


def test_generating_again_skips_the_shifts_already_there(group_a, member_a):
    day = _template(group_a, member_a)
    assert len(generate_from_template(day, dt.date(2022, 11, 28), 3)) == 3
    assert len(generate_from_template(day, dt.date(2022, 11, 28), 5)) == 2
    assert Shift.objects.count() == 5


def test_generating_refuses_overlaps_and_adds_nothing(group_a, member_a, member_a2):
    add_shift(group=group_a, starts_at=local(29, 12), ends_at=local(29, 14), post_a=member_a2)
    day = _template(group_a, member_a)
    with pytest.raises(InvalidInput) as refused:
        generate_from_template(day, dt.date(2022, 11, 28), 3)
    assert refused.value.details == {
        "shifts": [
            "The shift from 2022-11-29 08:00 to 2022-11-29 20:00 overlaps the shift from "
            "2022-11-29 12:00 to 2022-11-29 14:00."
        ]
    }
    assert Shift.objects.count() == 1


def test_generating_refuses_a_template_with_an_outsider(group_a, member_a, member_b):
    template = _template(group_a, member_a, member_b)
    with pytest.raises(InvalidInput) as refused:
        generate_from_template(template, dt.date(2022, 11, 28), 1)
    assert list(refused.value.details) == ["post_b"]
    assert not Shift.objects.exists()
