"""Template helpers of the daily report: who sees its link, and how a rate is printed."""

from __future__ import annotations

from django import template

from core.access import Actor
from reports import narrative, services

register = template.Library()


@register.filter
def may_read_reports(user: object) -> bool:
    """Whether ``user`` may open the daily report: a signed-in headquarters role."""
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_console_user", False):
        return False
    return services.may_read_reports(Actor(user=user))  # type: ignore[arg-type]


@register.filter
def percent(value: float | None) -> str:
    return narrative.percent(value)


@register.inclusion_tag("reports/_bulletin_box.html")
def latest_bulletin_box() -> dict[str, object]:
    """The latest public bulletin in a box, for the citizen app's and the media's pages."""
    latest = services.latest_versions().first()
    return {"latest": services.public_bulletin(latest) if latest else None}
