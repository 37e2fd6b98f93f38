from __future__ import annotations

import datetime as dt

from django.utils import timezone

from core.models import Group
from duty.demo import ensure_demo_roster
from duty.models import Shift, ShiftTemplate
from duty.services import coverage_gaps, on_duty


def test_demo_roster_covers_every_group_and_runs_twice(db):
    added = ensure_demo_roster()
    groups = Group.objects.count()
    assert groups == 18 + 1  # the demo groups and 指挥部值班 (hq)
    assert ShiftTemplate.objects.count() == 2 * groups
    assert added == Shift.objects.count() == 2 * 14 * groups
    assert ensure_demo_roster() == 0
    medical = next(e for e in on_duty() if e.group.code == "medical")
    assert medical.post_a is not None and medical.post_a.username == "member"
    assert medical.post_b is not None and medical.post_b.username == "medical-b"
    today = dt.datetime.combine(
        timezone.localdate(), dt.time(8), tzinfo=timezone.get_current_timezone()
    )
    assert not any(g.has_gaps for g in coverage_gaps(today, today + dt.timedelta(days=3)))
