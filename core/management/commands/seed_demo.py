"""``manage.py seed_demo``: the demo organisation, its accounts and a realistic request history."""

from __future__ import annotations

import sys
from argparse import ArgumentParser, ArgumentTypeError
from typing import Any

from django.core.management.base import CommandError
from django.db import connection

from core.demo import demo_accounts_text, ensure_demo_organisation, seed_requests
from core.models import HelpRequest
from duty.demo import ensure_demo_roster
from knowledge.demo import ensure_demo_answer_templates, ensure_demo_policies
from lib.commands import DocumentedCommand


def _positive(text: str) -> int:
    value = int(text)
    if value < 0:
        raise ArgumentTypeError("must be zero or more")
    return value


def _days(text: str) -> float:
    value = float(text)
    if value <= 0:
        raise ArgumentTypeError("must be more than zero")
    return value


class Command(DocumentedCommand):
    help = (
        "Create the demo city's command headquarters - 9 working groups and 9 task forces\n"
        '("1991N"), a leader and A/B posts for each, one account per role - and file N\n'
        "realistic help requests received over the last D days, with their whole history."
    )
    epilog = """
What it writes
  Requests in every category, channel, urgency and state, weighted like the seed story
  (policy, travel, health code and hospital access on top; a few per cent critical). Older
  requests are mostly closed and rated, recent ones still open, some of them overdue. Each
  request has the events the services would have written (created, dispatched, accepted,
  started, resolved, closed; returned, reopened, merged, answered on the line) at plausible
  times, and its clocks follow the clock policies. Numbers continue each day's sequence
  (YYYYMMDD-NNNN, local days), so requests filed later never collide with them.

Speed
  Rows are computed in Python and written in batches, one transaction each (COPY on
  PostgreSQL). A million requests take minutes; the rate is printed at the end.

Examples
  manage.py seed_demo --if-empty --requests 300 --days 14    # what `make run` does
  manage.py seed_demo --requests 1000000 --days 180 --seed 1 # a load-test database
  manage.py seed_demo --requests 0                           # accounts and groups only

Accounts and groups are created only if missing, so running this again adds requests but
never duplicates people or groups. Passwords come from HUYING_DEMO_PASSWORD.
"""

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--requests",
            type=_positive,
            default=300,
            metavar="N",
            help="how many requests to file (default 300; 0 for accounts and groups only)",
        )
        parser.add_argument(
            "--days",
            type=_days,
            default=14,
            metavar="D",
            help="spread them over the last D days, ending now (default 14)",
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=None,
            metavar="S",
            help="random seed, for the same data every time (default: different each run)",
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="file requests only if the database has none yet (for `make run`)",
        )
        parser.add_argument(
            "--batch-size",
            type=_positive,
            default=5000,
            metavar="B",
            help="requests per transaction (default 5000)",
        )
        parser.add_argument(
            "--no-accounts", action="store_true", help="do not print the demo accounts at the end"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        count: int = options["requests"]
        verbosity: int = options["verbosity"]
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1.")
        ensure_demo_organisation()
        ensure_demo_policies()
        ensure_demo_answer_templates()
        ensure_demo_roster()
        if options["if_empty"] and HelpRequest.objects.exists():
            if verbosity:
                self.stdout.write("Requests exist already; nothing seeded (--if-empty).")
        elif count:
            result = seed_requests(
                count=count,
                days=options["days"],
                seed=options["seed"],
                batch_size=options["batch_size"],
                progress=verbosity > 0 and count >= 1000,
                stream=sys.stderr,
            )
            if verbosity:
                self.stdout.write(
                    self.style.SUCCESS(
                        f"Seeded {result.requests} requests ({result.events} events, "
                        f"{result.requesters} new requesters) received {result.first_day} to "
                        f"{result.last_day} in {result.seconds:.1f} s: "
                        f"{result.rate:,.0f} requests/s on {connection.vendor}."
                    )
                )
        if verbosity and not options["no_accounts"]:
            self.stdout.write(demo_accounts_text())
