"""The green channel screens of a headquarters: its filings both ways, filing one, and one filing's page.

Every write goes through ``greenchannel.services`` (``filing_create``, ``filing_step``), which
checks the rules and tells the other side; these views only read forms, call them and show
what they answered. The pages are plain forms and links, so they work without JavaScript.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePath
from typing import Concatenate, ParamSpec

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db import models
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import Role
from console.views import ConsoleRequest, console_view
from core.access import Actor
from core.errors import HuyingError, InvalidInput
from core.intake import add_error_details
from greenchannel import passes
from greenchannel.files import FINISHED, filing_attach
from greenchannel.forms import FileForm, FilingFilterForm, FilingForm, StepForm, amend_initial
from greenchannel.models import FILING_FIELDS, Filing, FilingEvent, FilingFile, Pass, Side
from greenchannel.services import STEPS, filing_create, filing_step
from public.attachments import CONTENT_SECURITY_POLICY, content_disposition

P = ParamSpec("P")

#: Roles that file transfers and take their steps; the auditor reads them and nobody else may.
FILING_ROLES = frozenset({Role.DISPATCHER, Role.COMMANDER, Role.LEADER, Role.ADMIN})
READING_ROLES = FILING_ROLES | {Role.AUDITOR}

PAGE_SIZE = 50

#: How a step reads in the timeline (what happened) ...
EVENT_LABELS: dict[str, Promise] = {
    "filed": gettext_lazy("Filed"),
    "approve_origin": gettext_lazy("Approved at origin"),
    "approve": gettext_lazy("Approved at destination"),
    "request_amendment": gettext_lazy("Amendment requested"),
    "amend": gettext_lazy("Amended"),
    "reject_origin": gettext_lazy("Rejected at origin"),
    "reject": gettext_lazy("Rejected at destination"),
    "depart": gettext_lazy("Vehicle departed"),
    "arrive": gettext_lazy("Vehicle arrived"),
    "close": gettext_lazy("Closed"),
    "out_of_step": gettext_lazy("Message out of step, not applied"),
    "pass_issued": gettext_lazy("Pass issued"),
    "pass_revoked": gettext_lazy("Pass revoked"),
    "file_added": gettext_lazy("Supporting file added"),
    "file_refused": gettext_lazy("Supporting file from the other side refused"),
}

#: ... and on its button (what to do).
STEP_BUTTONS: dict[str, Promise] = {
    "approve_origin": gettext_lazy("Approve and send to the destination"),
    "approve": gettext_lazy("Approve"),
    "request_amendment": gettext_lazy("Ask for an amendment"),
    "amend": gettext_lazy("Amend the filing"),
    "reject_origin": gettext_lazy("Reject"),
    "reject": gettext_lazy("Reject"),
    "depart": gettext_lazy("Mark as departed"),
    "arrive": gettext_lazy("Mark as arrived"),
    "close": gettext_lazy("Close"),
}

DIRECTIONS: dict[str, Promise] = {
    Side.ORIGIN: gettext_lazy("Outgoing"),
    Side.DESTINATION: gettext_lazy("Incoming"),
}


def may_read_filings(user: object) -> bool:
    role = getattr(user, "effective_role", None)
    return bool(getattr(user, "is_console_user", False)) and role in READING_ROLES


def may_file(user: object) -> bool:
    role = getattr(user, "effective_role", None)
    return bool(getattr(user, "is_console_user", False)) and role in FILING_ROLES


def _forbidden(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "console/forbidden.html", {"message": message}, status=403)


def green_channel_view(
    view: Callable[Concatenate[ConsoleRequest, P], HttpResponse],
) -> Callable[Concatenate[HttpRequest, P], HttpResponse]:
    """``console_view`` for the roles that see filings; the others get 403."""

    @functools.wraps(view)
    def wrapper(request: ConsoleRequest, /, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        if not may_read_filings(request.user):
            return _forbidden(request, _("Your role does not use the green channel."))
        return view(request, *args, **kwargs)

    return console_view(wrapper)


def filer_view(
    view: Callable[Concatenate[ConsoleRequest, P], HttpResponse],
) -> Callable[Concatenate[HttpRequest, P], HttpResponse]:
    """``green_channel_view`` for the roles that file and take steps; an auditor only reads."""

    @functools.wraps(view)
    def wrapper(request: ConsoleRequest, /, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        if not may_file(request.user):
            return _forbidden(
                request, _("Your role may read filings but not file them or act on them.")
            )
        return view(request, *args, **kwargs)

    return green_channel_view(wrapper)


def _get_filing_or_404(number: str) -> Filing:
    # The number names the origin, so one instance holds one filing per number; should a
    # peer ever reuse one, the newest copy is the one being worked on.
    filing = (
        Filing.objects.select_related("peer", "help_request")
        .filter(number=number)
        .order_by("-id")
        .first()
    )
    if filing is None:
        raise Http404(number)
    return filing


def _local(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


# --- The list ---------------------------------------------------------------------------------


@require_GET
@green_channel_view
def filing_list(request: ConsoleRequest) -> HttpResponse:
    form = FilingFilterForm(request.GET)
    filings = Filing.objects.select_related("peer").order_by("-created_at", "-id")
    if form.is_valid():
        if form.cleaned_data["status"]:
            filings = filings.filter(status=form.cleaned_data["status"])
        if form.cleaned_data["direction"]:
            filings = filings.filter(side=form.cleaned_data["direction"])
    page = Paginator(filings, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "greenchannel/list.html",
        {
            "form": form,
            "page": page,
            "directions": DIRECTIONS,
            "query": query.urlencode(),
            "may_file": may_file(request.user),
        },
    )


# --- Filing and amending ----------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@filer_view
def filing_new(request: ConsoleRequest) -> HttpResponse:
    actor = Actor(user=request.user)
    if request.method != "POST":
        form = FilingForm(actor=actor)
        return render(request, "greenchannel/form.html", {"form": form, "filing": None})
    form = FilingForm(request.POST, actor=actor)
    if form.is_valid():
        try:
            filing = filing_create(
                actor=actor,
                peer=form.cleaned_data["peer"],
                data=form.filing_data(),
                help_request=form.cleaned_data["help_request_number"],
            )
        except InvalidInput as error:
            add_error_details(form, error)
        else:
            messages.success(
                request,
                _("Filing %(number)s saved; approve it to send it.") % {"number": filing.number},
            )
            return redirect("greenchannel:detail", number=filing.number)
    return render(request, "greenchannel/form.html", {"form": form, "filing": None}, status=422)


@require_http_methods(["GET", "POST"])
@filer_view
def filing_amend(request: ConsoleRequest, number: str) -> HttpResponse:
    filing = _get_filing_or_404(number)
    actor = Actor(user=request.user)
    if request.method != "POST":
        form = FilingForm(actor=actor, amend=True, initial=amend_initial(filing))
        return render(request, "greenchannel/form.html", {"form": form, "filing": filing})
    form = FilingForm(request.POST, actor=actor, amend=True)
    if form.is_valid():
        try:
            filing = filing_step(filing, "amend", actor=actor, data=form.filing_data())
        except HuyingError as error:
            add_error_details(form, error)
        else:
            messages.success(
                request,
                _("Filing %(number)s amended (version %(version)d).")
                % {"number": filing.number, "version": filing.version},
            )
            return redirect("greenchannel:detail", number=filing.number)
    return render(request, "greenchannel/form.html", {"form": form, "filing": filing}, status=422)


# --- One filing -------------------------------------------------------------------------------


@dataclass(frozen=True)
class TimelineEntry:
    event: FilingEvent
    label: str
    ours: bool
    by_message: bool


@dataclass
class StepAction:
    name: str
    label: str
    needs_reason: bool
    form: StepForm


def _timeline(filing: Filing) -> list[TimelineEntry]:
    """Both sides' steps in one list: ours, and those the other side reported by message."""
    return [
        TimelineEntry(
            event=event,
            label=str(EVENT_LABELS.get(event.kind, event.kind)),
            ours=event.side == filing.side,
            by_message=event.message_id is not None,
        )
        for event in filing.events.order_by("created_at", "id")
    ]


def _steps(filing: Filing, *, failed: str = "", form: StepForm | None = None) -> list[StepAction]:
    """The steps our side may take now; the one that just failed keeps its form and errors."""
    return [
        StepAction(
            name=name,
            label=str(STEP_BUTTONS[name]),
            needs_reason=step.needs_reason,
            form=form
            if (form is not None and name == failed)
            else StepForm(auto_id=f"id_{name}_%s"),
        )
        for name, step in STEPS.items()
        if step.side == filing.side and filing.status in step.sources
    ]


@dataclass
class PassRow:
    issued: Pass
    ours: bool
    expired: bool
    #: The revoke form, for a pass we issued that is still in force and a role that may act.
    revoke_form: StepForm | None


def _passes(
    filing: Filing, *, may_act: bool, failed: str = "", form: StepForm | None = None
) -> list[PassRow]:
    """The filing's passes, newest first: ours with their state, the other side's revocations."""
    now = timezone.now()
    rows = []
    for issued in filing.passes.order_by("-issued_at", "-id"):
        ours = issued.issuer == settings.HUYING_INSTANCE_ID
        revoke_form = None
        if may_act and ours and issued.revoked_at is None:
            failed_here = form is not None and failed == f"revoke-{issued.pid}"
            revoke_form = form if failed_here else StepForm(auto_id=f"id_revoke-{issued.pid}_%s")
        rows.append(
            PassRow(
                issued=issued, ours=ours, expired=issued.valid_until <= now, revoke_form=revoke_form
            )
        )
    return rows


def _fields(filing: Filing) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    for name in FILING_FIELDS:
        value = getattr(filing, name)
        if name == "kind":
            text = filing.get_kind_display()
        elif isinstance(value, datetime):
            text = _local(value)
        else:
            text = str(value)
        column = Filing._meta.get_field(name)
        label = column.verbose_name if isinstance(column, models.Field) else name
        rows.append((str(label), text))
    return rows


def _detail(
    request: ConsoleRequest,
    filing: Filing,
    *,
    status: int = 200,
    error: str = "",
    failed: str = "",
    form: StepForm | None = None,
    file_form: FileForm | None = None,
) -> HttpResponse:
    may_act = may_file(request.user)
    return render(
        request,
        "greenchannel/detail.html",
        {
            "filing": filing,
            "passes": _passes(filing, may_act=may_act, failed=failed, form=form),
            "may_reissue": may_act
            and filing.side == Side.ORIGIN
            and filing.status in passes.ISSUABLE,
            "files": filing.files.all(),
            "file_form": file_form or FileForm(auto_id="id_file_%s"),
            "may_attach": may_act and filing.status not in FINISHED,
            "reissue_form": form
            if (form is not None and failed == "reissue")
            else StepForm(auto_id="id_reissue_%s"),
            "direction": DIRECTIONS[filing.side],
            "fields": _fields(filing),
            "timeline": _timeline(filing),
            "steps": _steps(filing, failed=failed, form=form) if may_act else [],
            "may_act": may_act,
            "error": error,
        },
        status=status,
    )


@require_GET
@green_channel_view
def filing_detail(request: ConsoleRequest, number: str) -> HttpResponse:
    return _detail(request, _get_filing_or_404(number))


@require_POST
@filer_view
def filing_step_view(request: ConsoleRequest, number: str, step: str) -> HttpResponse:
    filing = _get_filing_or_404(number)
    if step not in STEPS:
        raise Http404(step)
    if step == "amend":
        # An amendment needs the whole description, which only the amend form carries.
        return redirect("greenchannel:amend", number=filing.number)
    form = StepForm(request.POST, auto_id=f"id_{step}_%s")
    if not form.is_valid():
        return _detail(request, filing, status=422, failed=step, form=form)
    try:
        filing = filing_step(
            filing, step, actor=Actor(user=request.user), reason=form.cleaned_data["reason"]
        )
    except HuyingError as error:
        add_error_details(form, error)
        return _detail(
            request, filing, status=422, error=str(error.message), failed=step, form=form
        )
    messages.success(request, _("Done: %(step)s.") % {"step": EVENT_LABELS[step]})
    return redirect(reverse("greenchannel:detail", args=[filing.number]))


def _pass_action(
    request: ConsoleRequest, filing: Filing, name: str, act: Callable[[str], Pass]
) -> HttpResponse:
    """Read the reason, call ``act`` with it; errors go back on the filing's page, on that form."""
    form = StepForm(request.POST, auto_id=f"id_{name}_%s")
    if not form.is_valid():
        return _detail(request, filing, status=422, failed=name, form=form)
    try:
        issued = act(form.cleaned_data["reason"])
    except HuyingError as error:
        add_error_details(form, error)
        return _detail(
            request, filing, status=422, error=str(error.message), failed=name, form=form
        )
    messages.success(request, _("Pass %(pid)s: done.") % {"pid": issued.pid})
    return redirect(reverse("greenchannel:detail", args=[filing.number]))


@require_POST
@filer_view
def pass_revoke(request: ConsoleRequest, number: str, pid: uuid.UUID) -> HttpResponse:
    filing = _get_filing_or_404(number)
    issued = filing.passes.filter(pid=pid).first()
    if issued is None:
        raise Http404(str(pid))
    actor = Actor(user=request.user)
    return _pass_action(
        request,
        filing,
        f"revoke-{pid}",
        lambda reason: passes.revoke_pass(issued, actor=actor, reason=reason),
    )


@require_POST
@filer_view
def pass_reissue(request: ConsoleRequest, number: str) -> HttpResponse:
    filing = _get_filing_or_404(number)
    actor = Actor(user=request.user)
    return _pass_action(
        request,
        filing,
        "reissue",
        lambda reason: passes.pass_reissue(filing, actor=actor, reason=reason),
    )


@require_POST
@filer_view
def file_add(request: ConsoleRequest, number: str) -> HttpResponse:
    filing = _get_filing_or_404(number)
    form = FileForm(request.POST, request.FILES, auto_id="id_file_%s")
    if not form.is_valid():
        return _detail(request, filing, status=422, file_form=form)
    try:
        attached = filing_attach(
            filing, actor=Actor(user=request.user), upload=form.cleaned_data["file"]
        )
    except HuyingError as error:
        add_error_details(form, error)
        return _detail(request, filing, status=422, error=str(error.message), file_form=form)
    messages.success(request, _("%(name)s attached.") % {"name": attached.name})
    return redirect(reverse("greenchannel:detail", args=[filing.number]) + "#files")


@require_GET
@green_channel_view
def file_download(request: ConsoleRequest, number: str, uid: uuid.UUID) -> HttpResponse:
    """A supporting file, as a download that never runs as a page (it may carry health data)."""
    filing = _get_filing_or_404(number)
    attached = FilingFile.objects.filter(filing=filing, uid=uid).first()
    if attached is None:
        raise Http404(str(uid))
    response = FileResponse(attached.file.open("rb"), content_type=attached.content_type)
    # The ending of the stored copy is what the contents were checked to be.
    name, ending = attached.name, PurePath(attached.file.name or "").suffix
    if PurePath(name).suffix.lower() != ending:
        name += ending
    response["Content-Disposition"] = content_disposition("attachment", name)
    response["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response["Cache-Control"] = "private, no-store"
    # A streaming response is not an ``HttpResponse`` to the type checker; Django serves both.
    return response  # type: ignore[return-value]
