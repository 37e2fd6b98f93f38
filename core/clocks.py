"""The clocks of DESIGN.md: how long each step may take, per urgency and category.

Clocks run in calendar time from receipt, because the headquarters works around the clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from core import reference_cache
from core.models import HelpRequest, Status, Urgency


@dataclass(frozen=True)
class Windows:
    dispatch: timedelta
    accept: timedelta
    resolve: timedelta


DEFAULT_WINDOWS: dict[str, Windows] = {
    Urgency.CRITICAL: Windows(timedelta(minutes=5), timedelta(minutes=10), timedelta(hours=2)),
    Urgency.URGENT: Windows(timedelta(minutes=30), timedelta(hours=1), timedelta(hours=24)),
    Urgency.NORMAL: Windows(timedelta(hours=2), timedelta(hours=4), timedelta(hours=72)),
}


def windows_for(*, category_code: str, urgency: str) -> Windows:
    """A category's own policy wins over the urgency's default policy, which wins over code.

    The policies come from the process's copy of the reference data (``core.reference_cache``):
    every create asks, and they change a few times a year.
    """
    minutes = reference_cache.snapshot().clock_minutes(category_code=category_code, urgency=urgency)
    if minutes is None:
        return DEFAULT_WINDOWS[urgency]
    dispatch, accept, resolve = minutes
    return Windows(
        timedelta(minutes=dispatch), timedelta(minutes=accept), timedelta(minutes=resolve)
    )


def set_deadlines(help_request: HelpRequest, *, start: datetime, windows: Windows) -> None:
    """Start all three clocks at ``start``."""
    help_request.dispatch_due_at = start + windows.dispatch
    help_request.accept_due_at = start + windows.accept
    help_request.resolve_due_at = start + windows.resolve


def current_due(help_request: HelpRequest) -> datetime:
    """The deadline of the step the request waits on now (see ``HelpRequest.due_at``)."""
    status = help_request.status
    if status == Status.RECEIVED:
        return help_request.dispatch_due_at
    if status == Status.DISPATCHED:
        return help_request.accept_due_at
    if status in (Status.ACCEPTED, Status.IN_PROGRESS):
        return help_request.resolve_due_at
    return help_request.due_at
