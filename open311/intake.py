"""``POST requests``: from the specification's form fields to a validated ``core`` intake.

The fields are checked by ``core.intake.IntakeForm`` — the form the console and the JSON
API use — so a bad phone number gets the same message whichever door it came in by; only
the field names differ, and each message is reported under the Open311 name the client
sent (``phone``, ``description``, ``attribute[urgency]``…).

Our rules on top of the specification's:

- ``phone`` is required: the answer goes to the requester by text message.
- A location is required, as the spec says (``lat`` + ``long``, ``address_string`` or
  ``address_id``), and it must lead to one of our divisions: ``attribute[division]`` wins;
  else an ``address_string`` naming a county or street of Jiaozuo; else the county nearest
  to ``lat``/``long`` (``open311.geo``, approximate). A point outside the city is refused.
- ``first_name``/``last_name`` become the requester's name, or 未留名 (no name given).
- ``attribute[urgency]`` is optional and defaults to normal.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.http import QueryDict
from django.utils.translation import gettext as _

from accounts.models import ApiKey
from core.intake import IntakeForm
from core.models import Division, RequesterKind, Urgency
from core.services import NewRequest
from open311 import geo
from open311.catalogue import DIVISION, URGENCY, active_category
from open311.errors import Open311Error, about

#: The name given to a requester who left none.
NO_NAME = "未留名"

#: ``core.intake.IntakeForm`` field → the Open311 parameter it came from.
FORM_TO_OPEN311 = {
    "category": "service_code",
    "urgency": f"attribute[{URGENCY}]",
    "description": "description",
    "division": f"attribute[{DIVISION}]",
    "address": "address_string",
    "requester_name": "first_name/last_name",
    "requester_phone": "phone",
}

#: Longest client identifiers kept (``ServiceRequestLink``'s columns).
MAX_ID = 100
MAX_MEDIA_URL = 500
MAX_EMAIL = 254

_CJK = re.compile(r"[\u3400-\u9fff]")


@dataclass(frozen=True)
class Filing:
    """A valid Open311 POST: the intake for ``core`` and the facts kept by this app."""

    new: NewRequest
    link: dict[str, Any]


def _value(data: QueryDict, name: str) -> str:
    """A parameter's value, trimmed; an empty one counts as absent (the spec's rule)."""
    return (data.get(name) or "").strip()


def attribute(data: QueryDict, code: str) -> str:
    """``attribute[code]``; a single value sent in the list form ``attribute[code][]`` too."""
    return _value(data, f"attribute[{code}]") or _value(data, f"attribute[{code}][]")


def requester_name(first: str, last: str) -> str:
    """张 + 丽 → 张丽 (family name first, no space); John + Smith → John Smith."""
    if not (first or last):
        return NO_NAME
    if _CJK.search(first + last):
        return f"{last}{first}"
    return " ".join(part for part in (first, last) if part)


def _coordinate(data: QueryDict, name: str, limit: float, errors: list[str]) -> float | None:
    text = _value(data, name)
    if not text:
        return None
    try:
        number = float(text)
    except ValueError:
        number = math.nan
    if not math.isfinite(number) or abs(number) > limit:
        errors.append(
            about(
                name,
                _("Enter a number of degrees (WGS84) from -%(limit)d to %(limit)d.")
                % {"limit": limit},
            )
        )
        return None
    return number


def division_named_in(text: str) -> str | None:
    """The code of the division ``text`` names, if it names exactly one.

    A street wins over its county (it is more precise). Street names repeat across
    counties (太行街道 is in 山阳区 and in 沁阳市), so a street counts only if it is the
    only one of that name, or the county named beside it settles which.
    """
    lowered = text.casefold()

    def named(division: Division) -> bool:
        if division.name and division.name in text:
            return True
        return bool(division.name_en) and division.name_en.casefold() in lowered

    divisions = list(Division.objects.all())
    counties = {d.code for d in divisions if d.parent_id is None and named(d)}
    streets = [d for d in divisions if d.parent_id is not None and named(d)]
    if counties:
        streets = [street for street in streets if street.parent_id in counties]
    if streets:
        # Of two names where one contains the other, the longer is what was meant.
        longest = max(len(street.name) for street in streets)
        streets = [street for street in streets if len(street.name) == longest]
        if len(streets) == 1:
            return streets[0].code
    if len(counties) == 1:
        return next(iter(counties))
    return None


def _division_code(data: QueryDict, point: geo.Point | None, errors: list[str]) -> str:
    """The division the location leads to, or "" with the reason added to ``errors``."""
    chosen = attribute(data, DIVISION)
    if chosen:
        return chosen  # checked by the form, which knows the codes
    address_string = _value(data, "address_string")
    if address_string:
        code = division_named_in(address_string)
        if code:
            return code
    if point is not None:
        code = geo.nearest_county(point)
        if code:  # always, for a point already found inside the city
            return code
    if address_string:
        errors.append(
            about(
                "address_string",
                _(
                    "No county or street of Jiaozuo is named here. Name one, send lat and long, "
                    "or choose attribute[division]."
                ),
            )
        )
    else:
        errors.append(
            about(
                "address_id",
                _(
                    "We cannot place an address_id on its own. Send attribute[division], an "
                    "address_string naming the county or street, or lat and long."
                ),
            )
        )
    return ""


def _location(data: QueryDict, errors: list[str]) -> tuple[geo.Point | None, str]:
    """The point (if any) and the division code; problems go to ``errors``."""
    lat_given, long_given = bool(_value(data, "lat")), bool(_value(data, "long"))
    lat = _coordinate(data, "lat", 90, errors)
    long = _coordinate(data, "long", 180, errors)
    if lat_given != long_given:
        missing = "long" if lat_given else "lat"
        errors.append(about(missing, _("Send lat and long together.")))
    has_location = (lat_given and long_given) or any(
        _value(data, name) for name in ("address_string", "address_id")
    )
    if not has_location:
        if lat_given == long_given:  # nothing at all was sent
            errors.append(
                about(
                    "lat/long, address_string, address_id",
                    _(
                        "A location is required: send lat and long, an address_string or an "
                        "address_id."
                    ),
                )
            )
        return None, ""
    point = geo.Point(lat, long) if lat is not None and long is not None else None
    if lat_given and long_given and point is None:
        return None, ""  # the numbers were wrong, and that is already said
    if point is not None and not geo.in_city(point):
        errors.append(
            about(
                "lat/long",
                _(
                    "This point is outside Jiaozuo. Requests can only be filed for places in "
                    "the city."
                ),
            )
        )
        return None, ""
    return point, _division_code(data, point, errors)


def _optional_facts(data: QueryDict, errors: list[str]) -> dict[str, Any]:
    facts: dict[str, Any] = {
        name: _value(data, name)
        for name in (
            "address_string",
            "address_id",
            "email",
            "device_id",
            "account_id",
            "media_url",
        )
    }
    for name in ("address_id", "device_id", "account_id"):
        if len(facts[name]) > MAX_ID:
            errors.append(about(name, _("At most %(max)d characters.") % {"max": MAX_ID}))
    if len(facts["address_string"]) > 255:
        errors.append(about("address_string", _("At most %(max)d characters.") % {"max": 255}))
    checks = (
        ("email", EmailValidator(), MAX_EMAIL),
        ("media_url", URLValidator(schemes=["http", "https"]), MAX_MEDIA_URL),
    )
    for name, validate, longest in checks:
        if not facts[name]:
            continue
        if len(facts[name]) > longest:
            errors.append(about(name, _("At most %(max)d characters.") % {"max": longest}))
            continue
        try:
            validate(facts[name])
        except ValidationError as exc:
            errors.extend(about(name, str(message)) for message in exc.messages)
    return facts


def filing_from(data: QueryDict, *, key: ApiKey) -> Filing:
    """Check a POST's fields; raise ``Open311Error`` listing every problem, or return the filing.

    An unknown ``service_code`` is a 404 on its own, as the specification lists it; all
    other problems are gathered into one 400.
    """
    service_code = _value(data, "service_code")
    if not service_code:
        raise Open311Error(400, [about("service_code", _("This field is required."))])
    category = active_category(service_code)

    errors: list[str] = []
    point, division = _location(data, errors)
    location_failed = bool(errors)
    phone = _value(data, "phone")
    if not phone:
        errors.append(
            about(
                "phone", _("A phone number is required: the answer is sent to it by text message.")
            )
        )
    facts = _optional_facts(data, errors)

    form = IntakeForm(
        data={
            "channel": key.channel,
            "category": category.code,
            "urgency": attribute(data, URGENCY) or Urgency.NORMAL,
            "description": data.get("description") or "",
            "division": division,
            "address": facts["address_string"][:200],
            "requester_kind": RequesterKind.PERSON,
            "requester_name": requester_name(_value(data, "first_name"), _value(data, "last_name")),
            "requester_phone": phone,
        }
    )
    if not form.is_valid():
        for field, messages in form.errors.items():
            if field == "division" and location_failed:
                continue  # the location's own message says why
            if field == "requester_phone" and not phone:
                continue
            name = FORM_TO_OPEN311.get(field, field)
            errors.extend(about(name, str(message)) for message in messages)
    if errors:
        raise Open311Error(400, errors)
    return Filing(
        new=form.to_new_request(),
        link={
            "lat": point.lat if point else None,
            "long": point.long if point else None,
            **facts,
        },
    )
