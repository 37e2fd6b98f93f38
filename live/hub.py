"""One listener per process, fanned out to every open stream of that process.

A command centre keeps hundreds of screens open; if each stream subscribed to Redis or read
the database on its own, the cost would grow with the screens. Instead each process has one
``Hub`` (per event loop): a single task that hears every change — from Redis when
``HUYING_REDIS_URL`` is set, else by reading the newest event ids every ``POLL_SECONDS`` —
and puts it on the queue of every stream open in that process. A stream is then only a
queue and a coroutine.

A stream whose queue overflows (a browser that stopped reading) is told to end; the browser
reconnects with ``Last-Event-ID`` and catches up from the database.
"""

from __future__ import annotations

import asyncio
import collections
import functools
import logging
import weakref
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import redis
import redis.asyncio
from django.db import close_old_connections, connections

from board import bus
from huying import metrics

log = logging.getLogger(__name__)

T = TypeVar("T")

#: Without Redis, how often the hub reads the newest event ids.
POLL_SECONDS = 0.5
#: After Redis failed, how long the hub polls the database before it tries Redis again.
REDIS_RETRY_SECONDS = 10.0
#: How long a new stream waits for a hub that is just starting to listen.
READY_SECONDS = 5.0
#: How long the hub gathers changes after the first before passing them on together.
GATHER_SECONDS = 0.2
#: How far behind the newest event id seen a late commit may still appear. Transactions in
#: flight at once (a few per web process's thread) write two events each at most.
LOOKBACK = 200
#: Changes read at once beyond the look-back window while catching up.
CATCH_UP_BATCH = 200
#: How many changes the hub remembers having passed on.
RECENT_SIZE = 4096
#: Batches a stream may fall behind by before it is ended (and its browser catches up).
QUEUE_SIZE = 100

#: The one thread on which every hub of this process reads the database: the reads are
#: tiny and few (two a second), and one thread keeps one connection.
_database_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="huying-hub")


async def read_database(function: Callable[[], T]) -> T:
    """``function()`` on the hub's own thread, with a connection that is still good."""

    def run() -> T:
        # No request cycle on this thread closes a connection that broke (a restarted
        # database) or grew old; do what the request cycle would.
        close_old_connections()
        return function()

    return await asyncio.get_running_loop().run_in_executor(_database_thread, run)


def close_database() -> None:
    """Close the hub thread's database connection (at shutdown, or after a test)."""
    _database_thread.submit(connections.close_all).result(timeout=30)


class Overflow(Exception):
    """The stream fell too far behind; it ends and its browser catches up from the database."""


class Listener:
    """One open stream's place at the hub: a queue of batches of changes."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[list[bus.Change] | None] = asyncio.Queue(maxsize=QUEUE_SIZE)

    async def next(self, timeout: float) -> list[bus.Change]:
        """What was heard, oldest first, once something was; empty when ``timeout`` passed."""
        try:
            # asyncio.timeout, not wait_for: no task per wait, with thousands of streams.
            async with asyncio.timeout(max(timeout, 0.0)):
                batch = await self.queue.get()
        except TimeoutError:
            return []
        changes: list[bus.Change] = []
        while True:
            if batch is None:
                raise Overflow
            changes.extend(batch)
            if self.queue.empty():
                return changes
            batch = self.queue.get_nowait()

    def put(self, batch: list[bus.Change]) -> None:
        try:
            self.queue.put_nowait(batch)
        except asyncio.QueueFull:
            # Make room for the end mark: this stream will reconnect and read from the database.
            while not self.queue.empty():
                self.queue.get_nowait()
            self.queue.put_nowait(None)


class Hub:
    """The listeners of one event loop and the task that feeds them.

    The hub keeps its own ``cursor``: the newest change it has passed on. When it has to
    switch how it listens (Redis went down, or came back), it first listens the new way and
    then reads from the database whatever came after its cursor, so nothing falls between.
    """

    def __init__(self) -> None:
        # Weak: a stream whose response was dropped before it ever ran (the client left at
        # once) must not stay here with a growing queue.
        self.listeners: weakref.WeakSet[Listener] = weakref.WeakSet()
        self.cursor: bus.Cursor | None = None
        self._task: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()
        self._gathered: list[bus.Change] = []
        # What was passed on lately, so that reading behind the cursor repeats nothing.
        self._recent: set[tuple[str, int]] = set()
        self._recent_order: collections.deque[tuple[str, int]] = collections.deque(
            maxlen=RECENT_SIZE
        )
        self._flush: asyncio.TimerHandle | None = None

    async def join(self) -> Listener:
        """A new listener, once the hub hears every change from now on."""
        listener = Listener()
        self.listeners.add(listener)
        metrics.STREAMS.inc()
        # Counted down when the stream is gone, however it went (even never started).
        weakref.finalize(listener, metrics.STREAMS.dec)
        if self._task is None or self._task.done():
            self._ready.clear()
            self._task = asyncio.get_running_loop().create_task(self._run(), name="live-hub")
        try:
            await asyncio.wait_for(self._ready.wait(), timeout=READY_SECONDS)
        except TimeoutError:
            # The database or Redis is slow to answer: the stream still opens and catches up.
            log.warning("The live hub was not ready in %s s", READY_SECONDS)
        return listener

    def leave(self, listener: Listener) -> None:
        self.listeners.discard(listener)
        if not self.listeners and self._task is not None:
            # Nobody listens in this process: stop, rather than read Redis for no one.
            self._task.cancel()
            self._task = None

    def broadcast(self, change: bus.Change) -> None:
        """Pass ``change`` on, together with whatever else comes within ``GATHER_SECONDS``.

        An open stream costs the server a write and a wake-up each time it is told something;
        in a burst of dozens of changes a second, telling every stream a few times a second
        what came meanwhile costs a fraction of telling it each change on its own. A change
        already passed on (heard again while catching up) is not passed on twice.
        """
        if not self._remember((change.stream, change.id)):
            return
        if self.cursor is not None:
            self.cursor = self.cursor.after(change)
        self._gathered.append(change)
        if self._flush is None:
            loop = asyncio.get_running_loop()
            self._flush = loop.call_later(GATHER_SECONDS, self._pass_on)

    def _pass_on(self) -> None:
        batch, self._gathered, self._flush = self._gathered, [], None
        for listener in list(self.listeners):
            listener.put(batch)

    async def _run(self) -> None:
        """Feed the listeners while there are any; then stop, to start again with the next."""
        try:
            while self.listeners:
                try:
                    if bus.redis_url():
                        await self._hear_redis()
                    else:
                        await self._poll(seconds=None)
                except Exception:
                    # Whatever failed, the streams go on; the hub starts again from its cursor.
                    log.exception("The live hub failed; starting again")
                    await asyncio.sleep(POLL_SECONDS)
        finally:
            self.cursor = None
            self._ready.clear()

    async def _start_from_cursor(self) -> None:
        """Set the cursor the first time; later, pass on what came after it meanwhile."""
        if self.cursor is None:
            self.cursor = await read_database(bus.latest)
            # What is already there, behind the cursor, is not news: only a change that
            # commits late into that window will be.
            for change in await read_database(self._behind_cursor):
                self._remember((change.stream, change.id))
        else:
            await self._catch_up()
        self._ready.set()

    def _behind_cursor(self) -> list[bus.Change]:
        if self.cursor is None:
            return []
        low = bus.Cursor(
            max(0, self.cursor.events - LOOKBACK), max(0, self.cursor.filings - LOOKBACK)
        )
        return bus.changes_after(low, limit=LOOKBACK)

    def _remember(self, key: tuple[str, int]) -> bool:
        """Note ``key`` as passed on; False if it already was."""
        if key in self._recent:
            return False
        if len(self._recent_order) == self._recent_order.maxlen:
            self._recent.discard(self._recent_order[0])
        self._recent_order.append(key)
        self._recent.add(key)
        return True

    async def _catch_up(self) -> None:
        """Pass on what the database holds from a little behind the cursor on.

        Ids are taken when a row is written but become visible when its transaction
        commits, and transactions commit in their own order: event 10 may appear after
        event 11 was already seen. So the read starts ``LOOKBACK`` ids behind the newest one
        seen, and what was passed on already is left out (``broadcast``).
        """
        if self.cursor is None:
            return
        low = bus.Cursor(
            max(0, self.cursor.events - LOOKBACK), max(0, self.cursor.filings - LOOKBACK)
        )
        while True:
            changes = await read_database(
                functools.partial(bus.changes_after, low, limit=LOOKBACK + CATCH_UP_BATCH)
            )
            for change in changes:
                low = low.after(change)
                self.broadcast(change)
            if len(changes) < LOOKBACK + CATCH_UP_BATCH:
                return

    async def _hear_redis(self) -> None:
        client = redis.asyncio.Redis.from_url(
            bus.redis_url(), socket_connect_timeout=2, health_check_interval=30
        )
        pubsub = client.pubsub(ignore_subscribe_messages=True)
        try:
            try:
                await pubsub.subscribe(await read_database(bus.channel_name))
            except (redis.RedisError, OSError):
                log.warning("Redis unavailable; the live streams read the database", exc_info=True)
                await self._poll(seconds=REDIS_RETRY_SECONDS)
                return
            # Subscribed first, then caught up: nothing published meanwhile is missed.
            await self._start_from_cursor()
            while self.listeners:
                message = await pubsub.get_message(timeout=1.0)
                if message is None or message.get("type") != "message":
                    continue
                try:
                    change = bus.Change.from_json(message["data"])
                except (KeyError, TypeError, ValueError):
                    continue
                self.broadcast(change)
        finally:
            try:
                await pubsub.aclose()  # type: ignore[no-untyped-call]
                await client.aclose()
            except (redis.RedisError, OSError):
                pass

    async def _poll(self, *, seconds: float | None) -> None:
        """Read what is new in the database every ``POLL_SECONDS``, for ``seconds`` or for good."""
        loop = asyncio.get_running_loop()
        until = None if seconds is None else loop.time() + seconds
        await self._start_from_cursor()
        while self.listeners and (until is None or loop.time() < until):
            await asyncio.sleep(POLL_SECONDS)
            # Not only when the newest id moved: one that committed late sits behind it.
            await self._catch_up()


_hubs: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Hub] = weakref.WeakKeyDictionary()


def hub() -> Hub:
    """The hub of the running event loop (a server process has one loop, a test may have many)."""
    loop = asyncio.get_running_loop()
    found = _hubs.get(loop)
    if found is None:
        found = _hubs[loop] = Hub()
    return found
