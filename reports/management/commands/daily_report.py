"""``manage.py daily_report``: issue a day's report, or print the figures of any period."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from accounts.models import User
from core.access import Actor
from core.errors import HuyingError
from lib.commands import DocumentedCommand
from reports import snapshot
from reports.periods import last_closed_day, parse_day_and_cutoff, period_from_params
from reports.services import report_generate


class Command(DocumentedCommand):
    help = "Issue the daily report for a finished day, or print the figures of a period as JSON."
    epilog = """
issue    writes issue N (or, with --reason, a new version of the day's issue) and saves its
         .docx and .xlsx next to each other when --out is given. Default day: the last one
         closed by the cut-off. The scheduled report is issued by the task worker instead.
figures  prints the whole snapshot (numbers, judgment, words) of a day or of --start/--end,
         without issuing anything.

Times are local (HUYING_TIME_ZONE). A cut-off is HH:MM, 00:00-23:59, or 24:00 (the default,
HUYING_REPORT_CUTOFF). Bad input is named with its field and nothing is written.

Examples
  manage.py daily_report issue --day 2022-01-14 --user dispatcher --out var/reports
  manage.py daily_report issue --day 2022-01-14 --user dispatcher --reason "补录1月14日夜间诉求"
  manage.py daily_report figures --day 2022-01-14 --cutoff 17:00
  manage.py daily_report figures --start 2022-01-10 --end 2022-01-15
"""

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        issue = actions.add_parser("issue", help="issue the report of a finished day")
        issue.add_argument("--day", metavar="YYYY-MM-DD", default="")
        issue.add_argument("--cutoff", metavar="HH:MM", default="")
        issue.add_argument("--user", required=True, metavar="USERNAME", help="who issues it")
        issue.add_argument("--reason", default="", help="why a day already issued is issued again")
        issue.add_argument(
            "--out", metavar="DIR", default="", help="also write the .docx and .xlsx here"
        )
        figures = actions.add_parser("figures", help="print a period's snapshot as JSON")
        figures.add_argument("--day", metavar="YYYY-MM-DD", default="")
        figures.add_argument("--cutoff", metavar="HH:MM", default="")
        figures.add_argument("--start", metavar="YYYY-MM-DD[THH:MM]", default="")
        figures.add_argument("--end", metavar="YYYY-MM-DD[THH:MM]", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["action"] == "issue":
                self._issue(options)
            else:
                self._figures(options)
        except HuyingError as exc:
            fields = "; ".join(
                f"--{name}: {' '.join(messages)}" for name, messages in exc.details.items()
            )
            raise CommandError(fields or str(exc.message), returncode=2) from None

    def _issue(self, options: dict[str, Any]) -> None:
        user = User.objects.filter(username=options["user"], is_active=True).first()
        if user is None:
            raise CommandError(
                f"--user: no active account is called {options['user']!r}.", returncode=2
            )
        day_text = options["day"] or last_closed_day().isoformat()
        day, cutoff = parse_day_and_cutoff(day_text, options["cutoff"])
        report = report_generate(
            day, actor=Actor(user=user), cutoff=cutoff, reason=options["reason"]
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Issued No. {report.issue} (version {report.version}) for {report.day} "
                f"in {report.build_seconds:.1f} s."
            )
        )
        self.stdout.write(report.data["words"]["overview"])
        if options["out"]:
            out = Path(options["out"])
            out.mkdir(parents=True, exist_ok=True)
            stem = f"daily-report-{report.issue}-v{report.version}-{report.day}"
            (out / f"{stem}.docx").write_bytes(bytes(report.docx))
            (out / f"{stem}.xlsx").write_bytes(bytes(report.xlsx))
            self.stdout.write(f"Wrote {out / stem}.docx and .xlsx")

    def _figures(self, options: dict[str, Any]) -> None:
        day = options["day"]
        if not (day or options["start"] or options["end"]):
            day = last_closed_day().isoformat()
        period = period_from_params(
            day=day, cutoff=options["cutoff"], start=options["start"], end=options["end"]
        )
        self.stdout.write(json.dumps(snapshot.build(period), ensure_ascii=False, indent=1))
