"""Generating the daily report: who may, for which day, and how an issue gets its number."""

from __future__ import annotations

import time as clock
from datetime import date, datetime, time
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, Max, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role
from core.access import Actor
from core.errors import Forbidden, InvalidInput
from reports import figures, snapshot
from reports.models import DailyReport
from reports.narrative import percent
from reports.periods import closed_day_period

#: Who reads the daily report and its numbers: headquarters, not a single group's members.
READ_ROLES = frozenset({Role.DISPATCHER, Role.LEADER, Role.COMMANDER, Role.AUDITOR, Role.ADMIN})
#: Who may issue one on demand (the task worker issues the scheduled one).
GENERATE_ROLES = frozenset({Role.DISPATCHER, Role.COMMANDER, Role.ADMIN})
MAX_REASON = 500


def may_read_reports(actor: Actor) -> bool:
    return actor.role in READ_ROLES


def may_generate_reports(actor: Actor) -> bool:
    return actor.system or actor.role in GENERATE_ROLES


def latest_versions() -> QuerySet[DailyReport]:
    """The newest version of every issued day, newest day first."""
    newer = DailyReport.objects.filter(day=OuterRef("day"), version__gt=OuterRef("version"))
    return DailyReport.objects.exclude(Exists(newer)).order_by("-day")


def report_generate(
    day: date,
    *,
    actor: Actor,
    cutoff: time | None = None,
    reason: str = "",
    now: datetime | None = None,
) -> DailyReport:
    """Issue the report for ``day``: a new issue number, or a new version of the day's issue.

    A day that has not ended is refused. A day already issued is issued again only with a
    reason, as version N+1 of the same issue; the earlier versions stay as they were.
    """
    if not may_generate_reports(actor):
        raise Forbidden(
            _("Only the dispatcher, a commander or an administrator may issue the daily report.")
        )
    reason = (reason or "").strip()
    if len(reason) > MAX_REASON:
        raise InvalidInput.for_field(
            "reason",
            _("At most %(max)d characters (it has %(n)d).") % {"max": MAX_REASON, "n": len(reason)},
        )
    period = closed_day_period(day, cutoff, now=now)
    issued = DailyReport.objects.filter(day=day).order_by("-version").first()
    if issued is not None and not reason:
        raise InvalidInput.for_field(
            "reason",
            _(
                "Issue %(issue)d for %(day)s was already generated on %(at)s by %(by)s. To issue "
                "a new version, give the reason; the earlier version is kept."
            )
            % {
                "issue": issued.issue,
                "day": day.isoformat(),
                "at": timezone.localtime(issued.generated_at).strftime("%Y-%m-%d %H:%M"),
                "by": issued.generated_by_name,
            },
        )
    started = clock.monotonic()
    report = DailyReport(
        day=day,
        cutoff=period.cutoff,
        period_start=period.start,
        period_end=period.end,
        issuer=settings.HUYING_REPORT_ISSUER,
        generated_by=actor.user,
        generated_by_name=actor.name if not actor.system else _("scheduled task"),
        trigger=DailyReport.Trigger.SCHEDULED if actor.system else DailyReport.Trigger.MANUAL,
        reason=reason,
        data=snapshot.build(period),
    )
    rendered_as: tuple[int, int] | None = None
    for attempt in range(3):
        # The documents print the issue number, so they are rendered for the number the next
        # issue would get - outside the transaction, which stays short - and again in the rare
        # case that someone else took that number meanwhile.
        number = _next_number(day)
        if number != rendered_as:
            report.issue, report.version = number
            _render(report)
            rendered_as = number
        try:
            with transaction.atomic():
                if _next_number(day) != rendered_as:
                    continue
                report.build_seconds = round(clock.monotonic() - started, 3)
                report.save()
            return report
        except IntegrityError:
            if attempt == 2:
                raise
    raise InvalidInput.for_field(
        "day", _("Another report for this day was issued at the same moment; try again.")
    )


def _next_number(day: date) -> tuple[int, int]:
    """(issue, version) for the next report of ``day``: the day's issue again, or a new one."""
    issued = DailyReport.objects.filter(day=day).order_by("-version").first()
    if issued is not None:
        return issued.issue, issued.version + 1
    return (DailyReport.objects.aggregate(n=Max("issue"))["n"] or 0) + 1, 1


def _render(report: DailyReport) -> None:
    from reports.documents import render_docx, render_xlsx

    report.docx = render_docx(report)
    report.xlsx = render_xlsx(report)


#: Categories named on the public bulletin.
BULLETIN_CATEGORIES = 5


def public_bulletin(report: DailyReport) -> dict[str, Any]:
    """What the public may read of an issued report: the bulletin's words and a few totals.

    Built field by field from the snapshot, never by passing it on, so nothing personal (a
    key case's summary, a request number) can leak into the page or the JSON.
    """
    data = report.data
    categories = sorted(
        (r for r in data["breakdowns"]["category"] if r["received"]), key=lambda r: -r["received"]
    )[:BULLETIN_CATEGORIES]
    return {
        "issue": report.issue,
        "version": report.version,
        "day": report.day.isoformat(),
        "issuer": report.issuer,
        "period": data["period"]["label"],
        "cutoff": data["period"]["cutoff"],
        "bulletin": data["words"]["bulletin"],
        "received": data["totals"]["received"],
        "resolved": data["totals"]["resolved"],
        "top_categories": [{"name": r["name"], "received": r["received"]} for r in categories],
        "rates": {
            name: {
                "name": str(figures.RATE_NAMES[name]),
                "value": data["rates"][name]["value"],
                "text": percent(data["rates"][name]["value"]),
            }
            for name in figures.RATES
        },
    }
