"""Pages of the media channel: file a lead, follow the outlet's leads, print the outcome.

An editor works for an outlet, not for themselves: every editor of an outlet sees all its
leads (``core.access.visible_requests``). They passed the person's plea on but are not the
ones who help, so they see the person masked, the steps without staff names or notes, and,
once the lead is answered, a summary with the person taken out that the paper may print.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Concatenate, ParamSpec, cast

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_GET, require_http_methods

from accounts.models import User
from core import services
from core.access import Actor, get_request_for, visible_requests
from core.errors import HuyingError, NotFound
from core.intake import add_error_details
from core.models import Event, HelpRequest, MediaOutlet
from core.personal_data import masked_contact, requester_card
from core.publishing import public_summary
from lib.cursor import BadCursor, decode_cursor, encode_cursor
from media.forms import LeadFilterForm, LeadForm, is_media_editor
from public.views import EXPLANATIONS

P = ParamSpec("P")

#: Leads per page; older ones are one "more" link away.
PAGE_SIZE = 30


class EditorRequest(HttpRequest):
    """A request that has passed ``editor_view``: a signed-in editor of an active outlet."""

    user: User


def editor_view(
    view: Callable[Concatenate[EditorRequest, P], HttpResponse],
) -> Callable[Concatenate[HttpRequest, P], HttpResponse]:
    """Let in only media editors; send others to the channel's sign-in or a 403 page."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, /, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), login_url=reverse("media:login"))
        if not is_media_editor(request.user):
            return render(request, "media/forbidden.html", status=403)
        return view(cast(EditorRequest, request), *args, **kwargs)

    return wrapper


def _outlet(request: EditorRequest) -> MediaOutlet:
    # ``editor_view`` let in only editors of an outlet.
    return cast(MediaOutlet, request.user.media_outlet)


# --- Our leads --------------------------------------------------------------------------------


@dataclass(frozen=True)
class LeadRow:
    lead: HelpRequest
    name: str
    phone: str
    overdue: bool


def _after(cursor: str) -> Q | None:
    """The rows after ``cursor`` in (newest first) order; ``None`` if it is not a cursor."""
    try:
        received_text, last_id = decode_cursor(cursor, length=2)
        received = parse_datetime(str(received_text))
        last_id = int(last_id)
    except (BadCursor, TypeError, ValueError):
        return None
    if received is None:
        return None
    return Q(received_at__lt=received) | Q(received_at=received, id__lt=last_id)


@require_GET
@editor_view
def lead_list(request: EditorRequest) -> HttpResponse:
    actor = Actor(user=request.user)
    form = LeadFilterForm(request.GET)
    leads = visible_requests(actor).select_related("category", "division__parent", "requester")
    statuses = form.statuses()
    if statuses:
        leads = leads.filter(status__in=statuses)
    # A cursor that does not parse (an old bookmark, a hand-edited link) starts again at the
    # newest lead rather than failing.
    cursor = request.GET.get("cursor", "")
    after = _after(cursor) if cursor else None
    if after is not None:
        leads = leads.filter(after)
    page = list(leads.order_by("-received_at", "-id")[: PAGE_SIZE + 1])
    more_cursor = ""
    if len(page) > PAGE_SIZE:
        page = page[:PAGE_SIZE]
        more_cursor = encode_cursor([page[-1].received_at.isoformat(), page[-1].pk])
    rows = [LeadRow(lead, *masked_contact(lead.requester), lead.is_overdue()) for lead in page]
    status = form.cleaned_data.get("status", "") if form.is_valid() else ""
    return render(
        request,
        "media/lead_list.html",
        {
            "outlet": _outlet(request),
            "form": form,
            "rows": rows,
            "status": status,
            "more_cursor": more_cursor,
            "is_later_page": after is not None,
        },
    )


# --- Filing a lead ----------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@editor_view
def lead_new(request: EditorRequest) -> HttpResponse:
    outlet = _outlet(request)
    if request.method != "POST":
        return render(request, "media/lead_new.html", {"form": LeadForm(), "outlet": outlet})
    form = LeadForm(request.POST)
    if form.is_valid():
        try:
            lead, _created = services.request_create(
                actor=Actor(user=request.user), new=form.to_lead(outlet)
            )
        except HuyingError as error:
            add_error_details(form, error)
        else:
            # Shown large on the lead's page, to be written on the reader's letter.
            messages.success(request, lead.number, extra_tags="filed")
            return redirect("media:lead_detail", number=lead.number)
    return render(request, "media/lead_new.html", {"form": form, "outlet": outlet}, status=422)


# --- A lead -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    label: str
    at: datetime


def _steps(lead: HelpRequest) -> list[Step]:
    """The steps as the public sees them: what happened and when, not who or with what note."""
    labels = dict(Event.Kind.choices)
    return [
        Step(label=str(labels.get(kind, kind)), at=at)
        for kind, at in lead.events.order_by("created_at", "id").values_list("kind", "created_at")
    ]


@require_GET
@editor_view
def lead_detail(request: EditorRequest, number: str) -> HttpResponse:
    actor = Actor(user=request.user)
    try:
        lead = get_request_for(actor, number)
    except NotFound:
        raise Http404(number) from None
    return render(
        request,
        "media/lead_detail.html",
        {
            "outlet": _outlet(request),
            "lead": lead,
            "explanation": EXPLANATIONS.get(lead.status, ""),
            "person": requester_card(actor=actor, help_request=lead, via="media"),
            "steps": _steps(lead),
            "summary": public_summary(lead),
        },
    )
