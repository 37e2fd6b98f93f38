"""``manage.py roster``: move the duty roster in and out of XLSX spreadsheets."""

from __future__ import annotations

import datetime as dt
from argparse import ArgumentTypeError
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.utils import timezone

from duty.xlsx import COLUMNS, export_shifts, import_shifts
from lib.commands import DocumentedCommand


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ArgumentTypeError(f"{text!r} is not a date like 2022-11-28") from None


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), tzinfo=timezone.get_current_timezone())


class Command(DocumentedCommand):
    help = "Import the duty roster from an XLSX file, or export a period of it to one."
    epilog = (
        "Columns, in this order: "
        + ", ".join(str(header) for _key, header in COLUMNS)
        + """.
Times are local (HUYING_TIME_ZONE), as 2022-11-28 08:00 or as date cells.

import checks every row first and prints each mistake with its row number and column;
if any row is wrong nothing is imported and the exit code is 1.

Examples
  manage.py roster export --from 2022-11-28 --to 2022-12-05 roster.xlsx
  manage.py roster import roster.xlsx
"""
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        importing = actions.add_parser("import", help="add the shifts of FILE, all or none")
        importing.add_argument("file", metavar="FILE.xlsx")
        exporting = actions.add_parser(
            "export", help="write the shifts starting from --from up to (not including) --to"
        )
        exporting.add_argument("--from", dest="start", type=_date, required=True, metavar="DATE")
        exporting.add_argument("--to", dest="end", type=_date, required=True, metavar="DATE")
        exporting.add_argument("file", metavar="FILE.xlsx")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "export":
            start, end = options["start"], options["end"]
            if end <= start:
                raise CommandError("--to must be after --from.")
            count = export_shifts(_midnight(start), _midnight(end), options["file"])
            self.stdout.write(f"Exported {count} shifts to {options['file']}.")
            return
        report = import_shifts(options["file"])
        if report.ok:
            self.stdout.write(
                self.style.SUCCESS(f"Imported {len(report.created)} shifts from {options['file']}.")
            )
            return
        for error in report.errors:
            self.stdout.write(str(error))
        raise CommandError(
            f"{len(report.errors)} errors in {report.rows} rows; nothing was imported.",
            returncode=1,
        )
