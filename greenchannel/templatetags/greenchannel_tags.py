"""Template helpers of the green channel: who sees its link in the console's navigation."""

from __future__ import annotations

from django import template

from greenchannel import views

register = template.Library()


@register.filter
def may_see_green_channel(user: object) -> bool:
    """Whether ``user`` may open the filings: the roles that file them, and the auditor."""
    return bool(getattr(user, "is_authenticated", False)) and views.may_read_filings(user)
