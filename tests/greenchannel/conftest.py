"""Fixtures of the green channel's tests: a peer (郑州) and a filing approved at both ends."""

from __future__ import annotations

from typing import Any

import pytest

from accounts.models import Role, User
from core.access import Actor
from federation.models import Peer
from greenchannel.models import Filing, FilingStatus
from greenchannel.services import filing_create, filing_step
from tests.federation.conftest import PeerKeys, ScriptedPeer, scripted_peer, zhengzhou_keys  # noqa: F401  (shared fixtures)
from tests.greenchannel.test_filings import from_peer, stent


@pytest.fixture
def chief(db: Any) -> Actor:
    return Actor(
        user=User.objects.create_user(username="chief", password="x", role=Role.DISPATCHER)
    )


@pytest.fixture
def peer(db: Any, scripted_peer: ScriptedPeer, zhengzhou_keys: PeerKeys) -> Peer:  # noqa: F811
    return Peer.objects.create(
        code="zhengzhou",
        name="郑州市疫情防控指挥部",
        url=scripted_peer.url,
        public_key=zhengzhou_keys.public_key,
    )


@pytest.fixture
def approved(chief: Actor, peer: Peer, zhengzhou_keys: PeerKeys) -> Filing:  # noqa: F811
    filing = filing_step(
        filing_create(actor=chief, peer=peer, data=stent()), "approve_origin", actor=chief
    )
    from_peer(zhengzhou_keys, "gc.step", {"uid": str(filing.uid), "step": "approve", "version": 1})
    filing.refresh_from_db()
    assert filing.status == FilingStatus.APPROVED
    return filing
