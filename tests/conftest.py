"""Shared personas and factories. Every test reads as: these people, this request, this act.

Personas: operator, dispatcher, member_a / leader_a of group A, member_b of group B,
commander, auditor, admin, citizen and an outsider (a citizen who filed nothing).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction

from accounts.models import ApiKey, Role, User
from core import reference_cache
from core.access import Actor
from core.models import Category, Channel, Division, Group, GroupMembership, HelpRequest, Urgency
from core.reference_data import ensure_reference_data
from core.services import NewRequest, request_create

PASSWORD = "correct-horse-battery-staple"

#: Module-scoped fixtures whose rows several tests of a module read (see ``shared_rows``).
SHARED_ROWS = ("seeded_day_once", "seeded_once")
#: Those whose rows are in the database right now.
_shared_now: list[str] = []


def shared_rows(name: str, django_db_blocker: Any, make: Callable[[], Any]) -> Iterator[Any]:
    """Rows made once for the tests of a module that start from them; gone after its last.

    Seeding a realistic history takes seconds, and the same seed gives the same rows. Each
    test's own writes are undone as always: pytest-django's per-test transaction nests in
    this one as a savepoint. This one is rolled back after the module's last test.
    ``pytest_collection_modifyitems`` runs a module's other tests before these, and
    ``_no_shared_rows_where_not_asked`` fails a test that would see rows it did not ask for.
    """
    from django.db import connection

    if connection.in_atomic_block:
        # Made inside a test's own transaction, the rows would go with it, and this one
        # would end after it: the fixture must be an argument, not a getfixturevalue().
        raise RuntimeError(f"{name} is set up inside a test's transaction; make it an argument.")
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            made = make()
        except BaseException:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            raise
    _shared_now.append(name)
    try:
        yield made
    finally:
        _shared_now.remove(name)
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """In each module's run of tests, those reading shared rows come last (``shared_rows``).

    After pytest-django's ordering (database tests, then transactional ones, then the rest),
    which this keeps; the order is otherwise unchanged.
    """

    def shares(item: pytest.Item) -> bool:
        return any(name in getattr(item, "fixturenames", ()) for name in SHARED_ROWS)

    ordered: list[pytest.Item] = []
    start = 0
    for end in range(1, len(items) + 1):
        if end == len(items) or items[end].path != items[start].path:
            run = items[start:end]
            ordered += [item for item in run if not shares(item)]
            ordered += [item for item in run if shares(item)]
            start = end
    items[:] = ordered


@pytest.fixture(autouse=True)
def _no_shared_rows_where_not_asked(request: pytest.FixtureRequest) -> None:
    stray = [name for name in _shared_now if name not in request.fixturenames]
    if stray:
        pytest.fail(
            f"{request.node.nodeid} would see the rows of {stray} it did not ask for; "
            "run it before the tests that share them."
        )
    marker = request.node.get_closest_marker("django_db")
    if _shared_now and (
        (marker and marker.kwargs.get("transaction"))
        or any(name in request.fixturenames for name in ("transactional_db", "live_server"))
    ):
        pytest.fail(f"{request.node.nodeid} is transactional; it cannot use {_shared_now}.")


@pytest.fixture(autouse=True)
def _reference_data(request: pytest.FixtureRequest) -> None:
    """Put back the categories and divisions in transactional tests.

    Those tests flush the database after each test, the data migration's rows included, so
    the next one would find no category to file a request under.
    """
    marker = request.node.get_closest_marker("django_db")
    transactional = bool(marker and marker.kwargs.get("transaction")) or any(
        name in request.fixturenames for name in ("transactional_db", "live_server")
    )
    if transactional:
        request.getfixturevalue("transactional_db")
        ensure_reference_data()


@pytest.fixture(autouse=True)
def _fresh_reference_cache() -> None:
    """Each test reads the reference data of its own database, not a copy an earlier test
    left in the process (``core.reference_cache``) with rows since rolled back."""
    reference_cache.clear()


def _user(username: str, role: str) -> User:
    """The persona, or the demo account of the same name (``seeded_day`` makes those) as it."""
    user = User.objects.filter(username=username).first()
    if user is None:
        return User.objects.create_user(username=username, password=PASSWORD, role=role)
    user.role = role
    user.set_password(PASSWORD)
    user.save()
    return user


def _group(code: str, name: str, name_en: str) -> Group:
    """The group, or the demo group with the same code, named as the tests expect."""
    group, _created = Group.objects.update_or_create(
        code=code, defaults={"name": name, "name_en": name_en, "kind": Group.Kind.WORKING_GROUP}
    )
    return group


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
    return _group("medical", "医疗救治组", "Medical care group")


@pytest.fixture
def group_b(db: Any) -> Group:
    return _group("supplies", "物资保障组", "Supplies group")


@pytest.fixture
def leader_a(group_a: Group) -> User:
    user = _user("leader_a", Role.LEADER)
    group_a.leader = user
    group_a.save()
    GroupMembership.objects.get_or_create(group=group_a, user=user)
    return user


@pytest.fixture
def member_a(group_a: Group) -> User:
    user = _user("member_a", Role.MEMBER)
    GroupMembership.objects.get_or_create(group=group_a, user=user)
    return user


@pytest.fixture
def member_b(group_b: Group) -> User:
    user = _user("member_b", Role.MEMBER)
    GroupMembership.objects.get_or_create(group=group_b, user=user)
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


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on now, as the kernel hands it out.

    Never a fixed number: two test workers, or two checkouts on one machine, would both
    take it.
    """
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _test_database_url() -> str:
    """The URL of the database this test runs on, for a subprocess to reach the same one."""
    from django.db import connection

    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    user = settings.get("USER") or "postgres"
    host = settings.get("HOST") or "127.0.0.1"
    port = settings.get("PORT") or 5432
    return f"postgresql://{user}@{host}:{port}/{settings['NAME']}"


@pytest.fixture
def run_worker(transactional_db: Any) -> Callable[[], subprocess.CompletedProcess[str]]:
    """Run the real task worker as its own process until the queue is empty."""

    def run() -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "HUYING_DATABASE_URL": _test_database_url()}
        return subprocess.run(
            [
                sys.executable,
                "manage.py",
                "db_worker",
                "--batch",
                "--no-reload",
                "--no-startup-delay",
            ],
            cwd=Path(__file__).resolve().parent.parent,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )

    return run


def _seed_the_day() -> date:
    from core.demo import seed_requests
    from tests.reports.conftest import SEED_DAY, SEED_DAY_REQUESTS, local

    start = local(SEED_DAY)
    seed_requests(count=280, days=7, now=start, seed=7)
    seed_requests(count=SEED_DAY_REQUESTS, days=1, now=start + timedelta(days=1), seed=14)
    return SEED_DAY


@pytest.fixture
def seeded_day(db: Any) -> date:
    """97 requests on SEED_DAY (00:00-24:00) after a quieter week, with their whole history.

    Shaped like the seed's 14 January 2022. The history stops at the end of the day, as if
    the report were generated at midnight. The same seeds give the same rows every time, so
    tests/reports makes them once per module (``seeded_day_once``); this one makes them for
    the test alone, as a transactional test (a live server) needs.
    """
    return _seed_the_day()


@pytest.fixture(scope="module")
def seeded_day_once(django_db_setup: Any, django_db_blocker: Any) -> Iterator[date]:
    """``seeded_day``'s rows, made once for the tests of a module that start from them."""
    yield from shared_rows("seeded_day_once", django_db_blocker, _seed_the_day)
