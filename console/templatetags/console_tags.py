"""Template filters of the console: masked personal data, who may do what, its live stream."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse

from accounts.models import User
from board import bus
from core import access
from lib import masking

register = template.Library()


@register.filter
def mask_name(value: str) -> str:
    return masking.mask_name(value or "")


@register.filter
def mask_phone(value: str) -> str:
    return masking.mask_phone(value or "")


@register.filter
def may_file_requests(user: Any) -> bool:
    """Whether to offer "New request" to ``user`` (the view checks again)."""
    return isinstance(user, User) and access.may_file_requests(access.Actor(user=user))


@register.filter
def uses_workbench(user: Any) -> bool:
    """Whether to offer the group workbench to ``user`` (members and leaders of a group)."""
    return isinstance(user, User) and user.effective_role in access.GROUP_ROLES


@register.simple_tag
def live_events_url() -> str:
    """The console's stream, starting after the newest event as this page was drawn.

    Whatever happens between drawing the page and the browser opening its stream is then
    caught up, not lost.
    """
    return f"{reverse('console:events')}?after={bus.latest_event_id()}"
