"""Duty roster services: adding shifts, generating them from templates, and reading who is on.

Every refusal is an ``InvalidInput`` whose ``details`` name the field at fault, so the admin,
the XLSX import and any later API give the same answers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from accounts.models import User
from core.errors import InvalidInput
from core.models import Group, GroupMembership
from duty.models import Shift, ShiftTemplate

Period = tuple[dt.datetime, dt.datetime]


def is_group_member(group: Group, user: User) -> bool:
    """Members and the leader may stand a group's shifts."""
    if group.leader_id == user.pk:
        return True
    return GroupMembership.objects.filter(group=group, user=user).exists()


def _local(value: dt.datetime) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


def people_problems(
    *, group: Group | None, post_a: User | None, post_b: User | None
) -> dict[str, list[str]]:
    """What is wrong with the people of a shift or template, by field."""
    problems: dict[str, list[str]] = {}
    if post_a is None:
        problems.setdefault("post_a", []).append(gettext("A shift needs someone on the A post."))
    if post_a is not None and post_b is not None and post_a.pk == post_b.pk:
        problems.setdefault("post_b", []).append(
            gettext("The B post must be someone other than the A post.")
        )
    if group is not None:
        for name, person in (("post_a", post_a), ("post_b", post_b)):
            if person is not None and not is_group_member(group, person):
                problems.setdefault(name, []).append(
                    gettext("%(user)s is not a member of %(group)s.")
                    % {"user": person.get_username(), "group": group.display_name}
                )
    return problems


def overlapping_shifts(
    *, group: Group, starts_at: dt.datetime, ends_at: dt.datetime, exclude_pk: int | None = None
) -> list[Shift]:
    """The group's shifts that share some time with [starts_at, ends_at)."""
    found = Shift.objects.filter(group=group, starts_at__lt=ends_at, ends_at__gt=starts_at)
    if exclude_pk is not None:
        found = found.exclude(pk=exclude_pk)
    return list(found.order_by("starts_at"))


def shift_problems(
    *,
    group: Group | None,
    starts_at: dt.datetime | None,
    ends_at: dt.datetime | None,
    post_a: User | None,
    post_b: User | None,
    exclude_pk: int | None = None,
) -> dict[str, list[str]]:
    """Everything wrong with a shift, by field; empty when it may be saved."""
    problems = people_problems(group=group, post_a=post_a, post_b=post_b)
    if group is None:
        problems.setdefault("group", []).append(gettext("Choose a group."))
    if starts_at is not None and ends_at is not None and ends_at <= starts_at:
        problems.setdefault("ends_at", []).append(gettext("A shift must end after it starts."))
    if group is not None and starts_at is not None and ends_at is not None and ends_at > starts_at:
        overlaps = overlapping_shifts(
            group=group, starts_at=starts_at, ends_at=ends_at, exclude_pk=exclude_pk
        )
        # Every shift has an A post, so any overlap puts two people on the group's A post.
        for other in overlaps:
            problems.setdefault("post_a", []).append(
                gettext("The A post already has a shift from %(start)s to %(end)s.")
                % {"start": _local(other.starts_at), "end": _local(other.ends_at)}
            )
        if post_b is not None:
            for other in overlaps:
                if other.post_b_id is not None:
                    problems.setdefault("post_b", []).append(
                        gettext("The B post already has a shift from %(start)s to %(end)s.")
                        % {"start": _local(other.starts_at), "end": _local(other.ends_at)}
                    )
    return problems


def add_shift(
    *,
    group: Group,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    post_a: User | None,
    post_b: User | None = None,
    note: str = "",
) -> Shift:
    """Put a shift on the roster, or refuse with what is wrong with it."""
    with transaction.atomic():
        # Lock the group so that two people adding shifts at once cannot both miss the other's.
        Group.objects.select_for_update().filter(pk=group.pk).first()
        problems = shift_problems(
            group=group, starts_at=starts_at, ends_at=ends_at, post_a=post_a, post_b=post_b
        )
        if problems or post_a is None:
            raise InvalidInput(details=problems)
        return Shift.objects.create(
            group=group,
            starts_at=starts_at,
            ends_at=ends_at,
            post_a=post_a,
            post_b=post_b,
            note=note,
        )


def template_problems(
    *,
    group: Group | None,
    every_n_days: int | None,
    post_a: User | None,
    post_b: User | None,
    start_time: dt.time | None = None,
    end_time: dt.time | None = None,
) -> dict[str, list[str]]:
    """Everything wrong with a template, by field."""
    problems = people_problems(group=group, post_a=post_a, post_b=post_b)
    if every_n_days is not None and every_n_days < 1:
        problems.setdefault("every_n_days", []).append(
            gettext("A template repeats every one day or more.")
        )
    if start_time is not None and start_time == end_time:
        problems.setdefault("end_time", []).append(
            gettext("The end time must differ from the start time.")
        )
    return problems


def template_periods(template: ShiftTemplate, start_date: dt.date, days: int) -> list[Period]:
    """The template's shifts that start on the ``days`` days from ``start_date``, local time."""
    zone = timezone.get_current_timezone()
    periods: list[Period] = []
    for offset in range(days):
        day = start_date + dt.timedelta(days=offset)
        if (day - template.anchor).days % template.every_n_days:
            continue
        end_day = day if template.end_time > template.start_time else day + dt.timedelta(days=1)
        starts_at = dt.datetime.combine(day, template.start_time, tzinfo=zone)
        ends_at = dt.datetime.combine(end_day, template.end_time, tzinfo=zone)
        periods.append((starts_at, ends_at))
    return periods


def generate_from_template(template: ShiftTemplate, start_date: dt.date, days: int) -> list[Shift]:
    """Create the template's shifts for ``days`` days from ``start_date``.

    A shift already on the roster with the same group, start and end is skipped. Any other
    overlap refuses the whole batch, listing every clash, so the roster is never half-filled.
    """
    group = template.group
    post_a, post_b = template.post_a, template.post_b
    problems = people_problems(group=group, post_a=post_a, post_b=post_b)
    if problems:
        raise InvalidInput(details=problems)
    created: list[Shift] = []
    clashes: list[str] = []
    with transaction.atomic():
        Group.objects.select_for_update().filter(pk=group.pk).first()
        for starts_at, ends_at in template_periods(template, start_date, days):
            overlaps = overlapping_shifts(group=group, starts_at=starts_at, ends_at=ends_at)
            if any(o.starts_at == starts_at and o.ends_at == ends_at for o in overlaps):
                continue
            for other in overlaps:
                clashes.append(
                    gettext(
                        "The shift from %(start)s to %(end)s overlaps the shift from "
                        "%(other_start)s to %(other_end)s."
                    )
                    % {
                        "start": _local(starts_at),
                        "end": _local(ends_at),
                        "other_start": _local(other.starts_at),
                        "other_end": _local(other.ends_at),
                    }
                )
            if not overlaps:
                created.append(
                    Shift.objects.create(
                        group=group,
                        starts_at=starts_at,
                        ends_at=ends_at,
                        post_a=post_a,
                        post_b=post_b,
                    )
                )
        if clashes:
            transaction.set_rollback(True)
            raise InvalidInput(
                gettext("The template's shifts overlap shifts already on the roster."),
                details={"shifts": clashes},
            )
    return created


@dataclass(frozen=True)
class OnDuty:
    group: Group
    shift: Shift | None
    post_a: User | None
    post_b: User | None


def on_duty(at: dt.datetime | None = None) -> list[OnDuty]:
    """For every active group, who holds the A and the B post at ``at`` (default: now).

    A shift covers its start and not its end, so at a handover only the new shift counts.
    """
    at = at or timezone.now()
    current: dict[int, Shift] = {
        shift.group_id: shift
        for shift in Shift.objects.filter(
            starts_at__lte=at, ends_at__gt=at, group__is_active=True
        ).select_related("post_a", "post_b")
    }
    answer = []
    for group in Group.objects.filter(is_active=True):
        shift = current.get(group.pk)
        answer.append(
            OnDuty(
                group=group,
                shift=shift,
                post_a=shift.post_a if shift else None,
                post_b=shift.post_b if shift else None,
            )
        )
    return answer


@dataclass
class GroupGaps:
    group: Group
    no_a: list[Period] = field(default_factory=list)
    no_b: list[Period] = field(default_factory=list)

    @property
    def has_gaps(self) -> bool:
        return bool(self.no_a or self.no_b)


def _uncovered(covered: list[Period], start: dt.datetime, end: dt.datetime) -> list[Period]:
    gaps: list[Period] = []
    cursor = start
    for begins, ends in sorted(covered):
        if begins > cursor:
            gaps.append((cursor, min(begins, end)))
        cursor = max(cursor, ends)
        if cursor >= end:
            break
    if cursor < end:
        gaps.append((cursor, end))
    return gaps


def coverage_gaps(start: dt.datetime, end: dt.datetime) -> list[GroupGaps]:
    """For every active group, the stretches of [start, end) with no A post or no B post."""
    by_group: dict[int, list[Shift]] = {}
    for shift in Shift.objects.filter(
        starts_at__lt=end, ends_at__gt=start, group__is_active=True
    ).order_by("starts_at"):
        by_group.setdefault(shift.group_id, []).append(shift)
    answer = []
    for group in Group.objects.filter(is_active=True):
        shifts = by_group.get(group.pk, [])
        answer.append(
            GroupGaps(
                group=group,
                no_a=_uncovered([(s.starts_at, s.ends_at) for s in shifts], start, end),
                no_b=_uncovered(
                    [(s.starts_at, s.ends_at) for s in shifts if s.post_b_id is not None],
                    start,
                    end,
                ),
            )
        )
    return answer
