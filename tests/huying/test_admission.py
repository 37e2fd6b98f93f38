"""The gate in front of a process's threads: who gets a slot, who waits, who is refused."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import pytest

from huying.admission import Gate, Refused

T = TypeVar("T")


def run(scenario: Callable[[], Awaitable[T]]) -> T:
    return asyncio.run(scenario())  # type: ignore[arg-type]


def test_a_free_slot_is_taken_at_once_and_given_back() -> None:
    async def scenario() -> None:
        gate = Gate(slots=2, budget=1.0)
        slot = await gate.admit(staff=False)
        assert isinstance(slot, ThreadPoolExecutor) and gate.busy == 1
        gate.release(slot, staff=False, seconds=0.01)
        assert gate.busy == 0

    run(scenario)


def test_public_requests_leave_the_reserved_slot_to_staff() -> None:
    async def scenario() -> None:
        gate = Gate(slots=2, budget=0.05, reserve=1)
        public = await gate.admit(staff=False)
        # The second public request waits for the first, past its budget: refused.
        with pytest.raises(Refused):
            await gate.admit(staff=False)
        staff = await asyncio.wait_for(gate.admit(staff=True), timeout=1)
        assert gate.busy == 2
        gate.release(public, staff=False, seconds=0.01)
        gate.release(staff, staff=True, seconds=0.01)

    run(scenario)


def test_a_waiting_request_is_served_when_a_slot_frees_within_the_budget() -> None:
    async def scenario() -> None:
        gate = Gate(slots=1, budget=5.0)
        first = await gate.admit(staff=False)
        waiting = asyncio.ensure_future(gate.admit(staff=False))
        await asyncio.sleep(0.05)
        assert not waiting.done() and gate.waiting == 1
        gate.release(first, staff=False, seconds=0.02)
        second = await asyncio.wait_for(waiting, timeout=1)
        assert second is first and gate.waiting == 0

    run(scenario)


def test_staff_in_line_go_before_public_requests_that_came_earlier() -> None:
    async def scenario() -> None:
        gate = Gate(slots=1, budget=5.0)
        holder = await gate.admit(staff=False)
        order: list[str] = []

        async def ask(who: str, staff: bool) -> None:
            slot = await gate.admit(staff=staff)
            order.append(who)
            gate.release(slot, staff=staff, seconds=0.01)

        public = asyncio.ensure_future(ask("public", False))
        await asyncio.sleep(0.01)
        staff = asyncio.ensure_future(ask("staff", True))
        await asyncio.sleep(0.01)
        gate.release(holder, staff=False, seconds=0.01)
        await asyncio.wait_for(asyncio.gather(public, staff), timeout=1)
        assert order == ["staff", "public"]

    run(scenario)


def test_a_line_longer_than_the_budget_is_refused_at_once() -> None:
    async def scenario() -> None:
        gate = Gate(slots=1, budget=1.0, service=0.4)
        holder = await gate.admit(staff=False)
        waiters = [asyncio.ensure_future(gate.admit(staff=False)) for _ in range(2)]
        await asyncio.sleep(0)
        # Two ahead at 0.4 s each: a third would wait 1.2 s, past the budget of 1 s.
        assert gate.expected_wait(staff=False) == pytest.approx(1.2)
        loop = asyncio.get_running_loop()
        started = loop.time()
        with pytest.raises(Refused) as refused:
            await gate.admit(staff=False)
        assert loop.time() - started < 0.1
        assert refused.value.retry_after >= 1
        gate.release(holder, staff=False, seconds=0.4)
        for waiter in waiters:
            slot = await asyncio.wait_for(waiter, timeout=1)
            gate.release(slot, staff=False, seconds=0.4)

    run(scenario)


def test_a_request_that_gives_up_waiting_holds_no_slot() -> None:
    async def scenario() -> None:
        gate = Gate(slots=1, budget=5.0)
        holder = await gate.admit(staff=False)
        gone = asyncio.ensure_future(gate.admit(staff=False))
        await asyncio.sleep(0.01)
        gone.cancel()  # the client went away
        with pytest.raises(asyncio.CancelledError):
            await gone
        assert gate.waiting == 0
        gate.release(holder, staff=False, seconds=0.01)
        assert gate.busy == 0
        again = await asyncio.wait_for(gate.admit(staff=False), timeout=1)
        assert again is holder

    run(scenario)


def test_the_service_time_follows_what_requests_take() -> None:
    async def scenario() -> float:
        gate = Gate(slots=1, budget=5.0, service=0.02)
        for _ in range(200):
            slot = await gate.admit(staff=False)
            gate.release(slot, staff=False, seconds=0.1)
        return gate.service

    assert run(scenario) == pytest.approx(0.1, rel=0.01)


def test_a_gate_needs_a_slot() -> None:
    with pytest.raises(ValueError, match="at least one slot"):
        Gate(slots=0, budget=1.0)
