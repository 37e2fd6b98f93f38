"""Lift a staff sign-in lock-out for a username and/or a client address."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.lockout import login_lockout_lift
from accounts.models import LoginLockout


class Command(BaseCommand):
    help = (
        "Lift the sign-in lock-out of USERNAME (and/or of --ip ADDRESS) before it ends by itself, "
        "and forget the failures that led to it. Lock-outs follow too many wrong passwords or "
        "codes (HUYING_LOGIN_MAX_FAILURES within HUYING_LOGIN_LOCKOUT_MINUTES). With --list, "
        "show the lock-outs in force and change nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", nargs="?", default="")
        parser.add_argument("--ip", default="", help="a client address to unlock")
        parser.add_argument("--list", action="store_true", help="only list active lock-outs")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["list"]:
            from django.utils import timezone

            for lockout in LoginLockout.objects.filter(
                until__gt=timezone.now(), lifted_at=None
            ).order_by("until"):
                self.stdout.write(f"{lockout.scope}\t{lockout.key}\t{lockout.until.isoformat()}")
            return
        if not options["username"] and not options["ip"]:
            raise CommandError("Give a USERNAME, --ip ADDRESS, or both (or --list).")
        lifted = login_lockout_lift(
            username=options["username"], client_ip=options["ip"], by="manage.py unlock_login"
        )
        self.stdout.write(f"{lifted} lock-out(s) lifted.")
