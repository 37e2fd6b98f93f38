"""Shared personas and factories. Every test reads as: these people, this request, this act.

Personas: operator, dispatcher, member_a / leader_a of group A, member_b of group B,
commander, auditor, admin, citizen and an outsider (a citizen who filed nothing).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from accounts.models import ApiKey, Role, User
from core.access import Actor
from core.models import Category, Channel, Division, Group, GroupMembership, HelpRequest, Urgency
from core.services import NewRequest, request_create

PASSWORD = "correct-horse-battery-staple"


def _user(username: str, role: str) -> User:
    return User.objects.create_user(username=username, password=PASSWORD, role=role)


@pytest.fixture
def operator(db: Any) -> User:
    return _user("operator", Role.OPERATOR)


@pytest.fixture
def dispatcher(db: Any) -> User:
    return _user("dispatcher", Role.DISPATCHER)


@pytest.fixture
def commander(db: Any) -> User:
    return _user("commander", Role.COMMANDER)


@pytest.fixture
def auditor(db: Any) -> User:
    return _user("auditor", Role.AUDITOR)


@pytest.fixture
def admin_user(db: Any) -> User:
    return _user("admin", Role.ADMIN)


@pytest.fixture
def citizen(db: Any) -> User:
    return _user("citizen", Role.CITIZEN)


@pytest.fixture
def outsider(db: Any) -> User:
    return _user("outsider", Role.CITIZEN)


@pytest.fixture
def group_a(db: Any) -> Group:
    return Group.objects.create(code="medical", name="医疗救治组", name_en="Medical care group", kind=Group.Kind.WORKING_GROUP)


@pytest.fixture
def group_b(db: Any) -> Group:
    return Group.objects.create(code="supplies", name="物资保障组", name_en="Supplies group", kind=Group.Kind.WORKING_GROUP)


@pytest.fixture
def leader_a(group_a: Group) -> User:
    user = _user("leader_a", Role.LEADER)
    group_a.leader = user
    group_a.save()
    GroupMembership.objects.create(group=group_a, user=user)
    return user


@pytest.fixture
def member_a(group_a: Group) -> User:
    user = _user("member_a", Role.MEMBER)
    GroupMembership.objects.create(group=group_a, user=user)
    return user


@pytest.fixture
def member_b(group_b: Group) -> User:
    user = _user("member_b", Role.MEMBER)
    GroupMembership.objects.create(group=group_b, user=user)
    return user


@pytest.fixture
def integration_key(db: Any) -> tuple[ApiKey, str]:
    return ApiKey.issue(name="citizen-app", channel=Channel.APP)


def new_request(**overrides: Any) -> NewRequest:
    """A plausible intake: a dialysis patient in 解放区 焦南街道 who cannot get out."""
    values: dict[str, Any] = {
        "channel": Channel.HOTLINE,
        "category": Category.objects.get(code="medical"),
        "urgency": Urgency.CRITICAL,
        "description": "母亲尿毒症需每周三次透析，小区封控出不去，明天上午必须到市人民医院。",
        "division": Division.objects.get(code="410802001"),
        "address": "焦南街道幸福里小区3号楼",
        "requester_name": "张丽",
        "requester_phone": "13812341234",
        "requester_id_number": "410802199001011232",
    }
    values.update(overrides)
    return NewRequest(**values)


@pytest.fixture
def make_request(operator: User) -> Callable[..., HelpRequest]:
    """File a request as the operator; keyword arguments override fields of the intake."""

    def make(**overrides: Any) -> HelpRequest:
        help_request, _ = request_create(actor=Actor(user=operator), new=new_request(**overrides))
        return help_request

    return make
