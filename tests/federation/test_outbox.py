"""The outbox: a signed message reaches its peer, even one that is down, erring or talking
garbage for a while; it is sent again with back-off, and accepted once."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from federation import envelope, keys, services
from federation.delivery import backoff, deliver_due
from federation.models import OutboxMessage, Peer


@pytest.fixture
def peer(db: Any, scripted_peer, zhengzhou_keys) -> Peer:
    return Peer.objects.create(
        code="zhengzhou", name="郑州", url=scripted_peer.url, public_key=zhengzhou_keys.public_key
    )


def test_backoff_doubles_from_30_seconds_to_an_hour():
    assert [backoff(n).total_seconds() for n in (1, 2, 3, 4, 7, 8, 20)] == [
        30,
        60,
        120,
        240,
        1920,
        3600,
        3600,
    ]


def test_a_message_is_signed_sent_and_marked_delivered(peer, scripted_peer):
    message = services.send(peer, "ping", {"note": "你好"})
    result = deliver_due()
    assert result.delivered == [message.pk]
    message.refresh_from_db()
    assert message.delivered_at is not None and message.attempts == 1
    ((body, signature),) = scripted_peer.received
    assert body == message.envelope.encode()
    envelope.verify(body, signature, keys.public_key_text())
    assert scripted_peer.messages()[0]["to"] == "zhengzhou"
    assert deliver_due().delivered == []  # nothing is sent twice


@pytest.mark.parametrize(
    ("status", "reply", "error"),
    [
        (500, b"Internal Server Error", "HTTP 500"),
        (200, b"<html>welcome</html>", "HTTP 200"),
        (409, b"not json", "HTTP 409"),
        (403, b'{"code":"bad_signature"}', "HTTP 403"),
    ],
)
def test_an_error_or_garbage_is_recorded_and_retried_later(
    peer, scripted_peer, status, reply, error
):
    scripted_peer.replies = [(status, reply)]
    message = services.send(peer, "ping", {})
    before = timezone.now()
    assert deliver_due().failed == [message.pk]
    message.refresh_from_db()
    assert message.delivered_at is None and message.attempts == 1
    assert error in message.last_error
    assert (
        before + timedelta(seconds=29)
        < message.next_attempt_at
        < timezone.now() + timedelta(seconds=31)
    )
    assert deliver_due().failed == []  # not due yet
    later = deliver_due(now=message.next_attempt_at)
    assert later.delivered == [message.pk]
    assert len(scripted_peer.received) == 2
    assert scripted_peer.received[0] == scripted_peer.received[1]  # the same bytes again


def test_a_peer_that_had_it_already_counts_as_delivered(peer, scripted_peer):
    scripted_peer.replies = [
        (409, b'{"code":"replay","message":"this message was received before"}')
    ]
    message = services.send(peer, "ping", {})
    assert deliver_due().delivered == [message.pk]


def test_a_peer_that_is_down_gets_the_message_when_it_is_back(peer, scripted_peer):
    scripted_peer.stop()
    message = services.send(peer, "ping", {"n": 1})
    moment = timezone.now()
    for attempt in range(1, 5):
        assert deliver_due(now=moment).failed == [message.pk]
        message.refresh_from_db()
        assert message.attempts == attempt and "unreachable" in message.last_error
        moment = message.next_attempt_at
    scripted_peer.start()  # back up, on the same port
    assert deliver_due(now=moment).delivered == [message.pk]
    assert scripted_peer.messages() == [json.loads(message.envelope)]


def test_a_message_older_than_peers_accept_is_given_up_with_a_record(peer, scripted_peer, settings):
    message = services.send(peer, "ping", {})
    OutboxMessage.objects.filter(pk=message.pk).update(
        created_at=timezone.now() - timedelta(hours=settings.HUYING_FEDERATION_MAX_AGE_HOURS + 1)
    )
    assert deliver_due().abandoned == [message.pk]
    message.refresh_from_db()
    assert message.abandoned_at is not None and "given up" in message.last_error
    assert scripted_peer.received == []
    assert deliver_due().abandoned == []


@pytest.mark.django_db(transaction=True)
def test_the_task_worker_delivers_after_the_commit(run_worker, scripted_peer, zhengzhou_keys):
    peer = Peer.objects.create(
        code="zhengzhou", name="郑州", url=scripted_peer.url, public_key=zhengzhou_keys.public_key
    )
    with transaction.atomic():
        message = services.send(peer, "ping", {"note": "after commit"})
    run_worker()
    message.refresh_from_db()
    assert message.delivered_at is not None
    assert scripted_peer.messages()[0]["body"] == {"note": "after commit"}


def test_messages_to_a_peer_keep_their_order_across_a_failure(peer, scripted_peer):
    scripted_peer.replies = [(500, b"busy")]
    first = services.send(peer, "ping", {"n": 1})
    second = services.send(peer, "ping", {"n": 2})
    result = deliver_due()
    assert (result.failed, result.delivered) == ([first.pk], [])  # the second waits its turn
    first.refresh_from_db()
    later = deliver_due(now=first.next_attempt_at)
    assert later.delivered == [first.pk, second.pk]
    assert [m["body"]["n"] for m in scripted_peer.messages()] == [1, 1, 2]
