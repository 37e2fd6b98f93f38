"""Passes (通行证): issued for an approved filing, verified by signature, window and revocation."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client

from accounts.models import Role, User
from core.access import Actor
from core.errors import InvalidInput, TransitionNotAllowed
from federation import envelope, keys
from federation.models import OutboxMessage, Peer
from greenchannel import passes
from greenchannel.models import Filing, Pass
from greenchannel.services import filing_create, filing_step
from tests.conftest import PASSWORD
from tests.federation.conftest import PeerKeys
from tests.greenchannel.test_filings import from_peer, stent


def during(filing: Filing) -> Any:
    return filing.window_start + timedelta(minutes=30)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def signed_by(key: Any, payload: dict[str, Any]) -> str:
    raw = envelope.canonical(payload)
    return f"HY1.{b64url(raw)}.{b64url(key.sign(raw))}"


def payload_of(token: str) -> dict[str, Any]:
    part = token.split(".")[1]
    result: dict[str, Any] = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    return result


def test_an_approved_filing_gets_a_pass_that_verifies(approved: Filing) -> None:
    issued = passes.issue_pass(approved)
    payload = payload_of(issued.token)
    assert (
        payload["plate"] == "豫H·A1234"
        and payload["iss"] == "jiaozuo"
        and payload["fid"] == str(approved.uid)
    )
    assert payload["nbf"] == int(approved.window_start.timestamp())
    verdict = passes.verify_token(issued.token, now=during(approved))
    assert verdict.outcome == "valid" and verdict.payload["driver"] == "王强"
    assert approved.events.filter(kind="pass_issued", note=str(issued.pid)).exists()


def test_no_pass_before_approval_at_both_ends(chief: Actor, peer: Peer) -> None:
    filing = filing_step(
        filing_create(actor=chief, peer=peer, data=stent()), "approve_origin", actor=chief
    )
    with pytest.raises(TransitionNotAllowed):
        passes.issue_pass(filing)
    assert not Pass.objects.exists()


def test_a_tampered_payload_is_forged(approved: Filing) -> None:
    token = passes.issue_pass(approved).token
    head, _payload, signature = token.split(".")
    changed = payload_of(token) | {"plate": "豫H·X0000"}
    tampered = f"{head}.{b64url(envelope.canonical(changed))}.{signature}"
    assert passes.verify_token(tampered, now=during(approved)).outcome == "forged"


def test_a_token_signed_by_a_stranger_is_forged_or_from_an_unknown_issuer(approved: Filing) -> None:
    stranger = PeerKeys("nowhere").key
    payload = payload_of(passes.issue_pass(approved).token)
    assert (
        passes.verify_token(signed_by(stranger, payload), now=during(approved)).outcome == "forged"
    )
    unknown = payload | {"iss": "nowhere"}
    assert (
        passes.verify_token(signed_by(stranger, unknown), now=during(approved)).outcome
        == "unknown_issuer"
    )


def test_a_peers_pass_verifies_with_its_key(approved: Filing, zhengzhou_keys: PeerKeys) -> None:
    payload = payload_of(passes.issue_pass(approved).token) | {
        "iss": "zhengzhou",
        "pid": str(uuid.uuid4()),
    }
    verdict = passes.verify_token(signed_by(zhengzhou_keys.key, payload), now=during(approved))
    assert verdict.outcome == "valid" and verdict.issuer_name == "郑州市疫情防控指挥部"


def test_the_window_is_checked(approved: Filing) -> None:
    token = passes.issue_pass(approved).token
    assert (
        passes.verify_token(token, now=approved.window_start - timedelta(seconds=1)).outcome
        == "not_yet_valid"
    )
    assert passes.verify_token(token, now=approved.window_start).outcome == "valid"
    assert passes.verify_token(token, now=approved.window_end).outcome == "expired"


def test_a_revoked_pass_is_revoked_and_the_peer_is_told(approved: Filing, chief: Actor) -> None:
    issued = passes.issue_pass(approved)
    with pytest.raises(InvalidInput):
        passes.revoke_pass(issued, actor=chief, reason=" ")
    passes.revoke_pass(issued, actor=chief, reason="车辆更换")
    assert passes.verify_token(issued.token, now=during(approved)).outcome == "revoked"
    with pytest.raises(TransitionNotAllowed):
        passes.revoke_pass(issued, actor=chief, reason="again")
    message = OutboxMessage.objects.get(kind="gc.pass_revoked")
    assert json.loads(message.envelope)["body"]["pid"] == str(issued.pid)
    assert approved.events.filter(kind="pass_revoked").count() == 1


def test_a_revocation_the_issuer_told_us_about(approved: Filing, zhengzhou_keys: PeerKeys) -> None:
    pid = str(uuid.uuid4())
    token = signed_by(
        zhengzhou_keys.key,
        payload_of(passes.issue_pass(approved).token) | {"iss": "zhengzhou", "pid": pid},
    )
    assert passes.verify_token(token, now=during(approved)).outcome == "valid"
    from_peer(
        zhengzhou_keys,
        "gc.pass_revoked",
        {
            "uid": str(approved.uid),
            "pid": pid,
            "reason": "司机更换",
            "valid_from": approved.window_start.isoformat(),
            "valid_until": approved.window_end.isoformat(),
        },
    )
    assert passes.verify_token(token, now=during(approved)).outcome == "revoked"


@pytest.mark.parametrize(
    "token",
    [
        "",
        "HY1",
        "HY1..",
        "HY2.abc.def",
        "HY1.abc.def",
        "HY1.!!!.???",
        "HY1.e30.AAAA",
        "HY1." + b64url(b'"just a string"') + ".AAAA",
        "x" * 5000,
    ],
)
def test_malformed_strings(db: Any, token: str) -> None:
    assert passes.verify_token(token).outcome == "malformed"


def test_keys_json_lists_our_key_and_active_peers(peer: Peer) -> None:
    Peer.objects.create(
        code="xinxiang",
        name="新乡",
        url="http://127.0.0.1:9",
        public_key=PeerKeys().public_key,
        is_active=False,
    )
    response = Client().get("/passes/keys.json")
    assert response.status_code == 200
    assert response.json() == {"jiaozuo": keys.public_key_text(), "zhengzhou": peer.public_key}


def test_status_endpoint(approved: Filing, chief: Actor) -> None:
    issued = passes.issue_pass(approved)
    client = Client()
    assert client.get(f"/passes/status/{issued.pid}.json").json() == {
        "pid": str(issued.pid),
        "known": True,
        "revoked": False,
        "revoked_at": None,
    }
    passes.revoke_pass(issued, actor=chief, reason="车辆更换")
    answer = client.get(f"/passes/status/{issued.pid}.json").json()
    assert answer["revoked"] is True and answer["revoked_at"] and "reason" not in answer
    assert client.get(f"/passes/status/{uuid.uuid4()}.json").json()["known"] is False


def test_the_verify_page_answers_on_the_server(approved: Filing) -> None:
    issued = passes.issue_pass(approved)
    client = Client()
    page = client.get("/passes/verify/")
    assert (
        page.status_code == 200 and b"passes.js" in page.content and b"<script>" not in page.content
    )
    assert client.post("/passes/verify/", {"code": ""}).status_code == 422
    bad = client.post("/passes/verify/", {"code": "HY1.nonsense"})
    assert bad.status_code == 422 and b"field-error" in bad.content
    answer = client.post("/passes/verify/", {"code": issued.token[:40] + "\n" + issued.token[40:]})
    assert answer.status_code == 200 and b'data-outcome="not_yet_valid"' in answer.content


def test_the_pass_page_is_for_console_users(approved: Filing) -> None:
    issued = passes.issue_pass(approved)
    client = Client()
    assert client.get(f"/passes/{issued.pid}/").status_code == 302
    User.objects.create_user(username="citizen1", password=PASSWORD, role=Role.CITIZEN)
    client.login(username="citizen1", password=PASSWORD)
    assert client.get(f"/passes/{issued.pid}/").status_code == 403
    client.login(username="chief", password="x")
    page = client.get(f"/passes/{issued.pid}/")
    assert (
        page.status_code == 200 and b"<svg" in page.content and "豫H·A1234".encode() in page.content
    )
