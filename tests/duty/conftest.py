"""Roster personas: group A's leader and two members, group B's member, and a local clock."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import timezone, translation

from accounts.models import Role, User
from core.models import Group, GroupMembership
from tests.conftest import PASSWORD


def local(day: int, hour: int, minute: int = 0, month: int = 11) -> dt.datetime:
    """A local time in November 2022 (the headquarters' time zone)."""
    return dt.datetime(2022, month, day, hour, minute, tzinfo=timezone.get_current_timezone())


@pytest.fixture
def member_a2(group_a: Group) -> User:
    user = User.objects.create_user(username="member_a2", password=PASSWORD, role=Role.MEMBER)
    GroupMembership.objects.create(group=group_a, user=user)
    return user


@pytest.fixture
def roster(leader_a: User, member_a: User, member_a2: User, member_b: User) -> dict[str, Any]:
    return {"leader_a": leader_a, "member_a": member_a, "member_a2": member_a2}


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    # The assertions read the source (English) messages; Chinese is the default language.
    # Management commands switch to the default language themselves: their tests read Chinese.
    with translation.override("en"):
        yield
