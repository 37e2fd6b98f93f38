"""The live board: the page and its refreshable fragment.

Its Server-Sent Events stream (``/board/events/``, ``live.views.board_events``) tells every
open board what changed within a second; the page then refetches the fragment.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Concatenate, ParamSpec

from django.db.models import Case, Count, Q, When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from board import bus
from console.views import ConsoleRequest, console_view
from core.access import SEE_ALL, Actor
from core.escalation import current_steps
from core.models import OPEN_STATUSES, Group, HelpRequest, Status, Urgency
from core.selectors import RequestFilters, request_queue
from greenchannel.models import Filing, FilingStatus, Kind, Pass
from greenchannel.views import may_read_filings

P = ParamSpec("P")
log = logging.getLogger(__name__)

#: Rows on the board: the most urgent open requests.
BOARD_ROWS = 100

#: Open statuses in life-cycle order, for the counters' columns.
OPEN_ORDER = [s for s in Status if s in OPEN_STATUSES]


def board_view(
    view: Callable[Concatenate[ConsoleRequest, P], HttpResponse],
) -> Callable[Concatenate[HttpRequest, P], HttpResponse]:
    """``console_view`` for the roles that see every request; other console users get 403."""

    @functools.wraps(view)
    def wrapper(request: ConsoleRequest, /, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        if Actor(user=request.user).role not in SEE_ALL:
            return render(
                request,
                "console/forbidden.html",
                {"message": _("Your role does not see the whole board.")},
                status=403,
            )
        return view(request, *args, **kwargs)

    return console_view(wrapper)


@dataclass
class GroupRow:
    name: str
    counts: list[int]
    total: int


def board_context(actor: Actor) -> dict[str, object]:
    now = timezone.now()
    page = request_queue(
        actor=actor, filters=RequestFilters(statuses=sorted(OPEN_STATUSES)), limit=BOARD_ROWS
    )
    # One pass over the open rows gives every counter: per group and status, overdue, critical.
    cells: dict[tuple[int | None, str], int] = {}
    overdue = critical = 0
    for group_id, status, n, late, alarm in (
        HelpRequest.objects.filter(status__in=sorted(OPEN_STATUSES))
        .values_list("lead_group_id", "status")
        .annotate(
            n=Count("id"),
            late=Count("id", filter=Q(due_at__lt=now)),
            alarm=Count("id", filter=Q(urgency=Urgency.CRITICAL)),
        )
        .order_by()
    ):
        cells[(group_id, status)] = cells.get((group_id, status), 0) + n
        overdue += late
        critical += alarm
    group_ids = sorted({g for g, _s in cells if g is not None})
    names = {g.pk: g.display_name for g in Group.objects.filter(pk__in=group_ids)}
    rows: list[GroupRow] = []
    for group_id in sorted(group_ids, key=lambda g: names.get(g, "")):
        counts = [cells.get((group_id, s), 0) for s in OPEN_ORDER]
        rows.append(GroupRow(name=names.get(group_id, "?"), counts=counts, total=sum(counts)))
    unassigned = [cells.get((None, s), 0) for s in OPEN_ORDER]
    if sum(unassigned):
        rows.append(
            GroupRow(name=_("Not yet dispatched"), counts=unassigned, total=sum(unassigned))
        )
    per_status = [sum(row.counts[i] for row in rows) for i in range(len(OPEN_ORDER))]
    steps = current_steps(page.items)
    for help_request in page.items:
        # The mark of the board: how far up the ladder this one has gone (see core.escalation).
        help_request.escalation_step = steps.get(help_request.pk)  # type: ignore[attr-defined]
    return {
        "requests": page.items,
        "now": now,
        "statuses": [(s.value, s.label) for s in OPEN_ORDER],
        "group_rows": rows,
        "per_status": list(zip(OPEN_ORDER, per_status, strict=True)),
        "open_total": sum(per_status),
        "overdue_total": overdue,
        "critical_total": critical,
        "cursor": bus.latest(),
        "filings": active_filings(actor) if may_read_filings(actor.user) else None,
    }


#: Filings on the board: those still moving, at most this many.
BOARD_FILINGS = 20


def active_filings(actor: Actor) -> list[Filing]:
    """Filings not yet closed or rejected: patients first, then by when the vehicle may go."""
    moving = Filing.objects.select_related("peer").exclude(
        status__in=[FilingStatus.CLOSED, FilingStatus.REJECTED]
    )
    patients_first = Case(When(kind=Kind.PATIENT, then=0), default=1)
    filings = list(moving.order_by(patients_first, "window_start", "id")[:BOARD_FILINGS])
    now = timezone.now()
    in_force = set(
        Pass.objects.filter(filing__in=filings, revoked_at=None, valid_until__gt=now).values_list(
            "filing_id", flat=True
        )
    )
    for filing in filings:
        filing.has_pass = filing.pk in in_force  # type: ignore[attr-defined]
    return filings


@require_GET
@board_view
def board(request: ConsoleRequest) -> HttpResponse:
    return render(request, "board/board.html", board_context(Actor(user=request.user)))


@require_GET
@board_view
def board_fragment(request: ConsoleRequest) -> HttpResponse:
    return render(request, "board/_board.html", board_context(Actor(user=request.user)))
