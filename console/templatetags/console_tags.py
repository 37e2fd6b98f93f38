"""Template filters of the console: masked personal data, who may do what, its live stream."""

from __future__ import annotations

import functools
from typing import Any
from urllib.parse import quote

from django import template
from django.urls import get_script_prefix, reverse

from accounts.models import User
from board import bus
from core import access
from core.models import Status, Urgency
from lib import masking

register = template.Library()


@register.filter
def mask_name(value: str) -> str:
    return masking.mask_name(value or "")


@register.filter
def mask_phone(value: str) -> str:
    return masking.mask_phone(value or "")


#: Labels by value, built once: ``get_urgency_display`` rebuilds and hashes the field's whole
#: choice list on every call, twice per row of the queue.
_URGENCY_LABELS: dict[str, Any] = dict(Urgency.choices)
_STATUS_LABELS: dict[str, Any] = dict(Status.choices)


@register.filter
def urgency_label(value: str) -> Any:
    """The urgency's label in the active language (the value itself if it is unknown)."""
    return _URGENCY_LABELS.get(value, value)


@register.filter
def status_label(value: str) -> Any:
    """The status's label in the active language (the value itself if it is unknown)."""
    return _STATUS_LABELS.get(value, value)


#: A number the request page's pattern accepts: reversed once, then replaced by each row's.
_SAMPLE_NUMBER = "00000000-0000"


@functools.lru_cache(maxsize=8)
def _request_url_around(script_prefix: str) -> tuple[str, str]:
    head, tail = reverse("console:request_detail", args=[_SAMPLE_NUMBER]).split(_SAMPLE_NUMBER)
    return head, tail


@register.filter
def request_url(number: str) -> str:
    """What ``{% url 'console:request_detail' number %}`` gives, for a row of the queue.

    ``{% url %}`` resolves the pattern anew for each of the 50 rows, a quarter of the rows'
    rendering time; the address differs only by the number.
    """
    head, tail = _request_url_around(get_script_prefix())
    return f"{head}{quote(number, safe='')}{tail}"


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
