"""Drives the request life cycle through the real services as a Hypothesis state machine and
checks, after every step, that the timeline and the status agree.

Each rule takes a request and one of the personas and calls one service; a refusal
(``TransitionNotAllowed``, ``Forbidden``, ``InvalidInput``) is an acceptable answer, any other
exception is a failure. Beside the database the machine keeps its own copy of each request's
status, following the diagram in DESIGN.md, and its own idea of who may do what; the two
must agree after every step, and so must the refusals.

Every run of the machine is one savepoint inside the test's transaction, rolled back at
its end, so the runs do not see each other's requests and the test works on SQLite and
PostgreSQL alike.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise
from typing import Any, ClassVar

import pytest
from django.db import transaction
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    invariant,
    rule,
    run_state_machine_as_test,
)

from accounts.models import User
from core.access import Actor
from core.errors import Forbidden, InvalidInput, TransitionNotAllowed
from core.models import Event, Group, HelpRequest, Status
from core.services import (
    request_accept,
    request_close,
    request_create,
    request_dispatch,
    request_merge,
    request_note,
    request_reopen,
    request_resolve,
    request_resolve_at_intake,
    request_return,
    request_start,
)
from tests.conftest import new_request
from tests.fuzz.conftest import fuzz_settings

pytestmark = pytest.mark.django_db

PERSONAS = ("dispatcher", "operator", "member_a", "leader_a", "member_b", "citizen")
#: "Whoever may do it, by the model": so that long runs of allowed steps happen often enough
#: to reach the late states, beside the refusals that a random persona mostly meets.
FIT = "fit"
WHO = st.sampled_from([FIT, FIT, *PERSONAS])
REFUSALS = (TransitionNotAllowed, Forbidden, InvalidInput)

#: The diagram of DESIGN.md: the states each action may start from. Written out again on
#: purpose rather than read from ``core.access.ACTION_FROM``: an oracle that reads the code's
#: own table could not catch a mistake in it.
FROM: dict[str, frozenset[str]] = {
    "dispatch": frozenset({Status.RECEIVED}),
    "merge": frozenset({Status.RECEIVED, Status.DISPATCHED}),
    "resolve_at_intake": frozenset({Status.RECEIVED}),
    "accept": frozenset({Status.DISPATCHED}),
    "return": frozenset({Status.DISPATCHED, Status.ACCEPTED}),
    "start": frozenset({Status.ACCEPTED}),
    "resolve": frozenset({Status.ACCEPTED, Status.IN_PROGRESS}),
    "close": frozenset({Status.RESOLVED}),
    "reopen": frozenset({Status.RESOLVED, Status.CLOSED}),
    "note": frozenset({Status.RECEIVED, Status.DISPATCHED, Status.ACCEPTED, Status.IN_PROGRESS}),
}

#: Where each action leads (``close`` may lead to ``in_progress`` instead, see ``_expected_to``).
TO: dict[str, str] = {
    "dispatch": Status.DISPATCHED,
    "merge": Status.MERGED,
    "resolve_at_intake": Status.RESOLVED,
    "accept": Status.ACCEPTED,
    "return": Status.RECEIVED,
    "start": Status.IN_PROGRESS,
    "resolve": Status.RESOLVED,
    "close": Status.CLOSED,
    "reopen": Status.IN_PROGRESS,
}


@dataclass
class Expected:
    """What the machine believes of one request, kept apart from the database."""

    status: str = Status.RECEIVED
    lead: str | None = None
    assisting: frozenset[str] = frozenset()
    reopens: int = 0
    events: int = 1


def _may(persona: str, action: str, expected: Expected) -> bool:
    """Who may do what (docs/domain.md), written from the roles, not copied from the code."""
    in_lead = expected.lead == "medical" and persona in ("member_a", "leader_a")
    in_lead = in_lead or (expected.lead == "supplies" and persona == "member_b")
    if action in ("dispatch", "merge"):
        return persona == "dispatcher"
    if action == "resolve_at_intake":
        return persona in ("dispatcher", "operator")
    if action in ("accept", "return", "start", "resolve"):
        return in_lead
    if action == "close":
        return persona in ("dispatcher", "operator")
    if action == "reopen":
        return persona == "dispatcher" or (persona == "leader_a" and expected.lead == "medical")
    if action == "note":
        assisting = persona == "member_b" and "supplies" in expected.assisting
        assisting = assisting or (
            persona in ("member_a", "leader_a") and "medical" in expected.assisting
        )
        return persona == "dispatcher" or in_lead or assisting
    raise AssertionError(action)


def _reopened(expected: Expected) -> str:
    """A reopened request goes back to its group; one answered on the line has none, so it
    goes back to the dispatcher instead (it would otherwise be stuck with nobody to act)."""
    return Status.IN_PROGRESS if expected.lead else Status.RECEIVED


class LifecycleMachine(RuleBasedStateMachine):
    #: Set by the test before the machine runs: the personas and the two groups.
    users: ClassVar[dict[str, User]] = {}
    groups: ClassVar[dict[str, Group]] = {}

    requests = Bundle("requests")

    def __init__(self) -> None:
        super().__init__()
        # One savepoint per run: undone in ``teardown``, so each run starts from nothing.
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self.expected: dict[int, Expected] = {}
        self.filed: list[HelpRequest] = []

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    # --- Rules ----------------------------------------------------------------------------

    @rule(target=requests)
    def file(self) -> HelpRequest:
        help_request, _created = request_create(
            actor=Actor(user=self.users["operator"]), new=new_request(), auto_dispatch=False
        )
        self.expected[help_request.pk] = Expected()
        self.filed.append(help_request)
        return help_request

    @rule(help_request=requests, pick=st.integers(0, 11))
    def advance(self, help_request: HelpRequest, pick: int) -> None:
        """One step the diagram allows now, by whoever may take it, with good input.

        Random personas and inputs are mostly refused, so without this the runs would seldom
        get past ``dispatched``; with it they reach closing, reopening and merging often.
        """
        status = self.expected[help_request.pk].status
        actions = [action for action in TO if status in FROM[action]]
        if not actions:
            return
        action = actions[pick % len(actions)]
        if action == "dispatch":
            self.dispatch(help_request, FIT, ["medical", "supplies"][pick % 2], pick % 3 == 0)
        elif action == "accept":
            self.accept(help_request, FIT)
        elif action == "start":
            self.start(help_request, FIT)
        elif action == "resolve":
            self.resolve(help_request, FIT, "已安排社区送药上门。", "phone")
        elif action == "resolve_at_intake":
            self.resolve_at_intake(help_request, FIT, "已在电话中解答隔离政策。")
        elif action == "close":
            satisfaction = ["satisfied", "basically_satisfied", "unsatisfied"][pick % 3]
            self.close(help_request, FIT, satisfaction)
        elif action == "reopen":
            self.reopen(help_request, FIT, "群众回访不满意，组长决定重办。")
        elif action == "return":
            self.hand_back(help_request, FIT, "不属于本组职责。")
        elif action == "merge":
            self.merge(help_request, self.filed[pick % len(self.filed)], FIT)

    def _act(
        self,
        help_request: HelpRequest,
        persona: str,
        action: str,
        call: Callable[[HelpRequest, Actor], HelpRequest],
        *,
        to: str | None = None,
        valid_input: bool = True,
    ) -> bool:
        """Call the service as ``persona``; check its answer against the machine's own model."""
        expected = self.expected[help_request.pk]
        if persona == FIT:
            fit = [p for p in PERSONAS if _may(p, action, expected)]
            persona = fit[0] if fit else "citizen"
        allowed_state = expected.status in FROM[action]
        allowed_role = _may(persona, action, expected)
        # A stale copy on purpose: the service must read the row it locks, not this one.
        try:
            call(help_request, Actor(user=self.users[persona]))
        except TransitionNotAllowed:
            assert allowed_role and not allowed_state, (action, persona, expected)
            return False
        except Forbidden:
            assert not allowed_role, (action, persona, expected)
            return False
        except InvalidInput:
            assert not valid_input, (action, persona, expected)
            return False
        assert allowed_role and allowed_state and valid_input, (action, persona, expected)
        expected.events += 1
        if action != "note":
            expected.status = to or TO[action]
        return True

    @rule(
        help_request=requests,
        persona=WHO,
        lead=st.sampled_from(["medical", "supplies"]),
        with_helper=st.booleans(),
    )
    def dispatch(
        self, help_request: HelpRequest, persona: str, lead: str, with_helper: bool
    ) -> None:
        helper = "supplies" if lead == "medical" else "medical"
        assisting = [self.groups[helper]] if with_helper else []
        done = self._act(
            help_request,
            persona,
            "dispatch",
            lambda hr, actor: request_dispatch(
                hr, actor=actor, group=self.groups[lead], assisting=assisting
            ),
        )
        if done:
            expected = self.expected[help_request.pk]
            expected.lead = lead
            expected.assisting = frozenset({helper} if with_helper else set())

    @rule(help_request=requests, persona=WHO)
    def accept(self, help_request: HelpRequest, persona: str) -> None:
        self._act(help_request, persona, "accept", lambda hr, a: request_accept(hr, actor=a))

    @rule(help_request=requests, persona=WHO)
    def start(self, help_request: HelpRequest, persona: str) -> None:
        self._act(help_request, persona, "start", lambda hr, a: request_start(hr, actor=a))

    @rule(
        help_request=requests,
        persona=WHO,
        answer=st.sampled_from(["已安排社区送药上门。", "", "   "]),
        method=st.sampled_from(["phone", "sms", "fax"]),
    )
    def resolve(self, help_request: HelpRequest, persona: str, answer: str, method: str) -> None:
        self._act(
            help_request,
            persona,
            "resolve",
            lambda hr, a: request_resolve(hr, actor=a, answer=answer, answer_method=method),
            valid_input=bool(answer.strip()) and method != "fax",
        )

    @rule(
        help_request=requests,
        persona=WHO,
        answer=st.sampled_from(["已在电话中解答隔离政策。", ""]),
    )
    def resolve_at_intake(self, help_request: HelpRequest, persona: str, answer: str) -> None:
        self._act(
            help_request,
            persona,
            "resolve_at_intake",
            lambda hr, a: request_resolve_at_intake(hr, actor=a, answer=answer),
            valid_input=bool(answer),
        )

    @rule(
        help_request=requests,
        persona=WHO,
        satisfaction=st.sampled_from(["satisfied", "basically_satisfied", "unsatisfied", "meh"]),
    )
    def close(self, help_request: HelpRequest, persona: str, satisfaction: str) -> None:
        expected = self.expected[help_request.pk]
        # DESIGN.md: the first 不满意 reopens the request once; after that it closes.
        reopening = satisfaction == "unsatisfied" and expected.reopens == 0
        done = self._act(
            help_request,
            persona,
            "close",
            lambda hr, a: request_close(hr, actor=a, satisfaction=satisfaction),
            to=_reopened(expected) if reopening else Status.CLOSED,
            valid_input=satisfaction != "meh",
        )
        if done and reopening:
            expected.reopens += 1

    @rule(
        help_request=requests,
        persona=WHO,
        reason=st.sampled_from(["群众回访不满意，组长决定重办。", ""]),
    )
    def reopen(self, help_request: HelpRequest, persona: str, reason: str) -> None:
        done = self._act(
            help_request,
            persona,
            "reopen",
            lambda hr, a: request_reopen(hr, actor=a, reason=reason),
            to=_reopened(self.expected[help_request.pk]),
            valid_input=bool(reason),
        )
        if done:
            self.expected[help_request.pk].reopens += 1

    @rule(
        help_request=requests,
        persona=WHO,
        reason=st.sampled_from(["不属于本组职责。", ""]),
    )
    def hand_back(self, help_request: HelpRequest, persona: str, reason: str) -> None:
        done = self._act(
            help_request,
            persona,
            "return",
            lambda hr, a: request_return(hr, actor=a, reason=reason),
            valid_input=bool(reason),
        )
        if done:
            expected = self.expected[help_request.pk]
            expected.lead, expected.assisting = None, frozenset()

    @rule(help_request=requests, into=requests, persona=WHO)
    def merge(self, help_request: HelpRequest, into: HelpRequest, persona: str) -> None:
        target = self.expected[into.pk]
        self._act(
            help_request,
            persona,
            "merge",
            lambda hr, a: request_merge(hr, actor=a, into=into),
            # Into itself, or into a request that is itself merged: refused as bad input.
            valid_input=into.pk != help_request.pk and target.status != Status.MERGED,
        )

    @rule(
        help_request=requests,
        persona=WHO,
        note=st.sampled_from(["已联系社区网格员。", " "]),
    )
    def note(self, help_request: HelpRequest, persona: str, note: str) -> None:
        self._act(
            help_request,
            persona,
            "note",
            lambda hr, a: request_note(hr, actor=a, note=note),
            valid_input=bool(note.strip()),
        )

    # --- Invariants -----------------------------------------------------------------------

    @invariant()
    def timeline_and_status_agree(self) -> None:
        rows = HelpRequest.objects.filter(pk__in=self.expected).prefetch_related("assisting_groups")
        events: dict[int, list[Event]] = {pk: [] for pk in self.expected}
        for event in Event.objects.filter(help_request_id__in=self.expected).order_by("id"):
            events[event.help_request_id].append(event)
        for row in rows:
            expected = self.expected[row.pk]
            timeline = events[row.pk]
            where = (row.number, [(e.kind, e.from_status, e.to_status) for e in timeline])
            # The model and the database agree.
            assert row.status == expected.status, where
            assert len(timeline) == expected.events, where
            assert row.reopen_count == expected.reopens, where
            assert (row.lead_group.code if row.lead_group else None) == expected.lead, where
            assert {g.code for g in row.assisting_groups.all()} == expected.assisting, where
            # The timeline: begins with the filing, is contiguous, ends at the status.
            assert timeline[0].kind == Event.Kind.CREATED, where
            assert timeline[0].to_status == Status.RECEIVED, where
            for before, after in pairwise(timeline):
                assert after.from_status == before.to_status, where
                assert after.created_at >= before.created_at, where
            assert timeline[-1].to_status == row.status, where
            # The time stamps belong to the states that have them.
            done = row.status in (Status.RESOLVED, Status.CLOSED)
            assert (row.resolved_at is not None) == done, where
            assert (row.closed_at is not None) == (row.status == Status.CLOSED), where
            assert (row.satisfaction != "") == (row.status == Status.CLOSED) or (
                row.reopen_count > 0
            ), where
            in_group = row.status in (Status.DISPATCHED, Status.ACCEPTED, Status.IN_PROGRESS)
            assert (row.lead_group_id is not None) == in_group or (
                row.status in (Status.RESOLVED, Status.CLOSED, Status.MERGED)
            ), where
            if row.status == Status.RECEIVED:
                assert row.lead_group_id is None and row.accepted_at is None, where
            # A duplicate points at another request, and merges never loop.
            if row.status == Status.MERGED:
                assert row.merged_into_id is not None and row.merged_into_id != row.pk, where
                seen = {row.pk}
                target = row.merged_into
                while target is not None:
                    assert target.pk not in seen, where
                    seen.add(target.pk)
                    target = target.merged_into
            else:
                assert row.merged_into_id is None, where
            # 不满意 reopens once by itself; any further reopening is someone's decision.
            automatic = [
                e
                for e in timeline
                if e.kind == Event.Kind.REOPENED and e.data.get("automatic_reopen")
            ]
            assert len(automatic) <= 1, where
            reopened = [e for e in timeline if e.kind == Event.Kind.REOPENED]
            assert len(reopened) == row.reopen_count, where


def test_lifecycle_machine(
    operator: User,
    dispatcher: User,
    member_a: User,
    leader_a: User,
    member_b: User,
    citizen: User,
    group_a: Group,
    group_b: Group,
    settings: Any,
) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    LifecycleMachine.users = {
        "operator": operator,
        "dispatcher": dispatcher,
        "member_a": member_a,
        "leader_a": leader_a,
        "member_b": member_b,
        "citizen": citizen,
    }
    LifecycleMachine.groups = {"medical": group_a, "supplies": group_b}
    run_state_machine_as_test(
        LifecycleMachine, settings=fuzz_settings(max_examples=30, stateful_step_count=25)
    )
