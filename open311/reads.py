"""``GET requests`` and ``GET requests/{id}``: which requests, and how much of each is shown.

**Privacy.** The specification lets anyone read service requests without a key. Ours carry
health details and personal data (an illness, a home address, a quarantine), so a request
is shown in full — description, address, ``address_id``, ``lat``/``long``, ``media_url``
and the answer as ``status_notes`` — only to a caller whose ``api_key`` filed it. Everyone
else (no key, or another key) sees the same fields reduced: the description becomes a
neutral "category in county" text, the address the division's name, and the rest is empty.
Status, service, group, dates and the deadline are shown to all: they say how the
headquarters is doing, not who asked. The requester's name and phone are never shown.

**Volume.** As the spec says: the last 90 days unless ``start_date``/``end_date`` say
otherwise (at most 90 days apart), at most 1000 requests, newest first. The common
``page``/``page_size`` extension pages through that; pages reach back at most
:data:`MAX_OFFSET` requests, after which a client moves ``end_date`` back to the oldest
``requested_datetime`` it has — a keyset walk that stays as fast at the millionth request
as at the first. No query counts the table.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from core.models import OPEN_STATUSES, Category, Division, Group, HelpRequest, Status
from open311.errors import Open311Error, about
from open311.render import w3c_datetime

MAX_RESULTS = 1000
WINDOW = timedelta(days=90)
#: Deepest row ``page`` may reach; past it, narrow the dates instead (see the docstring).
MAX_OFFSET = 10_000

OPEN = "open"
CLOSED = "closed"
CLOSED_STATUSES = frozenset({Status.RESOLVED, Status.CLOSED, Status.MERGED})
SPEC_STATUSES = {OPEN: sorted(OPEN_STATUSES), CLOSED: sorted(CLOSED_STATUSES)}

#: Columns read for each row: ``values()`` rather than model instances, since a page can
#: hold 1000 rows and the names of categories, divisions and groups come from small maps.
_COLUMNS = (
    "id",
    "number",
    "status",
    "category_id",
    "urgency",
    "description",
    "division_id",
    "address",
    "api_key_id",
    "lead_group_id",
    "received_at",
    "updated_at",
    "resolve_due_at",
    "answer",
    "merged_into_id",
    "open311_link__lat",
    "open311_link__long",
    "open311_link__address_id",
    "open311_link__media_url",
)


@dataclass(frozen=True)
class ListQuery:
    numbers: tuple[str, ...] = ()
    service_codes: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    start: datetime | None = None
    end: datetime | None = None
    offset: int = 0
    limit: int = MAX_RESULTS


def values_of(params: Any, name: str) -> list[str]:
    """A parameter that may be repeated and comma-separated, as ``status=open,closed``."""
    return [
        part.strip() for value in params.getlist(name) for part in value.split(",") if part.strip()
    ]


# W3C dates (the spec's format): 2010, 2010-05, 2010-05-24, or a date and time with a zone.
_YEAR_MONTH = re.compile(r"^(\d{4})(?:-(\d{2}))?$")
# An unescaped "+08:00" in a query string arrives as " 08:00"; put the plus back.
_LOST_PLUS = re.compile(r"(T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (\d{2}:?\d{2})$")


def parse_w3c(text: str, *, end: bool = False) -> datetime | None:
    """A W3C date/time; one without a zone is taken as local time.

    A date without a time means the whole day (or month, or year): its first moment, or with
    ``end`` its last, so that ``end_date=2022-01-14`` includes the 14th.
    """
    text = _LOST_PLUS.sub(r"\1+\2", text.strip())
    try:
        first, after = _period(text)
        if first is not None and after is not None:
            day = after if end else first
            moment = datetime.combine(day, time.min)
            if end:
                moment -= timedelta(microseconds=1)
        else:
            parsed = parse_datetime(text)
            if parsed is None:
                return None
            moment = parsed
    except ValueError:  # well-formed but impossible, such as 2022-02-30
        return None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def _period(text: str) -> tuple[date | None, date | None]:
    """The first day of the day, month or year ``text`` names, and the first day after it."""
    day = parse_date(text)
    if day is not None:
        return day, day + timedelta(days=1)
    match = _YEAR_MONTH.match(text)
    if match is None:
        return None, None
    year = int(match[1])
    if match[2] is None:
        return date(year, 1, 1), date(year + 1, 1, 1)
    month = int(match[2])
    after = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return date(year, month, 1), after


def _positive(params: Any, name: str, default: int, errors: list[str]) -> int:
    text = (params.get(name) or "").strip()
    if not text:
        return default
    if not text.isdigit() or int(text) < 1:
        errors.append(about(name, _("Enter a whole number of at least 1.")))
        return default
    return int(text)


def _window(params: Any, now: datetime, errors: list[str]) -> tuple[datetime, datetime]:
    bounds: dict[str, datetime | None] = {}
    for name in ("start_date", "end_date"):
        text = (params.get(name) or "").strip()
        bounds[name] = parse_w3c(text, end=name == "end_date") if text else None
        if text and bounds[name] is None:
            errors.append(
                about(
                    name,
                    _("Enter a date and time in W3C format, such as 2022-01-14T08:00:00+08:00."),
                )
            )
    start, end = bounds["start_date"], bounds["end_date"]
    if start is None:
        end = end or now
        return end - WINDOW, end
    if end is None:
        return start, start + WINDOW
    if end < start:
        errors.append(about("end_date", _("The end date is before the start date.")))
    elif end - start > WINDOW:
        errors.append(about("end_date", _("start_date and end_date may be at most 90 days apart.")))
    return start, end


def list_query(params: Any, *, now: datetime | None = None) -> ListQuery:
    """Check the parameters of ``GET requests``; ``Open311Error`` (400) lists what is wrong."""
    errors: list[str] = []
    numbers = list(dict.fromkeys(values_of(params, "service_request_id")))
    if numbers:
        # "This overrides all other arguments", says the spec.
        if len(numbers) > MAX_RESULTS:
            errors.append(
                about("service_request_id", _("At most %(max)d values.") % {"max": MAX_RESULTS})
            )
            raise Open311Error(400, errors)
        return ListQuery(numbers=tuple(numbers))

    codes = list(dict.fromkeys(values_of(params, "service_code")))
    if codes:
        known = set(Category.objects.filter(code__in=codes).values_list("code", flat=True))
        errors.extend(
            about("service_code", _("No service has the code “%(code)s”.") % {"code": code})
            for code in codes
            if code not in known
        )
    wanted = set(values_of(params, "status"))
    unknown = wanted - set(SPEC_STATUSES)
    if unknown:
        errors.append(
            about("status", _("Choose one of: %(choices)s.") % {"choices": "open, closed"})
        )
    statuses = [
        status for name in sorted(wanted & set(SPEC_STATUSES)) for status in SPEC_STATUSES[name]
    ]
    if wanted >= set(SPEC_STATUSES):
        statuses = []  # open and closed together are every request
    start, end = _window(params, now or timezone.now(), errors)
    page = _positive(params, "page", 1, errors)
    page_size = min(_positive(params, "page_size", MAX_RESULTS, errors), MAX_RESULTS)
    offset = (page - 1) * page_size
    if offset > MAX_OFFSET and not errors:
        errors.append(
            about(
                "page",
                _(
                    "Pages reach back %(max)d requests at most. To go further, set end_date to "
                    "the oldest requested_datetime you have."
                )
                % {"max": MAX_OFFSET},
            )
        )
    if errors:
        raise Open311Error(400, errors)
    return ListQuery(
        service_codes=tuple(codes),
        statuses=tuple(statuses),
        start=start,
        end=end,
        offset=offset,
        limit=page_size,
    )


def _rows(queryset: QuerySet[HelpRequest]) -> list[dict[str, Any]]:
    return list(queryset.values(*_COLUMNS))


def find(query: ListQuery) -> list[dict[str, Any]]:
    """The rows ``query`` asks for, newest first (or in the order of the numbers asked for)."""
    if query.numbers:
        rows = _rows(HelpRequest.objects.filter(number__in=query.numbers))
        by_number = {row["number"]: row for row in rows}
        return [by_number[number] for number in query.numbers if number in by_number]
    queryset = HelpRequest.objects.all()
    if query.start is not None:
        queryset = queryset.filter(received_at__gte=query.start)
    if query.end is not None:
        queryset = queryset.filter(received_at__lte=query.end)
    if query.service_codes:
        queryset = queryset.filter(category_id__in=query.service_codes)
    if query.statuses:
        queryset = queryset.filter(status__in=query.statuses)
    # Walks ``hr_received`` backwards from the end of the window and stops at the page.
    queryset = queryset.order_by("-received_at", "-id")
    return _rows(queryset[query.offset : query.offset + query.limit])


def find_one(number: str) -> dict[str, Any] | None:
    rows = _rows(HelpRequest.objects.filter(number=number))
    return rows[0] if rows else None


class Names:
    """Names of categories, divisions and groups in the active language, read once per call."""

    def __init__(self) -> None:
        self.categories = {c.code: c.display_name for c in Category.objects.all()}
        divisions = {d.code: d for d in Division.objects.all()}
        self.division_names: dict[str, str] = {}
        self.county_names: dict[str, str] = {}
        for code, division in divisions.items():
            parent = divisions.get(division.parent_id) if division.parent_id else None
            county = parent or division
            self.county_names[code] = county.display_name
            self.division_names[code] = (
                f"{parent.display_name} {division.display_name}"
                if parent
                else division.display_name
            )
        self._groups: dict[int, str] | None = None
        self._numbers: dict[int, str] = {}

    def group(self, group_id: int | None) -> str | None:
        if group_id is None:
            return None
        if self._groups is None:
            self._groups = {g.pk: g.display_name for g in Group.objects.all()}
        return self._groups.get(group_id)

    def numbers_of(self, ids: Iterable[int]) -> None:
        """Look up the numbers of merge targets, all in one query."""
        missing = set(ids) - set(self._numbers)
        if missing:
            self._numbers.update(
                HelpRequest.objects.filter(pk__in=missing).values_list("pk", "number")
            )

    def number(self, request_id: int) -> str:
        return self._numbers.get(request_id, "")


def _status_notes(row: dict[str, Any], names: Names) -> str | None:
    if row["status"] == Status.MERGED and row["merged_into_id"]:
        return _("Merged into request %(number)s, which carries the answer.") % {
            "number": names.number(row["merged_into_id"])
        }
    return row["answer"] or None


def _next_steps() -> str:
    return _(
        "The command headquarters sends the request to the group that can act on it. The "
        "answer goes to the phone number given by text message, by %(deadline)s at the latest."
    )


def notice(deadline: datetime) -> str:
    """What happens next, as the spec's ``service_notice``."""
    return _next_steps() % {"deadline": w3c_datetime(deadline)}


def represent(rows: list[dict[str, Any]], *, viewer_key_id: int | None) -> list[dict[str, Any]]:
    """The spec's ``request`` for each row, in full for its filer and reduced for anyone else.

    Written for 1000 rows a call: the zone and the translated templates are looked up once,
    not per row, and the values are already text, so the writers need not convert them.
    """
    names = Names()
    names.numbers_of(
        row["merged_into_id"]
        for row in rows
        if row["merged_into_id"]
        and viewer_key_id is not None
        and row["api_key_id"] == viewer_key_id
    )
    zone = timezone.get_current_timezone()
    neutral = _("%(service)s, %(county)s")
    next_steps = _next_steps()
    items = []
    for row in rows:
        full = viewer_key_id is not None and row["api_key_id"] == viewer_key_id
        division = names.division_names.get(row["division_id"], "")
        service_name = names.categories.get(row["category_id"], row["category_id"])
        expected = w3c_datetime(row["resolve_due_at"], zone)
        is_open = row["status"] in OPEN_STATUSES
        if full:
            description = row["description"]
        else:
            county = names.county_names.get(row["division_id"], "")
            description = neutral % {"service": service_name, "county": county}
        items.append(
            {
                "service_request_id": row["number"],
                "status": OPEN if is_open else CLOSED,
                "status_notes": _status_notes(row, names) if full else None,
                "service_name": service_name,
                "service_code": row["category_id"],
                "description": description,
                "agency_responsible": names.group(row["lead_group_id"]),
                "service_notice": next_steps % {"deadline": expected} if is_open else None,
                "requested_datetime": w3c_datetime(row["received_at"], zone),
                "updated_datetime": w3c_datetime(row["updated_at"], zone),
                "expected_datetime": expected,
                "address": (row["address"] or division) if full else division,
                "address_id": (row["open311_link__address_id"] or None) if full else None,
                "zipcode": None,
                "lat": row["open311_link__lat"] if full else None,
                "long": row["open311_link__long"] if full else None,
                "media_url": (row["open311_link__media_url"] or None) if full else None,
            }
        )
    return items
