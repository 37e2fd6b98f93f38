"""``manage.py federation``: this instance's identity, its peers, and a test message."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError, CommandParser
from django.core.validators import URLValidator, validate_slug

from federation import keys, services
from federation.models import Peer
from lib.commands import DocumentedCommand


class Command(DocumentedCommand):
    help = "Show this instance's federation identity, register peers, send a test message."
    epilog = """
identity   prints this instance's id, name and public key: give them to the other side
add-peer   registers (or updates) a peer with its id, name, base URL and public key
peers      lists the peers
ping       puts a signed "ping" in the outbox for a peer; the task worker delivers it

Examples
  manage.py federation identity
  manage.py federation add-peer --id zhengzhou --name 郑州市疫情防控指挥部 \\
      --url http://127.0.0.1:8001 --public-key 3q2+7w…(44 characters)
  manage.py federation ping --peer zhengzhou
"""

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        identity = actions.add_parser("identity", help="this instance's id, name and public key")
        identity.add_argument("--key-only", action="store_true", help="print the public key alone")
        add = actions.add_parser("add-peer", help="register or update a peer")
        add.add_argument("--id", required=True, dest="code")
        add.add_argument("--name", required=True)
        add.add_argument("--url", required=True)
        add.add_argument("--public-key", required=True)
        actions.add_parser("peers", help="list the peers")
        ping = actions.add_parser("ping", help="send a signed test message")
        ping.add_argument("--peer", required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        from django.conf import settings

        action = options["action"]
        if action == "identity" and options["key_only"]:
            self.stdout.write(keys.public_key_text())
        elif action == "identity":
            self.stdout.write(f"id          {settings.HUYING_INSTANCE_ID}")
            self.stdout.write(f"name        {settings.HUYING_INSTANCE_NAME}")
            self.stdout.write(f"public key  {keys.public_key_text()}")
        elif action == "add-peer":
            self._add_peer(options)
        elif action == "peers":
            for peer in Peer.objects.all():
                state = "active" if peer.is_active else "inactive"
                self.stdout.write(f"{peer.code:<16} {state:<9} {peer.url}  {peer.name}")
        else:
            target = Peer.objects.filter(code=options["peer"], is_active=True).first()
            if target is None:
                raise CommandError(
                    f"--peer: no active peer is called {options['peer']!r}.", returncode=2
                )
            message = services.send(target, "ping", {"note": "ping"})
            self.stdout.write(f"Queued ping {message.message_id} for {target.code}.")

    def _add_peer(self, options: dict[str, Any]) -> None:
        errors: list[str] = []
        try:
            validate_slug(options["code"])
        except ValidationError:
            errors.append("--id: letters, digits, - and _ only.")
        try:
            URLValidator(schemes=["http", "https"])(options["url"])
        except ValidationError:
            errors.append("--url: an http:// or https:// address.")
        try:
            keys.load_public_key(options["public_key"])
        except ValueError as exc:
            errors.append(f"--public-key: not an Ed25519 public key ({exc}).")
        if errors:
            raise CommandError(" ".join(errors), returncode=2)
        peer, created = Peer.objects.update_or_create(
            code=options["code"],
            defaults={
                "name": options["name"],
                "url": options["url"],
                "public_key": options["public_key"].strip(),
                "is_active": True,
            },
        )
        self.stdout.write(f"{'Registered' if created else 'Updated'} peer {peer.code}.")
