"""What can be asked for: the service list and each service's definition.

One service per active ``core.Category``; ``service_code`` is the category's code. Every
service takes the same two attributes, which the POST sends as ``attribute[code]=key``:

- ``division``: the county/district or street/town, the codes of ``core.Division``;
- ``urgency``: critical, urgent or normal (default normal), which sets the clocks.

Names follow the active language (Chinese unless the caller asks for English).
"""

from __future__ import annotations

from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.models import Category, Division, Urgency
from open311.errors import not_found

#: (group, keywords, description) of each category, for a client's list of services.
_HEALTH = gettext_lazy("health")
_DAILY_LIFE = gettext_lazy("daily life")
_EPIDEMIC_CONTROL = gettext_lazy("epidemic control")
_OTHER = gettext_lazy("other")
SERVICE_TEXT: dict[str, tuple[Promise, Promise, Promise]] = {
    "policy": (
        _EPIDEMIC_CONTROL,
        gettext_lazy("policy, rules, quarantine rules, travel rules, question"),
        gettext_lazy("Questions about the epidemic rules in force."),
    ),
    "travel": (
        _DAILY_LIFE,
        gettext_lazy("travel, checkpoint, pass, transport, vehicle"),
        gettext_lazy("Getting through a checkpoint or transport for a necessary trip."),
    ),
    "health_code": (
        _EPIDEMIC_CONTROL,
        gettext_lazy("health code, yellow code, red code, green code"),
        gettext_lazy("A health code that is wrong or should turn green again."),
    ),
    "medical": (
        _HEALTH,
        gettext_lazy("hospital, medicine, dialysis, ambulance, pregnancy"),
        gettext_lazy("Getting to hospital, treatment that cannot wait, medicine running out."),
    ),
    "supplies": (
        _DAILY_LIFE,
        gettext_lazy("food, vegetables, infant formula, gas, daily necessities"),
        gettext_lazy("Food and daily necessities for people who cannot go out."),
    ),
    "quarantine": (
        _EPIDEMIC_CONTROL,
        gettext_lazy("quarantine, home quarantine, quarantine hotel, lockdown"),
        gettext_lazy("Problems in home quarantine or at a quarantine site."),
    ),
    "testing": (
        _EPIDEMIC_CONTROL,
        gettext_lazy("testing, nucleic acid test, test result, sampling"),
        gettext_lazy("Where and when to be tested; missing or wrong results."),
    ),
    "enterprise": (
        _OTHER,
        gettext_lazy("company, factory, work resumption, logistics, staff"),
        gettext_lazy("Help for a company: staying open, logistics, staff."),
    ),
    "mental": (
        _HEALTH,
        gettext_lazy("psychological support, anxiety, counselling"),
        gettext_lazy("Someone needs psychological support."),
    ),
    "report": (
        _EPIDEMIC_CONTROL,
        gettext_lazy("report, tip, risk, unregistered arrival"),
        gettext_lazy("Report a risk to the command headquarters."),
    ),
    "other": (
        _OTHER,
        gettext_lazy("praise, suggestion, other"),
        gettext_lazy("Praise, suggestions and anything else."),
    ),
}

DIVISION = "division"
URGENCY = "urgency"


def services() -> list[dict[str, Any]]:
    """The body of ``GET services``."""
    items = []
    for category in Category.objects.filter(is_active=True):
        group, keywords, description = SERVICE_TEXT.get(
            category.code, (_OTHER, category.display_name, category.display_name)
        )
        items.append(
            {
                "service_code": category.code,
                "service_name": category.display_name,
                "description": description,
                "metadata": True,
                "type": "realtime",
                "keywords": keywords,
                "group": group,
            }
        )
    return items


def active_category(code: str) -> Category:
    """The active category ``code`` names; 404 (as the spec says) if there is none."""
    category = Category.objects.filter(code=code, is_active=True).first()
    if category is None:
        raise not_found("service_code", _("No service has the code “%(code)s”.") % {"code": code})
    return category


def division_values() -> list[dict[str, str]]:
    """Counties first, each followed by its streets, named with their county (names repeat)."""
    values: list[dict[str, str]] = []
    divisions = Division.objects.select_related("parent").order_by("code")
    by_county: dict[str, list[Division]] = {}
    counties: list[Division] = []
    for division in divisions:
        if division.parent_id is None:
            counties.append(division)
        else:
            by_county.setdefault(division.parent_id, []).append(division)
    for county in counties:
        values.append({"key": county.code, "name": county.display_name})
        values.extend(
            {"key": street.code, "name": street.full_name}
            for street in by_county.get(county.code, [])
        )
    return values


def definition(category: Category) -> dict[str, Any]:
    """The body of ``GET services/{service_code}``."""
    return {
        "service_code": category.code,
        "attributes": [
            {
                "variable": True,
                "code": DIVISION,
                "datatype": "singlevaluelist",
                "required": False,
                "datatype_description": _(
                    "The code of a county/district or of a street/town in it."
                ),
                "order": 1,
                "description": _(
                    "Where help is needed. When given it wins over address_string and lat/long; "
                    "without it the division is read from the county or street named in "
                    "address_string, or else from lat/long."
                ),
                "values": division_values(),
            },
            {
                "variable": True,
                "code": URGENCY,
                "datatype": "singlevaluelist",
                "required": False,
                "datatype_description": _("One of: critical, urgent, normal (the default)."),
                "order": 2,
                "description": _(
                    "How urgent it is. Critical: life or health at risk now. Urgent: harm "
                    "within a day, such as medicine or food running out. Normal: the rest."
                ),
                "values": [{"key": value, "name": label} for value, label in Urgency.choices],
            },
        ],
    }
