from __future__ import annotations

from django import template

from core.access import SEE_ALL

register = template.Library()


@register.filter
def may_see_board(user: object) -> bool:
    """Whether ``user`` may open the live board: a console role that sees every request."""
    role = getattr(user, "effective_role", None)
    return bool(getattr(user, "is_authenticated", False)) and role in SEE_ALL
