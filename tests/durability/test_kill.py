"""A create that got a number survives SIGKILL of every gunicorn process, and retries do not double."""

from __future__ import annotations

import json
import threading
import time
import uuid
from typing import Any

import pytest

from tests.conftest import free_port
from tests.durability.conftest import Client, Site, request_bodies, resend_and_check, stream

CREATES = 300
KILL_AFTER = 80


@pytest.mark.serial
def test_sigkill_mid_stream_loses_no_acknowledged_create(site: Site, gunicorn_factory: Any) -> None:
    api_key = site.api_key()
    port = free_port()
    server = gunicorn_factory(site, port)
    server.start()
    client = Client(port=port, api_key=api_key)
    keys = [f"kill-{uuid.uuid4().hex}" for _ in range(CREATES)]
    bodies = dict(zip(keys, request_bodies(CREATES, seed=41), strict=True))
    payloads = {key: client.body_for(key, body) for key, body in bodies.items()}

    stop = threading.Event()
    workers, tried = stream(client, keys, payloads, threads=6, stop=stop)
    deadline = time.monotonic() + 60
    while sum(o.status == 201 for o in client.outcomes) < KILL_AFTER:
        assert time.monotonic() < deadline, client.outcomes[-5:]
        time.sleep(0.005)
    # No new sends from here (after the kill each would fail at once, and the senders could
    # run through every key before being told to stop); the ones in flight meet the kill.
    stop.set()
    server.kill()  # the master and both workers, while creates are in flight
    for worker in workers:
        worker.join(timeout=30)

    acked = {o.key: o.number for o in client.outcomes if o.status == 201}
    assert len(acked) >= KILL_AFTER
    assert len(tried) < CREATES, "the stream had ended before the kill"
    assert all(o.status in (201, None) for o in client.outcomes), [
        o for o in client.outcomes if o.status not in (201, None)
    ][:5]

    # Before anything restarts: every acknowledged number is on disk, with its content.
    if site.pg is None:
        assert site.rows("PRAGMA integrity_check") == [("ok",)]
    stored = {
        number: (ref, description)
        for number, ref, description in site.rows(
            "SELECT number, external_ref, description FROM core_helprequest"
        )
    }
    for key, number in acked.items():
        assert number in stored, f"acknowledged {number} is not in the database"
        assert stored[number] == (key, bodies[key]["description"])

    server.start()
    final = resend_and_check(site, port, api_key, acked, tried, payloads)
    # A key never sent was never filed.
    assert not set(final) - set(tried)
    print(
        json.dumps(
            {  # what the run saw, for the record (-s)
                "acknowledged_before_kill": len(acked),
                "tried": len(tried),
                "unacknowledged_in_flight": len(set(tried) - set(acked)),
            }
        )
    )
