"""File a realistic demo request every few seconds, until stopped: the demo's live movement."""

from __future__ import annotations

import time
from random import Random
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError

from core.demo_trickle import file_one


class Command(BaseCommand):
    help = (
        "File a demo request through the services every --every seconds (with some jitter), "
        "so the board and the queues move while the demo runs. --count stops after that many."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--every", type=float, default=20.0, help="mean seconds between two")
        parser.add_argument("--count", type=int, default=0, help="stop after this many (0: never)")
        parser.add_argument("--seed", type=int, default=None, help="random seed")

    def handle(self, *args: Any, **options: Any) -> None:
        every, count = options["every"], options["count"]
        if every <= 0:
            raise CommandError("--every must be more than 0 seconds.")
        if count < 0:
            raise CommandError("--count cannot be negative.")
        rng = Random(options["seed"])
        filed = 0
        while count == 0 or filed < count:
            try:
                help_request = file_one(rng)
            except DatabaseError as error:
                # A busy database must not stop the demo (nor, under ``serve``, the server).
                self.stderr.write(f"not filed this time: {error}")
                time.sleep(every)
                continue
            if help_request is None:
                raise CommandError("The demo accounts are missing: run manage.py seed_demo first.")
            filed += 1
            self.stdout.write(
                f"{help_request.number} {help_request.channel} {help_request.urgency}"
            )
            if count and filed >= count:
                break
            # Exponential gaps, as calls arrive: mostly short, now and then a long quiet.
            time.sleep(min(rng.expovariate(1 / every), every * 4))
