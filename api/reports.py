"""The daily report over the API: a period's figures, the issued reports.

The public bulletin is a page and a JSON document of its own, with no sign-in: ``/bulletin/``.

A report's body is its stored snapshot, exactly as issued; the figures of a period are
computed on the call. Both use the numbers' keys of ``reports.figures``.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja import Status as HttpStatus

from api.auth import actor_of
from api.schemas import ErrorOut, day_in_range, day_range_message
from core.access import Actor
from core.errors import Forbidden, InvalidInput, NotFound
from reports import snapshot
from reports.models import DailyReport
from reports.periods import parse_day_and_cutoff, period_from_params
from reports.services import (
    latest_versions,
    may_read_reports,
    report_generate,
)

router = Router(tags=["reports"])

_ERRORS: dict[int, Any] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class PeriodQuery(Schema):
    day: str = Field("", description="A reporting day, YYYY-MM-DD; nothing means today so far.")
    cutoff: str = Field(
        "", description="HH:MM, 00:00-23:59 or 24:00; default HUYING_REPORT_CUTOFF."
    )
    start: str = Field("", description="Instead of a day: YYYY-MM-DD or YYYY-MM-DDTHH:MM (local).")
    end: str = Field("", description="With start: the end of the period, not included.")


class ReportOut(Schema):
    issue: int
    version: int
    day: date
    cutoff: str
    issuer: str
    generated_at: str
    generated_by: str
    trigger: str
    reason: str
    versions: list[int]


class ReportDetailOut(ReportOut):
    data: dict[str, Any]


class ReportListOut(Schema):
    items: list[ReportOut]


class ReportIn(Schema):
    day: str = Field(..., examples=["2022-01-14"])
    cutoff: str = Field("", examples=["24:00"])
    reason: str = Field("", description="Required when the day already has an issue.")


def _refuse_far_days(**fields: str) -> None:
    """A well-formed day far outside ``EARLIEST_DAY``..``LATEST_DAY`` is a field error, not a
    500 when its bounds are turned into times; a malformed one is left to ``reports.periods``."""
    errors: dict[str, list[str]] = {}
    for name, value in fields.items():
        try:
            day = date.fromisoformat(value.strip()[:10])
        except ValueError:
            continue
        if not day_in_range(day):
            errors[name] = [day_range_message()]
    if errors:
        raise InvalidInput(details=errors)


def _reader(request: HttpRequest) -> Actor:
    actor = actor_of(request)
    if not may_read_reports(actor):
        raise Forbidden(_("The daily report is for the headquarters."))
    return actor


def _out(report: DailyReport, *, with_data: bool = False) -> dict[str, Any]:
    from reports.periods import cutoff_label

    out: dict[str, Any] = {
        "issue": report.issue,
        "version": report.version,
        "day": report.day,
        "cutoff": cutoff_label(report.cutoff),
        "issuer": report.issuer,
        "generated_at": report.generated_at.isoformat(),
        "generated_by": report.generated_by_name,
        "trigger": report.trigger,
        "reason": report.reason,
        "versions": sorted(
            DailyReport.objects.filter(issue=report.issue).values_list("version", flat=True)
        ),
    }
    if with_data:
        out["data"] = report.data
    return out


@router.get(
    "/reports/figures", response={200: dict[str, Any], **_ERRORS}, summary="Figures of a period"
)
def period_figures(request: HttpRequest, query: Query[PeriodQuery]) -> dict[str, Any]:
    """Every number, breakdown, rate and finding of a day or a period, computed now."""
    _reader(request)
    _refuse_far_days(day=query.day, start=query.start, end=query.end)
    period = period_from_params(
        day=query.day, cutoff=query.cutoff, start=query.start, end=query.end
    )
    return snapshot.build(period, with_trend=period.day is not None)


@router.get("/reports", response={200: ReportListOut, **_ERRORS}, summary="Issued reports")
def list_reports(request: HttpRequest) -> ReportListOut:
    """The newest version of every issued day, newest day first."""
    _reader(request)
    return ReportListOut(items=[ReportOut(**_out(r)) for r in latest_versions()[:400]])


@router.post("/reports", response={201: ReportDetailOut, **_ERRORS}, summary="Issue a report")
def issue_report(request: HttpRequest, payload: ReportIn) -> HttpStatus[ReportDetailOut]:
    """Issue the report of a finished day; again, as a new version, only with a reason."""
    actor = actor_of(request)
    _refuse_far_days(day=payload.day)
    day, cutoff = parse_day_and_cutoff(payload.day, payload.cutoff)
    report = report_generate(day, actor=actor, cutoff=cutoff, reason=payload.reason)
    return HttpStatus(201, ReportDetailOut(**_out(report, with_data=True)))


@router.get("/reports/{issue}", response={200: ReportDetailOut, **_ERRORS}, summary="One issue")
def get_report(request: HttpRequest, issue: int, version: int | None = None) -> ReportDetailOut:
    """Issue N as issued: its newest version, or ``version`` when given."""
    _reader(request)
    reports = DailyReport.objects.filter(issue=issue)
    report = (reports.filter(version=version) if version else reports.order_by("-version")).first()
    if report is None:
        raise NotFound(_("There is no such issue of the daily report."))
    return ReportDetailOut(**_out(report, with_data=True))
