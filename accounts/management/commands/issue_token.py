"""Issue a personal API token for a staff user; the secret is printed once and never stored."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import ApiToken, User


class Command(BaseCommand):
    help = (
        "Issue a personal API token for USERNAME. The token acts with that user's role and "
        "groups; send it as 'Authorization: Bearer <token>'. Only a hash is stored, so copy "
        "the printed token now; revoke it in the admin (API tokens) when it is no longer needed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="cli", help="what the token is for, e.g. 'scripts'")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"], is_active=True).first()
        if user is None:
            raise CommandError(f"No active user named {options['username']!r}.")
        _, secret = ApiToken.issue(user=user, name=options["name"])
        self.stdout.write(secret)
