"""Fuzzes every operation of ``/api/v1`` from its own OpenAPI schema: never a 5xx, and every
answer shaped as the schema declares it.

The schema is loaded from the WSGI application in this process and each generated call goes
to it directly, on the test's own database connection, so the test transaction holds on
SQLite and PostgreSQL alike and no server is started. The caller is the dispatcher (who may
do most things) or, for the lead group's own steps, a member of that group; path parameters
are often real request numbers in every state, so the transitions are reached, not only 404s.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from accounts.models import ApiToken, User
from core.access import Actor
from core.models import HelpRequest, Satisfaction
from core.services import (
    request_accept,
    request_close,
    request_dispatch,
    request_merge,
    request_resolve,
    request_start,
)
from huying.wsgi import application
from tests.fuzz.conftest import fuzz_settings

pytestmark = pytest.mark.django_db

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)

#: Steps only the lead group's members may take; the dispatcher would only ever hear 403.
GROUP_STEPS = ("/accept", "/start", "/resolve", "/return", "/note")

#: Numbers of the requests the running test made (``numbers``); read when a case is drawn.
REAL_NUMBERS: list[str] = []

#: Values the services accept, per field name. Random strings alone would almost never be a
#: known category or a valid phone, and the calls would stop at validation every time.
VOCABULARY: dict[str, list[Any]] = {
    "channel": ["hotline", "visit"],
    "category": ["medical", "supplies", "policy"],
    "urgency": ["critical", "urgent", "normal"],
    "division": ["410802001", "410811001", "410802"],
    "requester_kind": ["person"],
    "requester_name": ["李娜"],
    "requester_phone": ["13912345678", "0391-3561234"],
    "requester_id_number": ["", "11010519491231002X"],
    "description": ["居家隔离第5天，婴儿奶粉只剩一天的量。"],
    "group": ["medical", "supplies"],
    "assisting_groups": [[], ["supplies"]],
    "answer": ["已安排社区送药上门。"],
    "answer_method": ["phone", "sms", "app", "in_person"],
    "satisfaction": ["satisfied", "basically_satisfied", "unsatisfied"],
    "reason": ["不属于本组职责。", "\x00"],
    # Nasty values that generation seldom hits: PostgreSQL refuses a NUL in text, and
    # Python's dates end at years 1 and 9999.
    "note": ["已联系社区网格员。", "进展\x00"],
    "day": ["2022-01-14", "9999-12-31"],
}


#: ``keep`` for "send every generated value as it is".
ALL_GENERATED = "*"


@schema.hook
def flatmap_case(context: Any, case: Any) -> st.SearchStrategy[Any]:
    """Point generated calls at real requests, groups and codes, so the services are reached.

    A body gets the known-good value of every field it has in ``VOCABULARY`` but one, which
    keeps its generated value (or none do, or all keep theirs): so the services see one bad
    field at a time as well as whole valid calls, and not only a first field refused.
    """
    path = case.path_parameters or {}
    body = case.body if isinstance(case.body, dict) else {}
    fields = {name: real for name, real in VOCABULARY.items() if name in body}
    if "into" in body:
        fields["into"] = REAL_NUMBERS
    if "requester_phone" in body:
        # Optional in the schema because an API key implies it; a token's call must name it.
        fields.setdefault("channel", VOCABULARY["channel"])

    def swap(values: tuple[Any, str | None, dict[str, Any]]) -> Any:
        number, keep, chosen = values
        if "number" in path:
            case.path_parameters["number"] = number
        if keep != ALL_GENERATED and isinstance(case.body, dict):
            case.body.update({name: value for name, value in chosen.items() if name != keep})
        return case

    return st.tuples(
        # Mostly a real request, sometimes the generated number (a 404, or worse).
        st.sampled_from([*REAL_NUMBERS, path.get("number")]),
        st.sampled_from([None, ALL_GENERATED, *fields]),
        st.fixed_dictionaries({name: st.sampled_from(real) for name, real in fields.items()}),
    ).map(swap)


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def _in_test_transaction() -> Iterator[None]:
    """Keep the test's connection open across calls, as Django's test client does.

    Through the raw WSGI application each call ends with ``close_old_connections``, which
    drops a connection found inside a transaction: the test's own, with all its data.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def numbers(
    make_request: Callable[..., HelpRequest],
    dispatcher: User,
    member_a: User,
    leader_a: User,
    group_a: Any,
    group_b: Any,
) -> list[str]:
    """Requests in every state, for the generated calls to act on."""
    boss, member = Actor(user=dispatcher), Actor(user=member_a)
    received = [make_request() for _ in range(3)]
    dispatched = request_dispatch(make_request(), actor=boss, group=group_a, assisting=[group_b])
    accepted = request_accept(
        request_dispatch(make_request(), actor=boss, group=group_a), actor=member
    )
    in_progress = request_start(
        request_accept(request_dispatch(make_request(), actor=boss, group=group_a), actor=member),
        actor=member,
    )
    resolved = request_resolve(
        request_accept(request_dispatch(make_request(), actor=boss, group=group_a), actor=member),
        actor=member,
        answer="已安排专车接送透析",
        answer_method="phone",
    )
    closed = request_close(
        request_resolve(
            request_accept(
                request_dispatch(make_request(), actor=boss, group=group_a), actor=member
            ),
            actor=member,
            answer="已送药上门",
            answer_method="sms",
        ),
        actor=boss,
        satisfaction=Satisfaction.SATISFIED,
    )
    merged = request_merge(make_request(), actor=boss, into=received[0])
    states = [*received, dispatched, accepted, in_progress, resolved, closed, merged]
    REAL_NUMBERS[:] = [help_request.number for help_request in states]
    return REAL_NUMBERS


@pytest.fixture
def tokens(dispatcher: User, member_a: User) -> dict[str, str]:
    return {
        "dispatcher": ApiToken.issue(user=dispatcher, name="fuzz")[1],
        "member": ApiToken.issue(user=member_a, name="fuzz")[1],
    }


@schema.parametrize()
@fuzz_settings(max_examples=20)
@pytest.mark.usefixtures("_in_test_transaction")
def test_api(case: Any, numbers: list[str], tokens: dict[str, str]) -> None:
    persona = "member" if case.path.endswith(GROUP_STEPS) else "dispatcher"
    case.call_and_validate(
        headers={"Authorization": f"Bearer {tokens[persona]}"},
        checks=[not_a_server_error, response_schema_conformance],
    )
