"""The scheduled daily report, issued by the task worker at ``HUYING_REPORT_AT`` every day."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from django_tasks import task

logger = logging.getLogger(__name__)


def next_run(now: datetime | None = None) -> datetime:
    """The next moment, after ``now``, whose local time is ``HUYING_REPORT_AT``."""
    from reports.periods import parse_cutoff

    at = parse_cutoff(settings.HUYING_REPORT_AT, field="HUYING_REPORT_AT")
    local = timezone.localtime(now or timezone.now(), ZoneInfo(settings.TIME_ZONE))
    candidate = datetime.combine(local.date(), at, tzinfo=local.tzinfo)
    if candidate <= local:
        candidate = datetime.combine(local.date() + timedelta(days=1), at, tzinfo=local.tzinfo)
    return candidate


def _pending() -> bool:
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(
        task_path=issue_daily_report.module_path, status=TaskResultStatus.READY
    ).exists()


def start_reporting() -> bool:
    """Queue a run now (it issues the last closed day's report if it is missing) unless one waits.

    Called when the system starts, so a report missed while the system was down is caught up.
    """
    if _pending():
        return False
    issue_daily_report.enqueue()
    return True


@task()
def issue_daily_report() -> int | None:
    """Issue the report of the day that closed last, unless it exists; then queue tomorrow's run.

    Returns the issue number written, or None when the day was already issued.
    """
    from core.access import Actor
    from reports.models import DailyReport
    from reports.periods import last_closed_day
    from reports.services import report_generate

    try:
        day = last_closed_day()
        if DailyReport.objects.filter(day=day).exists():
            return None
        report = report_generate(day, actor=Actor(system=True))
        logger.info(
            "Issued daily report %s for %s in %.1f s", report.issue, day, report.build_seconds
        )
        return report.issue
    finally:
        if not _pending():
            issue_daily_report.using(run_after=next_run()).enqueue()
