"""Issue an API key for an integration, bound to one channel."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from accounts.models import ApiKey
from core.models import Channel


class Command(BaseCommand):
    help = (
        "Issue an API key for an integrating system. Every request it files carries CHANNEL, "
        "and it sees only the requests it filed. Send it as 'X-API-Key: <key>'. Only a hash is "
        "stored, so copy the printed key now."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="the integrating system, e.g. 'citizen-app'")
        parser.add_argument("--channel", required=True, choices=Channel.values)

    def handle(self, *args: Any, **options: Any) -> None:
        _, secret = ApiKey.issue(name=options["name"], channel=options["channel"])
        self.stdout.write(secret)
