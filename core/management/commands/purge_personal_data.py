"""``manage.py purge_personal_data``: remove personal data from finished requests, keep figures."""

from __future__ import annotations

import datetime as dt
import getpass
import json
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.utils import timezone

from core.personal_data import PURGED_REQUEST_TEXT, personal_data_purge
from lib.commands import DocumentedCommand


def parse_closed_before(text: str | None, *, today: dt.date) -> dt.date:
    """The ``--closed-before`` date, or ``CommandError`` saying what is wrong with it."""
    if not text:
        raise CommandError("--closed-before DATE is required (e.g. --closed-before 2022-03-01).")
    try:
        day = dt.date.fromisoformat(text.strip())
    except ValueError:
        raise CommandError(f"--closed-before {text!r} is not a date like 2022-03-01.") from None
    if day > today:
        raise CommandError(
            f"--closed-before {day} is in the future; requests cannot have been closed then."
        )
    return day


class Command(DocumentedCommand):
    help = (
        "Remove the personal data of requests closed (or merged) before DATE, keeping "
        "everything the statistics count."
    )
    epilog = f"""What is removed, for each request closed or merged before DATE (local midnight):
  - its text fields ({", ".join(PURGED_REQUEST_TEXT)}) are blanked;
  - its attached files are deleted (the rows keep kind, type and size);
  - the text messages sent about it lose phone number and body;
  - its requester's name, phone, ID number and lookup hashes are blanked, but only when
    every request of that requester qualifies (one still open keeps them).
What is kept: number, status, category, county/street, channel, urgency, groups, all
timestamps and clocks, satisfaction, the events (append-only) and the enterprise's name and
credit code (public registry data). The daily figures and reports do not change.

The run is recorded (Personal data purges in the admin) with its counts and --by.
Running it again is harmless: what is blank already is not counted again.

Examples
  manage.py purge_personal_data --closed-before 2022-03-01 --dry-run
  manage.py purge_personal_data --closed-before 2022-03-01 --by "wang.li (DPO ticket 42)"
"""

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--closed-before", metavar="DATE", help="YYYY-MM-DD, local time")
        parser.add_argument(
            "--dry-run", action="store_true", help="count what would be removed, change nothing"
        )
        parser.add_argument(
            "--by", default="", metavar="WHO", help="who ordered the purge (default: OS user)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        day = parse_closed_before(options["closed_before"], today=timezone.localdate())
        run_by = options["by"].strip() or _os_user()
        result = personal_data_purge(closed_before=day, run_by=run_by, dry_run=options["dry_run"])
        self.stdout.write(json.dumps({"closed_before": day.isoformat(), **result.as_dict()}))


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
