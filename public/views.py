"""The public tracking page: anyone holding a request's number and phone digits sees its progress.

It shows only what the requester is owed: the status, when each step happened, and the answer.
No names, no phone numbers, no notes, no staff: a number read aloud on the phone may be
overheard, and four digits are not much of a secret.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from core.models import Event, HelpRequest, Status
from lib import ratelimit
from public.forms import TrackForm

#: Failed look-ups allowed per number and per client address within the window. Ten
#: thousand possible digits make guessing hopeless at this pace, and since a number that
#: does not exist is counted the same way, the limit itself reveals nothing.
FAILURES_PER_NUMBER = 10
FAILURES_PER_CLIENT = 30
FAILURE_WINDOW_SECONDS = 15 * 60

EXPLANATIONS: dict[str, str | Promise] = {
    Status.RECEIVED: _("We have your request and are passing it to the team that can help."),
    Status.DISPATCHED: _("The team responsible has been given your request."),
    Status.ACCEPTED: _("The team has taken on your request."),
    Status.IN_PROGRESS: _("The team is working on your request."),
    Status.RESOLVED: _("The team has answered your request."),
    Status.CLOSED: _("Your request is finished. Thank you for your patience."),
    Status.MERGED: _(
        "Your request was joined with another one about the same matter; "
        "you will be answered through that one."
    ),
}


@dataclass(frozen=True)
class Step:
    label: str
    at: datetime


@dataclass(frozen=True)
class Tracked:
    """What the page may show of a request; built field by field so nothing else slips in."""

    number: str
    status: str
    status_label: str
    explanation: str
    category: str
    received_at: datetime
    steps: list[Step]
    answer: str
    answered_at: datetime | None


def _find(number: str, phone_last4: str) -> HelpRequest | None:
    found = (
        HelpRequest.objects.select_related("requester", "category").filter(number=number).first()
    )
    tail = found.requester.phone[-4:] if found is not None else "----"
    # Compare even when no request has this number, so both failures look and take alike.
    matches = hmac.compare_digest(tail.encode(), phone_last4.encode())
    return found if found is not None and matches else None


def tracked_request(help_request: HelpRequest) -> Tracked:
    labels = dict(Event.Kind.choices)
    steps = [
        Step(label=str(labels.get(kind, kind)), at=at)
        for kind, at in help_request.events.order_by("created_at", "id").values_list(
            "kind", "created_at"
        )
    ]
    answered = help_request.status in (Status.RESOLVED, Status.CLOSED)
    return Tracked(
        number=help_request.number,
        status=help_request.status,
        status_label=help_request.get_status_display(),
        explanation=str(EXPLANATIONS.get(help_request.status, "")),
        category=help_request.category.display_name,
        received_at=help_request.received_at,
        steps=steps,
        answer=help_request.answer if answered else "",
        answered_at=help_request.resolved_at if answered else None,
    )


def _failure_keys(request: HttpRequest, number: str) -> list[tuple[str, str, int]]:
    return [
        ("track-number", number, FAILURES_PER_NUMBER),
        ("track-client", ratelimit.client_ip(request), FAILURES_PER_CLIENT),
    ]


def _too_many_failures(keys: list[tuple[str, str, int]]) -> bool:
    return any(
        ratelimit.peek(scope, key, window=FAILURE_WINDOW_SECONDS) >= limit
        for scope, key, limit in keys
    )


def _count_failure(keys: list[tuple[str, str, int]]) -> None:
    for scope, key, limit in keys:
        ratelimit.hit(scope, key, limit=limit, window=FAILURE_WINDOW_SECONDS)


@never_cache
@require_http_methods(["GET", "POST"])
def track(request: HttpRequest) -> HttpResponse:
    form = TrackForm(request.POST if request.method == "POST" else None)
    tracked: Tracked | None = None
    outcome = ""
    if form.is_valid():
        number, digits = form.cleaned_data["number"], form.cleaned_data["phone_last4"]
        keys = _failure_keys(request, number)
        if _too_many_failures(keys):
            outcome = "throttled"
        else:
            found = _find(number, digits)
            if found is None:
                _count_failure(keys)
                outcome = "not_found"
            else:
                tracked = tracked_request(found)
                outcome = "found"
    status = 422 if form.errors else 429 if outcome == "throttled" else 200
    return render(
        request,
        "public/track.html",
        {"form": form, "tracked": tracked, "outcome": outcome},
        status=status,
    )


def home(request: HttpRequest) -> HttpResponse:
    """The front door: every way in, for the public and for staff."""
    return render(request, "public/home.html")
