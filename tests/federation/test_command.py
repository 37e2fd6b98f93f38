"""``manage.py federation``: the identity to hand over, peers, and a test message."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from federation import keys
from federation.models import OutboxMessage, Peer


def run(*argv: str) -> str:
    out = StringIO()
    call_command("federation", *argv, stdout=out)
    return out.getvalue()


def test_identity_prints_the_public_key(db, settings):
    text = run("identity")
    assert settings.HUYING_INSTANCE_ID in text and keys.public_key_text() in text


def test_add_a_peer_then_update_it_then_ping_it(db, zhengzhou_keys):
    key = zhengzhou_keys.public_key
    assert "Registered" in run(
        "add-peer",
        "--id",
        "zhengzhou",
        "--name",
        "郑州",
        "--url",
        "http://127.0.0.1:8001",
        "--public-key",
        key,
    )
    assert "Updated" in run(
        "add-peer",
        "--id",
        "zhengzhou",
        "--name",
        "郑州市",
        "--url",
        "http://127.0.0.1:8002",
        "--public-key",
        key,
    )
    assert Peer.objects.get().url == "http://127.0.0.1:8002"
    assert "zhengzhou" in run("peers")
    assert "Queued ping" in run("ping", "--peer", "zhengzhou")
    assert OutboxMessage.objects.get().kind == "ping"


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["--id", "郑 州", "--url", "http://127.0.0.1:8001"], "--id"),
        (["--id", "zz", "--url", "ftp://x"], "--url"),
        (["--id", "zz", "--url", "http://127.0.0.1:8001", "--public-key", "abc"], "--public-key"),
        (["--id", "zz", "--url", "http://127.0.0.1:8001", "--public-key", "QUJD"], "--public-key"),
    ],
)
def test_bad_peer_details_are_named_and_nothing_is_saved(db, zhengzhou_keys, argv, says):
    if "--public-key" not in argv:
        argv = [*argv, "--public-key", zhengzhou_keys.public_key]
    with pytest.raises(CommandError) as exc:
        run("add-peer", "--name", "x", *argv)
    assert says in str(exc.value)
    assert not Peer.objects.exists()


def test_ping_names_an_unknown_peer(db):
    with pytest.raises(CommandError, match="--peer"):
        run("ping", "--peer", "nowhere")
