"""The demo duty roster: a day and a night shift for every demo group, around today."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from core.demo import DemoOrganisation, ensure_demo_organisation
from core.models import Group, GroupMembership
from duty.models import ShiftTemplate
from duty.services import generate_from_template

#: (name, start, end): 白班 and 夜班, the night shift ending the next morning.
DEMO_TEMPLATES = (
    ("白班", dt.time(8), dt.time(20)),
    ("夜班", dt.time(20), dt.time(8)),
)
#: Days of shifts generated, half before today and half from today.
DEMO_DAYS = 14
_ANCHOR = dt.date(2022, 1, 1)


def ensure_demo_roster(organisation: DemoOrganisation | None = None) -> int:
    """Templates and shifts for every demo group; safe to run again. The shifts added."""
    organisation = organisation or ensure_demo_organisation()
    start = timezone.localdate() - dt.timedelta(days=DEMO_DAYS // 2)
    added = 0
    with transaction.atomic():
        staffing = {
            code: (group, organisation.staff[code][1], organisation.staff[code][2])
            for code, group in organisation.groups.items()
        }
        staffing[settings.HUYING_DUTY_CHIEF_GROUP] = _ensure_hq(organisation)
        for group, post_a, post_b in staffing.values():
            for name, start_time, end_time in DEMO_TEMPLATES:
                template, _created = ShiftTemplate.objects.update_or_create(
                    group=group,
                    name=name,
                    defaults={
                        "start_time": start_time,
                        "end_time": end_time,
                        "every_n_days": 1,
                        "anchor": _ANCHOR,
                        "post_a": post_a,
                        "post_b": post_b,
                    },
                )
                added += len(generate_from_template(template, start, DEMO_DAYS))
    return added


def _ensure_hq(organisation: DemoOrganisation) -> tuple[Group, User, User]:
    """指挥部值班: the headquarters duty chief's group, the dispatcher on A, the commander on B
    (and its leader)."""
    group, _created = Group.objects.update_or_create(
        code=settings.HUYING_DUTY_CHIEF_GROUP,
        defaults={
            "name": "指挥部值班",
            "name_en": "Headquarters duty",
            "kind": Group.Kind.WORKING_GROUP,
            "leader": organisation.users["commander"],
            "is_active": True,
        },
    )
    post_a, post_b = organisation.users["dispatcher"], organisation.users["commander"]
    for user in (post_a, post_b):
        GroupMembership.objects.get_or_create(group=group, user=user)
    return group, post_a, post_b
