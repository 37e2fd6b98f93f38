"""The demo's trickle files real requests through the services, on real channels."""

from __future__ import annotations

from io import StringIO
from random import Random

import pytest
from django.core.management import CommandError, call_command

from core.demo import ensure_demo_organisation
from core.demo_trickle import file_one
from core.models import Channel, Event, HelpRequest

pytestmark = pytest.mark.django_db


def test_without_the_demo_accounts_it_files_nothing():
    assert file_one(Random(1)) is None
    assert not HelpRequest.objects.exists()


def test_it_files_numbered_requests_on_their_channels():
    ensure_demo_organisation()
    rng = Random(7)
    filed = [file_one(rng) for _ in range(12)]
    assert all(hr is not None for hr in filed)
    assert {hr.channel for hr in filed if hr} <= {Channel.HOTLINE, Channel.APP, Channel.API}
    for hr in filed:
        assert hr is not None
        assert hr.events.filter(kind=Event.Kind.CREATED).count() == 1
        assert hr.description and hr.division.parent_id is not None


def test_the_command_stops_after_count_and_refuses_nonsense():
    ensure_demo_organisation()
    out = StringIO()
    call_command("trickle_demo", "--count", "2", "--every", "0.01", "--seed", "3", stdout=out)
    assert len(out.getvalue().splitlines()) == 2
    assert HelpRequest.objects.count() == 2
    with pytest.raises(CommandError):
        call_command("trickle_demo", "--every", "0")
    with pytest.raises(CommandError):
        call_command("trickle_demo", "--count", "-1")
