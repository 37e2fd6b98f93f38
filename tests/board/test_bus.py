"""The Redis bus against the real server: publish, subscribe, and the signal's receiver."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from board import bus
from core.models import HelpRequest, Urgency

pytestmark = pytest.mark.django_db


def test_a_published_change_reaches_a_subscriber(redis_url: str, channel: str) -> None:
    subscription = bus.Subscription(url=redis_url, channel=channel)
    try:
        subscription.get(timeout=0.2)  # the subscription is confirmed
        change = bus.Change(
            id=7, number="20260101-0001", kind="created", urgency="critical", status="received"
        )
        bus.publish(change, url=redis_url, channel=channel)
        heard = None
        for _ in range(20):
            heard = subscription.get(timeout=0.25)
            if heard is not None:
                break
        assert heard == change
    finally:
        subscription.close()


def test_every_committed_event_is_published_when_redis_is_configured(
    redis_url: str,
    channel: str,
    settings,
    monkeypatch,
    make_request: Callable[..., HelpRequest],
    django_capture_on_commit_callbacks,
) -> None:
    settings.HUYING_REDIS_URL = redis_url
    monkeypatch.setattr(bus, "channel_name", lambda: channel)
    subscription = bus.Subscription(url=redis_url, channel=channel)
    try:
        subscription.get(timeout=0.2)
        with django_capture_on_commit_callbacks(execute=True):
            filed = make_request(urgency=Urgency.URGENT)
        heard = None
        for _ in range(20):
            heard = subscription.get(timeout=0.25)
            if heard is not None:
                break
        assert heard is not None
        assert (heard.number, heard.kind, heard.urgency, heard.status) == (
            filed.number,
            "created",
            "urgent",
            "received",
        )
    finally:
        subscription.close()


def test_nothing_is_published_without_redis(
    settings, monkeypatch, make_request, django_capture_on_commit_callbacks
) -> None:
    settings.HUYING_REDIS_URL = ""
    published: list[bus.Change] = []
    monkeypatch.setattr(bus, "publish", lambda change, **kw: published.append(change))
    with django_capture_on_commit_callbacks(execute=True):
        make_request()
    assert published == []


def test_filing_never_fails_because_redis_is_down(
    settings, make_request, django_capture_on_commit_callbacks
) -> None:
    settings.HUYING_REDIS_URL = "redis://127.0.0.1:1/0"
    with django_capture_on_commit_callbacks(execute=True):
        filed = make_request()
    assert filed.pk is not None
