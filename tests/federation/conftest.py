"""A peer made of a key pair, and a scripted HTTP server that plays the peer's inbox."""

from __future__ import annotations

import base64
import json
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings

from federation import envelope, keys
from federation.models import Peer


class PeerKeys:
    """Another instance's identity, to sign messages as it would."""

    def __init__(self, code: str = "zhengzhou") -> None:
        self.code = code
        self.key = Ed25519PrivateKey.generate()

    @property
    def public_key(self) -> str:
        return keys.public_key_text(self.key.public_key())

    def message(self, **overrides: Any) -> tuple[bytes, str]:
        """An envelope from this peer to us, and its signature."""
        data: dict[str, Any] = {
            "v": envelope.VERSION,
            "id": str(uuid.uuid4()),
            "from": self.code,
            "to": settings.HUYING_INSTANCE_ID,
            "sent_at": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
            "kind": "ping",
            "body": {"note": "你好"},
        }
        data.update(overrides)
        raw = envelope.canonical(data)
        return raw, base64.b64encode(self.key.sign(raw)).decode()


@pytest.fixture
def zhengzhou_keys() -> PeerKeys:
    return PeerKeys()


@pytest.fixture
def zhengzhou(db: Any, zhengzhou_keys: PeerKeys) -> Peer:
    return Peer.objects.create(
        code="zhengzhou",
        name="郑州市疫情防控指挥部",
        url="http://127.0.0.1:9",
        public_key=zhengzhou_keys.public_key,
    )


class ScriptedPeer:
    """A real HTTP server on 127.0.0.1 that answers each POST with the next scripted reply."""

    def __init__(self, port: int = 0) -> None:
        self.replies: list[tuple[int, bytes]] = []
        self.received: list[tuple[bytes, str]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                outer.received.append((body, self.headers.get(envelope.SIGNATURE_HEADER, "")))
                status, reply = (
                    outer.replies.pop(0) if outer.replies else (202, b'{"code":"stored"}')
                )
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args: Any) -> None:
                return

        self.handler = Handler
        self.port = port
        self.start()

    def start(self) -> None:
        """Listen (again) on the same port: the peer coming back after being down."""
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), self.handler)
        self.port = self.server.server_address[1]
        # A short poll: stop() waits for the loop to notice, half a second by default.
        threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        ).start()
        self.running = True

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.running:
            self.server.shutdown()
            self.server.server_close()
            self.running = False

    def messages(self) -> list[dict[str, Any]]:
        return [json.loads(body) for body, _signature in self.received]


@pytest.fixture
def scripted_peer() -> Iterator[ScriptedPeer]:
    peer = ScriptedPeer()
    yield peer
    peer.stop()
