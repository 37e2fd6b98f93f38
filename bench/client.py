"""The HTTP client the intake benchmarks share: request bodies, one HTTP/1.1 exchange, CPU.

One asyncio loop speaks plain HTTP/1.1 to 127.0.0.1, with bodies built before the clock
starts, so the client takes little of the CPU the server on the same machine also needs.
``bench.intake`` (closed loop, one key) and ``bench.surge`` (closed loop and open-loop surge,
many keys) both use it.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from random import Random
from urllib.parse import urlsplit

from core.demo_text import COMMUNITIES, TEMPLATES, Place, person_name
from core.reference_data import COUNTIES, street_code

PATH = "/api/v1/requests"
_PREFIXES = ("135", "138", "139", "150", "151", "158", "177", "186", "188", "199")
_URGENCY = ("critical", "urgent", "normal")

#: What one exchange can fail with short of an HTTP answer (refused, reset, cut short, late,
#: or something that is not HTTP).
TRANSPORT_ERRORS = (
    TimeoutError,
    OSError,
    asyncio.IncompleteReadError,
    asyncio.LimitOverrunError,
    ValueError,
    IndexError,
)


def local_address(url: str) -> tuple[str, int]:
    """(host, port) of ``url``, which must be plain http on 127.0.0.1: these load this machine only."""
    parts = urlsplit(url)
    if parts.scheme != "http" or parts.hostname != "127.0.0.1":
        raise ValueError(
            "the URL must be http://127.0.0.1:<port>: benchmarks only load this machine"
        )
    return parts.hostname, parts.port or 80


def make_bodies(count: int, seed: int) -> list[bytes]:
    """``count`` valid, varied request bodies, from the same phrasebook as the demo data."""
    rng = Random(seed)
    places = [
        (street_code(code, index), county, street)
        for code, county, streets in COUNTIES
        for index, street in enumerate(streets)
    ]
    categories = list(TEMPLATES)
    bodies = []
    for _ in range(count):
        category = rng.choice(categories)
        template = rng.choice(TEMPLATES[category])
        division, county, street = rng.choice(places)
        summary, description, _answer = template.fill(
            rng, Place(county=county, street=street, community=rng.choice(COMMUNITIES))
        )
        body = {
            "channel": "api",
            "category": category,
            "urgency": rng.choices(_URGENCY, weights=(3, 25, 72))[0],
            "summary": summary,
            "description": description,
            "division": division,
            "address": f"{street}{rng.choice(COMMUNITIES)}小区{rng.randint(1, 28)}号楼",
            "requester_name": person_name(rng),
            "requester_phone": rng.choice(_PREFIXES) + f"{rng.randrange(10**8):08d}",
        }
        bodies.append(json.dumps(body, ensure_ascii=False).encode())
    return bodies


def post_message(
    *, host: str, port: int, api_key: str, body: bytes, idempotency_key: str = ""
) -> bytes:
    """The bytes of one ``POST /api/v1/requests``: a few string joins, no per-call encoding of JSON."""
    extra = f"Idempotency-Key: {idempotency_key}\r\n" if idempotency_key else ""
    head = (
        f"POST {PATH} HTTP/1.1\r\nHost: {host}:{port}\r\nX-API-Key: {api_key}\r\n"
        f"Content-Type: application/json\r\nAccept: application/json\r\n{extra}"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


@dataclass
class Answer:
    """One HTTP answer: status, body, whether the connection stays open, ``Retry-After``."""

    status: int
    body: bytes
    keep_alive: bool
    retry_after: str | None = None


async def read_response(reader: asyncio.StreamReader) -> Answer:
    """One HTTP/1.1 response, with a Content-Length or chunked."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    length = 0
    keep_alive = True
    chunked = False
    retry_after = None
    for line in lines[1:]:
        name, _, value = line.partition(":")
        name = name.strip().lower()
        if name == "content-length":
            length = int(value)
        elif name == "connection" and value.strip().lower() == "close":
            keep_alive = False
        elif name == "transfer-encoding" and "chunked" in value.lower():
            chunked = True
        elif name == "retry-after":
            retry_after = value.strip()
    if chunked:
        body = b""
        while True:
            size = int((await reader.readuntil(b"\r\n")).strip().split(b";")[0], 16)
            if size == 0:
                await reader.readuntil(b"\r\n")
                break
            body += (await reader.readexactly(size + 2))[:-2]
        return Answer(status, body, keep_alive, retry_after)
    return Answer(status, await reader.readexactly(length), keep_alive, retry_after)


Stream = tuple[asyncio.StreamReader, asyncio.StreamWriter]


async def http_get(
    port: int, path: str, *, timeout: float = 5.0, headers: str = ""
) -> tuple[int, bytes]:
    """One GET on a fresh connection to 127.0.0.1: (status, body)."""
    host = "127.0.0.1"
    reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
    try:
        writer.write(
            f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n{headers}Connection: close\r\n\r\n".encode()
        )
        await writer.drain()
        answer = await asyncio.wait_for(read_response(reader), timeout)
        return answer.status, answer.body
    finally:
        writer.close()


class Connections:
    """Idle keep-alive connections to one server, reused when the server keeps them open.

    gunicorn's sync workers close every connection after the answer, so there the pool stays
    empty and each call connects afresh; threaded workers keep them, and then reuse saves the
    handshake on both sides.
    """

    #: gunicorn closes a connection idle for 2 s (its ``keepalive``); reusing one that old
    #: would race with that close and count the server's housekeeping as an error.
    MAX_IDLE = 1.0

    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port
        self.idle: list[tuple[float, Stream]] = []
        self.opened = 0
        self.resent = 0

    def _reusable(self) -> Stream | None:
        now = time.monotonic()
        while self.idle:
            since, stream = self.idle.pop()
            if now - since < self.MAX_IDLE and not stream[0].at_eof():
                return stream
            stream[1].close()
        return None

    async def exchange(self, message: bytes, timeout: float) -> Answer:
        """Send ``message`` and read the answer; raises one of TRANSPORT_ERRORS on failure.

        A reused connection the server had already closed gives back not one byte; the call
        is then sent once more on a new connection, as HTTP clients do: the server closed it
        without reading the request, so the call was never seen.
        """
        stream = self._reusable()
        if stream is not None:
            try:
                return await self._send(stream, message, timeout)
            except (asyncio.IncompleteReadError, ConnectionResetError, BrokenPipeError) as error:
                if isinstance(error, asyncio.IncompleteReadError) and error.partial:
                    raise
                self.resent += 1
        stream = await asyncio.wait_for(asyncio.open_connection(self.host, self.port), timeout)
        self.opened += 1
        return await self._send(stream, message, timeout)

    async def _send(self, stream: Stream, message: bytes, timeout: float) -> Answer:
        reader, writer = stream
        try:
            writer.write(message)
            await writer.drain()
            answer = await asyncio.wait_for(read_response(reader), timeout)
        except BaseException:
            writer.close()
            raise
        if answer.keep_alive:
            self.idle.append((time.monotonic(), stream))
        else:
            writer.close()
        return answer

    def close(self) -> None:
        for _since, (_reader, writer) in self.idle:
            writer.close()
        self.idle.clear()


@dataclass
class ClosedLoop:
    """Counts of a closed-loop run: statuses, latencies of creates, first error texts."""

    remaining: int
    deadline: float
    latencies: list[float] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)
    first_error: dict[str, str] = field(default_factory=dict)

    def take(self) -> bool:
        if self.remaining <= 0 or time.monotonic() >= self.deadline:
            return False
        self.remaining -= 1
        return True

    def record(self, status: str, seconds: float, body: bytes = b"") -> None:
        self.statuses[status] = self.statuses.get(status, 0) + 1
        if status == "201":
            self.latencies.append(seconds)
        elif status not in self.first_error:
            self.first_error[status] = body[:300].decode(errors="replace")


async def closed_loop_worker(
    run: ClosedLoop,
    *,
    host: str,
    port: int,
    keys: Sequence[str],
    bodies: Sequence[bytes],
    offset: int,
    idempotency_prefix: str,
    timeout: float,
) -> None:
    """Send one create after another until ``run`` says stop; each call waits for the last,
    and a refusal (429, 503) waits its ``Retry-After`` too.

    Calls take turns over ``keys`` (one budget each where the server limits per key);
    ``idempotency_prefix`` non-empty sends ``<prefix><offset>-<n>`` as each call's
    Idempotency-Key (``offset`` differs per worker, so keys never repeat).
    """
    connections = Connections(host, port)
    index = offset
    while run.take():
        body = bodies[index % len(bodies)]
        message = post_message(
            host=host,
            port=port,
            api_key=keys[index % len(keys)],
            body=body,
            idempotency_key=f"{idempotency_prefix}{offset}-{index}" if idempotency_prefix else "",
        )
        index += 1
        started = time.perf_counter()
        try:
            answer = await connections.exchange(message, timeout)
            run.record(str(answer.status), time.perf_counter() - started, answer.body)
        except TRANSPORT_ERRORS as error:
            run.record(f"connection:{type(error).__name__}", time.perf_counter() - started)
            continue
        if answer.status in (429, 503):
            # As integrations are told to: wait what the server asks before the next call.
            # A caller that sends again at once only spends the server's CPU on refusals.
            await asyncio.sleep(retry_after_seconds(answer.retry_after))
    connections.close()


def retry_after_seconds(value: str | None) -> float:
    """A ``Retry-After`` in seconds, kept between 0.1 and 10; a date or garbage reads as 1."""
    try:
        return min(max(float(value or 1), 0.1), 10.0)
    except ValueError:
        return 1.0


def cpu_ticks() -> tuple[int, int] | None:
    """(busy, total) jiffies of the whole machine, from /proc/stat; None off Linux."""
    try:
        with open("/proc/stat", encoding="ascii") as stat:
            fields = [int(x) for x in stat.readline().split()[1:]]
    except OSError:
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return sum(fields) - idle, sum(fields)


def busy_percent(before: tuple[int, int] | None, after: tuple[int, int] | None) -> float | None:
    """Share of all cores busy between two ``cpu_ticks()``; near 100 means the machine is the limit."""
    if before and after and after[1] > before[1]:
        return round(100 * (after[0] - before[0]) / (after[1] - before[1]), 1)
    return None


def make_key(name: str) -> str:
    """Mint an integration key (channel api) in the configured database; Django set up here."""
    from bench import setup_django

    setup_django()
    from accounts.models import ApiKey
    from core.models import Channel

    _key, secret = ApiKey.issue(name=name, channel=Channel.API)
    return secret
