"""双向报备: a stent transfer filed here, approved at both ends, and the steps both ways.

The other command centre is played by a key pair (its messages come in through the real
federation door, signed) and a scripted HTTP server (our messages go out to it)."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone, translation

from accounts.models import Role, User
from core.access import Actor
from core.errors import InvalidInput, TransitionNotAllowed
from federation.delivery import deliver_due
from federation.handlers import process_pending
from federation.models import InboxMessage, OutboxMessage, Peer
from greenchannel.models import Filing, FilingStatus, Side
from greenchannel.passes import verify_token
from greenchannel.services import filing_create, filing_step
from tests.federation.conftest import ScriptedPeer


def stent(**overrides: Any) -> dict[str, Any]:
    """The seed's case: a covered stent from Zhengzhou for an aortic aneurysm patient."""
    start = timezone.now() + timedelta(hours=1)
    data: dict[str, Any] = {
        "kind": "medical_supplies",
        "origin_place": "焦作市人民医院",
        "destination_place": "郑州大学第一附属医院",
        "cargo": "覆膜支架1套（腹主动脉瘤手术用），随车冷链箱",
        "vehicle_plate": "豫H·A1234",
        "driver_name": "王强",
        "driver_phone": "13903910001",
        "escort_name": "李医生",
        "escort_phone": "13903910002",
        "route": "焦作—郑焦城际高速—郑州",
        "checkpoints": "焦作东收费站；郑州西卡点",
        "window_start": start.isoformat(),
        "window_end": (start + timedelta(hours=6)).isoformat(),
        "origin_contact": "焦作指挥部值班室",
        "origin_contact_phone": "03913567890",
    }
    data.update(overrides)
    return data


@pytest.fixture
def chief(db: Any) -> Actor:
    return Actor(
        user=User.objects.create_user(username="chief", password="x", role=Role.DISPATCHER)
    )


@pytest.fixture
def peer(db: Any, scripted_peer, zhengzhou_keys) -> Peer:
    return Peer.objects.create(
        code="zhengzhou",
        name="郑州市疫情防控指挥部",
        url=scripted_peer.url,
        public_key=zhengzhou_keys.public_key,
    )


def from_peer(keys, kind: str, body: dict[str, Any]) -> None:
    """The other side's message, through the real door, then acted on."""
    raw, signature = keys.message(kind=kind, body=body)
    response = Client().post(
        "/federation/v1/messages",
        data=raw,
        content_type="application/json",
        headers={"Huying-Signature": signature},
    )
    assert response.status_code == 202, response.content
    process_pending()


def sent(scripted_peer: ScriptedPeer) -> list[dict[str, Any]]:
    deliver_due(now=timezone.now() + timedelta(hours=2))
    return scripted_peer.messages()


def test_a_stent_transfer_from_filing_to_closed(chief, peer, scripted_peer, zhengzhou_keys):
    filing = filing_create(actor=chief, peer=peer, data=stent())
    assert (filing.status, filing.side, filing.number.startswith("jiaozuo-")) == (
        "filed",
        "origin",
        True,
    )
    assert not OutboxMessage.objects.exists()  # not sent before our own approval

    filing = filing_step(filing, "approve_origin", actor=chief)
    (message,) = sent(scripted_peer)
    assert message["kind"] == "gc.filing" and message["body"]["uid"] == str(filing.uid)
    assert message["body"]["data"]["vehicle_plate"] == "豫H·A1234"

    from_peer(
        zhengzhou_keys,
        "gc.step",
        {"uid": str(filing.uid), "step": "approve", "version": 1, "actor": "zz-duty"},
    )
    filing.refresh_from_db()
    assert filing.status == FilingStatus.APPROVED
    # Approved at both ends: the origin issued the vehicle's pass, valid within the window.
    (issued,) = filing.passes.all()
    assert (
        verify_token(issued.token, now=filing.window_start + timedelta(minutes=1)).outcome
        == "valid"
    )

    filing = filing_step(filing, "depart", actor=chief)
    from_peer(zhengzhou_keys, "gc.step", {"uid": str(filing.uid), "step": "arrive", "version": 1})
    filing.refresh_from_db()
    assert filing.status == FilingStatus.ARRIVED
    filing = filing_step(filing, "close", actor=chief)

    steps = [(e.kind, e.side) for e in filing.events.all()]
    assert steps == [
        ("filed", "origin"),
        ("approve_origin", "origin"),
        ("approve", "destination"),
        ("pass_issued", "origin"),
        ("depart", "origin"),
        ("arrive", "destination"),
        ("close", "origin"),
    ]
    assert [m["body"].get("step") for m in sent(scripted_peer)[1:]] == ["depart", "close"]
    assert all(e.message_id for e in filing.events.filter(side=Side.DESTINATION))


def test_an_amendment_then_a_second_approval(chief, peer, scripted_peer, zhengzhou_keys):
    filing = filing_step(
        filing_create(actor=chief, peer=peer, data=stent()), "approve_origin", actor=chief
    )
    from_peer(
        zhengzhou_keys,
        "gc.step",
        {
            "uid": str(filing.uid),
            "step": "request_amendment",
            "version": 1,
            "reason": "请补充护送医生执业证号",
        },
    )
    filing.refresh_from_db()
    assert (filing.status, filing.reason) == (
        FilingStatus.AMENDMENT_REQUESTED,
        "请补充护送医生执业证号",
    )
    filing = filing_step(
        filing, "amend", actor=chief, data=stent(escort_name="李医生（执业证号110410000001）")
    )
    assert (filing.status, filing.version) == (FilingStatus.FILED, 2)
    filing = filing_step(filing, "approve_origin", actor=chief)
    messages = sent(scripted_peer)
    assert [m["kind"] for m in messages] == ["gc.filing", "gc.step", "gc.filing"]
    assert messages[2]["body"]["version"] == 2
    assert "执业证号" in messages[2]["body"]["data"]["escort_name"]


def test_a_filing_cannot_be_amended_after_approval(chief, peer, zhengzhou_keys):
    filing = filing_step(
        filing_create(actor=chief, peer=peer, data=stent()), "approve_origin", actor=chief
    )
    from_peer(zhengzhou_keys, "gc.step", {"uid": str(filing.uid), "step": "approve", "version": 1})
    with (
        translation.override("en"),
        pytest.raises(TransitionNotAllowed, match="approved at both ends"),
    ):
        filing_step(filing, "amend", actor=chief, data=stent(vehicle_plate="豫H·B9999"))
    with pytest.raises(TransitionNotAllowed, match="不能再修改"):
        filing_step(filing, "amend", actor=chief, data=stent(vehicle_plate="豫H·B9999"))
    filing.refresh_from_db()
    assert filing.vehicle_plate == "豫H·A1234" and filing.version == 1


def test_each_side_takes_only_its_own_steps(chief, peer):
    filing = filing_step(
        filing_create(actor=chief, peer=peer, data=stent()), "approve_origin", actor=chief
    )
    for step in ("approve", "request_amendment", "arrive"):
        with pytest.raises(TransitionNotAllowed):
            filing_step(filing, step, actor=chief)
    with pytest.raises(TransitionNotAllowed):
        filing_step(filing, "depart", actor=chief)  # not approved at destination yet


def test_a_rejection_needs_a_reason_and_is_sent(chief, peer, scripted_peer):
    filing = filing_step(
        filing_create(actor=chief, peer=peer, data=stent()), "approve_origin", actor=chief
    )
    with pytest.raises(InvalidInput) as exc:
        filing_step(filing, "reject_origin", actor=chief, reason="  ")
    assert set(exc.value.details) == {"reason"}
    filing = filing_step(filing, "reject_origin", actor=chief, reason="患者已转本地治疗")
    assert sent(scripted_peer)[-1]["body"] == {
        "uid": str(filing.uid),
        "step": "reject_origin",
        "version": 1,
        "reason": "患者已转本地治疗",
        "actor": "chief",
    }


def test_a_rejection_before_sending_stays_here(chief, peer):
    filing = filing_create(actor=chief, peer=peer, data=stent())
    filing_step(filing, "reject_origin", actor=chief, reason="重复报备")
    assert not OutboxMessage.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "fields"),
    [
        ({"vehicle_plate": "", "driver_phone": ""}, {"vehicle_plate", "driver_phone"}),
        ({"kind": "tank"}, {"kind"}),
        ({"window_start": "tomorrow"}, {"window_start"}),
        ({"window_end": (timezone.now() - timedelta(days=1)).isoformat()}, {"window_end"}),
        ({"cargo": "x" * 2001}, {"cargo"}),
        ({"vehicle_plate": "豫" * 21, "driver_phone": "1" * 21}, {"vehicle_plate", "driver_phone"}),
    ],
)
def test_bad_filings_are_refused_field_by_field(chief, peer, overrides, fields):
    with pytest.raises(InvalidInput) as exc:
        filing_create(actor=chief, peer=peer, data=stent(**overrides))
    assert set(exc.value.details) == fields
    assert not Filing.objects.exists()


# --- The destination's side: a filing that comes to us -----------------------------------------


def incoming(uid: uuid.UUID, version: int = 1, **data: Any) -> dict[str, Any]:
    return {
        "uid": str(uid),
        "number": "zhengzhou-20220114-001",
        "version": version,
        "origin": "zhengzhou",
        "destination": "jiaozuo",
        "data": stent(**data),
    }


def test_a_filing_from_the_peer_arrives_and_we_approve_it(
    chief, peer, scripted_peer, zhengzhou_keys
):
    uid = uuid.uuid4()
    from_peer(zhengzhou_keys, "gc.filing", incoming(uid))
    filing = Filing.objects.get(uid=uid)
    assert (filing.side, filing.status, filing.number) == (
        "destination",
        "origin_approved",
        "zhengzhou-20220114-001",
    )
    assert InboxMessage.objects.get().outcome.startswith("filing zhengzhou-20220114-001 received")
    filing_step(filing, "approve", actor=chief)
    assert sent(scripted_peer)[0]["body"]["step"] == "approve"


def test_messages_that_do_not_fit_are_recorded_not_applied(chief, peer, zhengzhou_keys):
    uid = uuid.uuid4()
    from_peer(zhengzhou_keys, "gc.filing", incoming(uid))
    from_peer(
        zhengzhou_keys, "gc.step", {"uid": str(uid), "step": "arrive"}
    )  # the origin cannot arrive
    from_peer(
        zhengzhou_keys, "gc.step", {"uid": str(uid), "step": "depart"}
    )  # not approved here yet
    from_peer(zhengzhou_keys, "gc.filing", {**incoming(uuid.uuid4()), "origin": "xinxiang"})
    from_peer(zhengzhou_keys, "gc.step", {"uid": "not-a-uuid", "step": "depart"})
    filing = Filing.objects.get(uid=uid)
    assert filing.status == FilingStatus.ORIGIN_APPROVED
    outcomes = list(InboxMessage.objects.order_by("id").values_list("outcome", flat=True))
    assert outcomes[1:] == [
        "ignored: arrive is not the other side's step",
        "ignored: depart does not fit origin_approved",
        "ignored: not a filing from this peer to us",
        "ignored: unknown filing or step",
    ]
    assert filing.events.filter(kind="out_of_step").count() == 1
    assert Filing.objects.count() == 1


def test_a_malformed_filing_is_kept_with_the_error_for_a_retry(chief, peer, zhengzhou_keys):
    from_peer(zhengzhou_keys, "gc.filing", {**incoming(uuid.uuid4()), "data": {"kind": "patient"}})
    message = InboxMessage.objects.get()
    assert message.processed_at is None and message.outcome.startswith("error:")
    assert not Filing.objects.exists()
    assert json.loads(message.envelope)["kind"] == "gc.filing"
