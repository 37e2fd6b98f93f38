"""The pure helpers of bench.compare and bench.live (no server, no database, no load)."""

from __future__ import annotations

import json

from bench.compare import median_or_none, peer_body, peer_settings, ratio, recipe_version
from bench.live import Create, Dechunker, SSEParser, Stream, delivery, parse_head


def test_dechunker_joins_chunks_split_anywhere() -> None:
    raw = b"5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\n\r\n"
    for cut in range(1, len(raw)):
        dechunk = Dechunker()
        out = dechunk.feed(raw[:cut]) + dechunk.feed(raw[cut:])
        assert out == b"hello, world"
        assert dechunk.done


def test_sse_parser_returns_data_and_counts_heartbeats() -> None:
    parser = SSEParser()
    text = (
        b"retry: 1000\n: 5.0\n\n"
        b'id: 6.0\nevent: change\ndata: {"number":"20261207-0001"}\n\n'
        b": heartbeat\n\n"
        b'id: 7.0\nevent: change\ndata: {"number":"2026'
    )
    assert parser.feed(text) == [b'{"number":"20261207-0001"}']
    assert parser.heartbeats == 1
    assert parser.feed(b'1207-0002"}\n\n') == [b'{"number":"20261207-0002"}']


def test_parse_head() -> None:
    status, headers = parse_head(
        b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    assert status == 200
    assert headers["transfer-encoding"] == "chunked"


def test_delivery_counts_pairs_misses_and_streams_opened_late() -> None:
    early = Stream(0, opened_at=0.0, seen={"A": 1.5, "B": 2.2})
    missing = Stream(1, opened_at=0.0, seen={"A": 1.6})
    late = Stream(2, opened_at=1.8, seen={"B": 2.3})  # opened after A was sent
    ended = Stream(3, opened_at=0.0, closed_at=1.2, seen={})  # gone before A was answered
    creates = [Create("A", sent_at=1.0, answered_at=1.4), Create("B", sent_at=2.0, answered_at=2.1)]
    found = delivery([early, missing, late, ended], creates, grace=5.0)
    assert found["delivered"] == 4
    assert found["missed"] == 1
    assert found["streams_that_missed_a_create"] == 1
    assert found["from_create_sent_ms"]["max"] == 600.0
    assert found["from_create_sent_ms"]["min"] == 200.0


def test_peer_settings_sends_mail_nowhere() -> None:
    text = 'DEBUG = False\nEMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"\n'
    assert "dummy.EmailBackend" in peer_settings(text)
    assert "console" not in peer_settings(text)
    assert "dummy.EmailBackend" in peer_settings("DEBUG = False\n")


def test_recipe_version_and_peer_body() -> None:
    assert recipe_version("pip install 'django-helpdesk==2.6.1'   # deps") == "2.6.1"
    assert recipe_version("nothing pinned") == "2.6.1"
    body = json.dumps(
        {"summary": "求助", "description": "药", "urgency": "critical", "division": "1"}
    ).encode()
    ticket = json.loads(peer_body(body, 7, queue=1))
    assert ticket == {
        "queue": 1,
        "title": "求助",
        "description": "药",
        "submitter_email": "caller7@example.invalid",
        "priority": 1,
    }


def test_ratio_and_median() -> None:
    assert ratio(30.0, 20.0) == 1.5
    assert ratio(30.0, 0.0) is None
    assert median_or_none([None, 1.0, 3.0]) == 2.0
    assert median_or_none([None]) is None
