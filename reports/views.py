"""Pages of the daily report: the issued reports, the live figures with the lists behind them,
the leadership dashboard and the public bulletin.

An issued report is rendered from its stored snapshot only, so the page says what was sent up
even after requests have moved on; the lists behind its numbers are live and say so. The staff
pages are for the roles that read reports (``services.may_read_reports``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import date, datetime
from typing import Any, Concatenate, ParamSpec
from urllib.parse import quote

from django.core.paginator import Paginator
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    JsonResponse,
    QueryDict,
)
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import HttpResponseClientRedirect

from accounts.views import console_user
from console.views import ConsoleRequest, console_view
from core.access import Actor, visible_requests
from core.errors import Forbidden, InvalidInput
from core.intake import add_error_details
from live.views import Audience, open_stream
from reports import figures, presentation, services
from reports.forms import GenerateForm, PeriodForm
from reports.models import DailyReport
from reports.periods import (
    Period,
    cutoff_label,
    default_cutoff,
    last_closed_day,
    parse_day_and_cutoff,
    period_from_params,
    so_far_moment,
)

P = ParamSpec("P")

#: Rows per page of a list behind a number.
LIST_PAGE_SIZE = 50
#: Query parameters of the list that are not dimensions.
LIST_PARAMS = frozenset({"metric", "start", "end", "day", "cutoff", "page", "report"})
#: Days of issued reports per page of the list of reports.
DAYS_PER_PAGE = 30
#: Earlier bulletins shown under the latest one.
EARLIER_BULLETINS = 30

DOCUMENTS = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def reports_view(
    view: Callable[Concatenate[ConsoleRequest, P], HttpResponse],
) -> Callable[Concatenate[HttpRequest, P], HttpResponse]:
    """``console_view`` for the roles that read the daily report; a group member gets 403."""

    @functools.wraps(view)
    def wrapper(request: ConsoleRequest, /, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        if not services.may_read_reports(Actor(user=request.user)):
            return _forbidden(request, _("Your role does not read the daily report."))
        return view(request, *args, **kwargs)

    return console_view(wrapper)


def _forbidden(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "console/forbidden.html", {"message": message}, status=403)


def _is_fragment(request: ConsoleRequest) -> bool:
    return bool(request.htmx) and not request.htmx.history_restore_request


# --- Periods from a query string --------------------------------------------------------------


def period_from(params: QueryDict, *, now: datetime) -> tuple[Period, bool]:
    """The period a query asks for, and whether it is "today so far" (no day, no span given)."""
    texts = {k: params.get(k) or "" for k in ("day", "cutoff", "start", "end")}
    period = period_from_params(**texts, now=now)
    so_far = not any(texts[k].strip() for k in ("day", "start", "end"))
    return period, so_far


# --- The list of reports and generating one ---------------------------------------------------


def _generate_initial() -> dict[str, str]:
    return {"day": last_closed_day().isoformat(), "cutoff": cutoff_label(default_cutoff())}


def _issued_days(page_number: str | None) -> tuple[Any, list[dict[str, Any]]]:
    """A page of issued days, newest first, each with every version of its issue."""
    days = DailyReport.objects.values_list("day", flat=True).distinct().order_by("-day")
    page = Paginator(days, DAYS_PER_PAGE).get_page(page_number)
    versions = (
        DailyReport.objects.filter(day__in=list(page.object_list))
        .select_related("generated_by")
        .defer("data", "docx", "xlsx")
        .order_by("-day", "-version")
    )
    by_day: dict[date, list[DailyReport]] = {}
    for report in versions:
        by_day.setdefault(report.day, []).append(report)
    return page, [
        {"day": d, "issue": by_day[d][0].issue, "versions": by_day[d]} for d in page.object_list
    ]


@require_http_methods(["GET", "POST"])
@reports_view
def report_list(request: ConsoleRequest) -> HttpResponse:
    actor = Actor(user=request.user)
    may_generate = services.may_generate_reports(actor)
    status = 200
    form = GenerateForm(initial=_generate_initial())
    if request.method == "POST":
        if not may_generate:
            return _forbidden(request, _("Your role may read the daily report but not issue it."))
        form = GenerateForm(request.POST)
        if form.is_valid():
            try:
                report = _generate(form.cleaned_data, actor)
            except InvalidInput as error:
                add_error_details(form, error)
            except Forbidden as error:
                return _forbidden(request, str(error.message))
            else:
                url = reverse("reports:report_version", args=[report.issue, report.version])
                if _is_fragment(request):
                    return HttpResponseClientRedirect(url)
                return redirect(url)
        status = 422
        if _is_fragment(request):
            return render(request, "reports/_generate_form.html", {"form": form}, status=status)
    page, days = _issued_days(request.GET.get("page"))
    context = {"form": form, "may_generate": may_generate, "page": page, "days": days}
    return render(request, "reports/list.html", context, status=status)


def _generate(data: dict[str, str], actor: Actor) -> DailyReport:
    day, cutoff = parse_day_and_cutoff(data["day"], data["cutoff"])
    return services.report_generate(day, actor=actor, cutoff=cutoff, reason=data.get("reason", ""))


# --- One issued report ------------------------------------------------------------------------


def _get_report(issue: int, version: int | None) -> DailyReport:
    reports = DailyReport.objects.filter(issue=issue)
    report = (
        reports.filter(version=version).first()
        if version is not None
        else reports.order_by("-version").first()
    )
    if report is None:
        raise Http404(f"{issue}/{version}")
    return report


@require_GET
@reports_view
def report_detail(request: ConsoleRequest, issue: int, version: int | None = None) -> HttpResponse:
    report = _get_report(issue, version)
    data = report.data
    drill = presentation.Drill.for_stored(data["period"], report=report.pk)
    versions = (
        DailyReport.objects.filter(issue=issue)
        .only("issue", "version", "generated_at", "generated_by_name", "reason", "trigger")
        .order_by("version")
    )
    context = {
        "report": report,
        "data": data,
        "words": data["words"],
        "versions": versions,
        "is_latest": report.version == max(v.version for v in versions),
        "tables": presentation.figure_tables(data, drill),
        "judgment": presentation.judgment_view(data, drill),
        "charts": presentation.chart_data(data, data.get("trend") or []),
        "downloads": {
            kind: reverse("reports:document", args=[report.issue, report.version, kind])
            for kind in DOCUMENTS
        },
    }
    return render(request, "reports/report.html", context)


def _attachment(name: str, fallback: str) -> str:
    """Content-Disposition with an ASCII name for old clients and the Chinese one (RFC 5987)."""
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


@require_GET
@reports_view
def report_document(request: ConsoleRequest, issue: int, version: int, kind: str) -> HttpResponse:
    if kind not in DOCUMENTS:
        raise Http404(kind)
    report = DailyReport.objects.filter(issue=issue, version=version).defer("data").first()
    if report is None:
        raise Http404(f"{issue}/{version}")
    body = bytes(report.docx if kind == "docx" else report.xlsx)
    response = HttpResponse(body, content_type=DOCUMENTS[kind])
    name = _("Daily report issue %(issue)d v%(version)d (%(day)s)") % {
        "issue": report.issue,
        "version": report.version,
        "day": report.day.isoformat(),
    }
    response["Content-Disposition"] = _attachment(
        f"{name}.{kind}", f"huying-daily-report-{report.issue}-v{report.version}.{kind}"
    )
    return response


# --- Live figures and the lists behind them ---------------------------------------------------


@require_GET
@reports_view
def figures_page(request: ConsoleRequest) -> HttpResponse:
    form = PeriodForm(request.GET)
    form.is_valid()
    try:
        period, so_far = period_from(request.GET, now=timezone.now())
    except InvalidInput as error:
        add_error_details(form, error)
        return render(request, "reports/figures.html", {"form": form}, status=422)
    data = presentation.live_figures(period)
    context = {
        "form": form,
        "period": period,
        "so_far": so_far,
        "unfinished": period.end > timezone.now(),
        "data": data,
        "tables": presentation.figure_tables(data, presentation.Drill.for_period(period)),
        "cutoff": cutoff_label(period.cutoff),
    }
    return render(request, "reports/figures.html", context)


def _list_query(params: QueryDict) -> tuple[str, dict[str, str]]:
    """The metric and dimension values of a list, or InvalidInput naming the bad parameter."""
    errors: dict[str, list[str]] = {}
    metric = (params.get("metric") or "").strip()
    if metric not in presentation.LIST_METRICS:
        errors["metric"] = [
            _("Unknown number “%(metric)s”; it is one of: %(known)s.")
            % {"metric": metric, "known": ", ".join(sorted(presentation.LIST_METRICS))}
        ]
    dimensions: dict[str, str] = {}
    for name in params:
        if name in LIST_PARAMS:
            continue
        if name not in figures.DIMENSIONS:
            errors[name] = [
                _("Unknown breakdown “%(name)s”; it is one of: %(known)s.")
                % {"name": name, "known": ", ".join(figures.DIMENSIONS)}
            ]
        else:
            dimensions[name] = (params.get(name) or "").strip()
    if errors:
        raise InvalidInput(details=errors)
    return metric, dimensions


@require_GET
@reports_view
def request_list(request: ConsoleRequest) -> HttpResponse:
    actor = Actor(user=request.user)
    try:
        metric, dimensions = _list_query(request.GET)
        period, _so_far = period_from(request.GET, now=timezone.now())
    except InvalidInput as error:
        return render(
            request,
            "reports/requests.html",
            {"errors": [(field, messages) for field, messages in error.details.items()]},
            status=422,
        )
    behind = figures.requests_for(metric, period, **dimensions)
    visible = behind.filter(pk__in=visible_requests(actor).values("pk"))
    rows = visible.select_related("category", "division", "lead_group").order_by(
        "received_at", "number"
    )
    page = Paginator(rows, LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    total = page.paginator.count
    all_behind = behind.count()
    report = None
    if (report_id := request.GET.get("report", "")).isdigit():
        report = (
            DailyReport.objects.filter(pk=int(report_id)).only("issue", "version", "day").first()
        )
    labels = figures.Labels.load()
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "metric": metric,
        "metric_name": presentation.METRIC_LABELS.get(metric, metric),
        "definition": figures.METRIC_DEFINITIONS.get(metric, ""),
        "dimensions": [
            (figures.DIMENSION_NAMES[name], labels.name(name, value))
            for name, value in dimensions.items()
        ],
        "period": period,
        "page": page,
        "total": total,
        "all_behind": all_behind,
        "report": report,
        "page_query": query.urlencode(),
    }
    return render(request, "reports/requests.html", context)


# --- The leadership dashboard -----------------------------------------------------------------


def _dashboard_context() -> dict[str, Any]:
    return presentation.dashboard(so_far_moment(timezone.now()), default_cutoff())


@require_GET
@reports_view
def dashboard(request: ConsoleRequest) -> HttpResponse:
    return render(request, "reports/dashboard.html", _dashboard_context())


@require_GET
@reports_view
def dashboard_fragment(request: ConsoleRequest) -> HttpResponse:
    return render(request, "reports/_dashboard.html", _dashboard_context())


def dashboard_audience(request: HttpRequest) -> Audience | HttpResponse:
    """The report readers (a group leader among them), told each change as the board is."""
    user = console_user(request)
    if isinstance(user, HttpResponse):
        return user
    if not services.may_read_reports(Actor(user=user)):
        return _forbidden(request, _("Your role does not read the daily report."))
    return Audience(detailed=True)


@require_GET
async def dashboard_events(request: HttpRequest) -> HttpResponse:
    """The board's stream of changes, for the leadership dashboard."""
    return await open_stream(request, dashboard_audience)


# --- The public bulletin ----------------------------------------------------------------------


@require_GET
def bulletin(request: HttpRequest) -> HttpResponse:
    latest = services.latest_versions().first()
    earlier = []
    if latest is not None:
        earlier = list(
            services.latest_versions()
            .exclude(day=latest.day)
            .values("issue", "day", "data__words__bulletin")[:EARLIER_BULLETINS]
        )
    context = {
        "latest": services.public_bulletin(latest) if latest else None,
        "earlier": [
            {"issue": row["issue"], "day": row["day"], "bulletin": row["data__words__bulletin"]}
            for row in earlier
        ],
    }
    return render(request, "reports/bulletin.html", context)


@require_GET
def bulletin_json(request: HttpRequest) -> JsonResponse:
    latest = services.latest_versions().first()
    if latest is None:
        return JsonResponse({"report": None, "message": _("No daily report has been issued yet.")})
    response = JsonResponse(
        {"report": services.public_bulletin(latest)}, json_dumps_params={"ensure_ascii": False}
    )
    response["Access-Control-Allow-Origin"] = "*"
    return response
