"""Admission to the web process's threads: queue a burst briefly, refuse only past a waiting budget.

Under the asynchronous server (``huying/asgi.py``) every connection is held by the event loop
for almost nothing, and the synchronous work of a request (middleware, views, the ORM) runs
on one of a fixed set of *slots*: threads that each keep their own database connection
across requests. A request that finds no free slot waits in line for one. It is refused
(503 with ``Retry-After``) only when the line is so long that it would wait longer than
``HUYING_WAIT_BUDGET_MS``, judged from how long requests have lately held a slot, or when
it has in fact waited that long. Below the machine's capacity nothing is refused, however
many clients are connected; above it the refusals are immediate and cheap.

Staff pages (console, board, reports, admin) are served before public and API requests in
line, and public and API requests may hold all slots but ``reserve``, so the command hall
keeps working while the public side is flooded; staff wait up to ``STAFF_BUDGET_FACTOR``
times the budget before they are refused. Live streams and the health probes do not take a
slot at all: their little synchronous work (signing in, a catch-up read) runs on a separate
thread, ``side``, and the stream itself holds no thread while it is open.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from huying import metrics

#: How much one finished request moves the estimate of a slot's service time.
SMOOTHING = 0.05
#: The estimate before any request finished: a typical write.
INITIAL_SERVICE_SECONDS = 0.02
#: Staff wait this many times the public budget before they are refused.
STAFF_BUDGET_FACTOR = 10


class Refused(Exception):
    """No slot within the budget; ``retry_after`` is a whole number of seconds to wait."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after)
        self.retry_after = retry_after


@dataclass(eq=False)
class _Waiter:
    staff: bool
    future: asyncio.Future[ThreadPoolExecutor]


@dataclass(eq=False)
class Gate:
    """The slots of one process and the line in front of them.

    Used from the event loop's thread only (``admit``, ``release``), so it needs no lock.
    """

    slots: int
    budget: float
    reserve: int = 1
    service: float = INITIAL_SERVICE_SECONDS
    _all: list[ThreadPoolExecutor] = field(default_factory=list)
    _free: list[ThreadPoolExecutor] = field(default_factory=list)
    _line: deque[_Waiter] = field(default_factory=deque)
    _public_busy: int = 0
    side: ThreadPoolExecutor = field(init=False)

    def __post_init__(self) -> None:
        if self.slots < 1:
            raise ValueError("a gate needs at least one slot")
        # With one slot there is nothing to keep back: staff are still served first in line.
        self.reserve = min(self.reserve, self.slots - 1)
        # One thread per slot, for good: each keeps its database connection between requests.
        self._all = [
            ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"huying-slot-{i}")
            for i in range(self.slots)
        ]
        self._free = list(self._all)
        self.side = ThreadPoolExecutor(max_workers=1, thread_name_prefix="huying-side")

    # --- what the line looks like ---------------------------------------------------------

    @property
    def busy(self) -> int:
        return self.slots - len(self._free)

    @property
    def waiting(self) -> int:
        return len(self._line)

    def expected_wait(self, *, staff: bool) -> float:
        """Seconds a request arriving now would wait, by the recent service time."""
        ahead = sum(1 for w in self._line if w.staff) if staff else len(self._line)
        usable = self.slots if staff else self.slots - self.reserve
        return (ahead + 1) * self.service / usable

    def _public_may_take(self) -> bool:
        return self._public_busy < self.slots - self.reserve

    # --- taking and giving back a slot ------------------------------------------------------

    def _budget(self, staff: bool) -> float:
        return self.budget * (STAFF_BUDGET_FACTOR if staff else 1)

    def _free_for(self, staff: bool) -> bool:
        return bool(self._free) and not self._line and (staff or self._public_may_take())

    def check(self, *, staff: bool) -> None:
        """``Refused`` now if a request arriving now would wait past its budget."""
        if not self._free_for(staff) and self.expected_wait(staff=staff) > self._budget(staff):
            raise Refused(self.retry_after())

    async def admit(self, *, staff: bool) -> ThreadPoolExecutor:
        """A slot for this request, now or after a wait within the budget; else ``Refused``."""
        if self._free_for(staff):
            return self._take(staff)
        self.check(staff=staff)
        budget = self._budget(staff)
        loop = asyncio.get_running_loop()
        waiter = _Waiter(staff, loop.create_future())
        self._line.append(waiter)
        metrics.WAITING.inc()
        arrived = loop.time()
        try:
            slot = await asyncio.wait_for(asyncio.shield(waiter.future), timeout=budget)
            metrics.WAIT.observe(loop.time() - arrived)
            return slot
        except (TimeoutError, asyncio.CancelledError) as stop:
            if waiter.future.done() and not waiter.future.cancelled():
                # Handed a slot in the same instant the wait ended: give it back.
                self.release(waiter.future.result(), staff=staff, seconds=None)
            else:
                waiter.future.cancel()
            if waiter in self._line:
                self._line.remove(waiter)
            if isinstance(stop, asyncio.CancelledError):
                raise  # the client went away while waiting
            raise Refused(self.retry_after()) from None
        finally:
            metrics.WAITING.dec()

    def _take(self, staff: bool) -> ThreadPoolExecutor:
        if not staff:
            self._public_busy += 1
        return self._free.pop()

    def release(self, slot: ThreadPoolExecutor, *, staff: bool, seconds: float | None) -> None:
        """Give ``slot`` back after a request that held it ``seconds``; wake who is next."""
        if seconds is not None:
            self.service += SMOOTHING * (seconds - self.service)
        if not staff:
            self._public_busy -= 1
        self._free.append(slot)
        self._hand_over()

    def _hand_over(self) -> None:
        """Give free slots to the line: staff first, then public and API in arrival order."""
        while self._free and self._line:
            waiter = next((w for w in self._line if w.staff), None)
            if waiter is None:
                if not self._public_may_take():
                    return
                waiter = self._line[0]
            self._line.remove(waiter)
            if waiter.future.done():
                continue  # gave up waiting
            waiter.future.set_result(self._take(waiter.staff))

    def retry_after(self) -> int:
        """What a refused client is told to wait: about the time to clear today's line."""
        clear = (len(self._line) + self.slots) * self.service / max(1, self.slots - self.reserve)
        return max(1, min(30, round(clear)))

    def on_every_thread(self, function: Callable[[], object]) -> None:
        """Run ``function`` on every slot's thread and the side thread (closing connections)."""
        for executor in [*self._all, self.side]:
            executor.submit(function).result(timeout=30)

    def shutdown(self) -> None:
        for slot in self._all:
            slot.shutdown(wait=False)
        self.side.shutdown(wait=False)
