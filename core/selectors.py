"""Reads of help requests: the filtered, ordered queue that the console and the API share."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db import connection
from django.db.models import BooleanField, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from core.access import Actor, visible_requests
from core.errors import InvalidInput
from core.models import (
    OPEN_STATUSES,
    Division,
    Event,
    Group,
    HelpRequest,
    Status,
    phone_lookup_hash,
)
from core.triage import bigrams, similarity
from lib.cursor import BadCursor, decode_cursor, encode_cursor

MAX_PAGE = 200
_NUMBER = re.compile(r"^\d{8}-\d{4,}$")


@dataclass
class RequestFilters:
    statuses: list[str] = field(default_factory=list)
    category: str = ""
    urgency: str = ""
    channel: str = ""
    division: str = ""
    group: str = ""
    overdue: bool | None = None
    q: str = ""
    received_from: date | None = None
    received_to: date | None = None


@dataclass
class Page:
    items: list[HelpRequest]
    next_cursor: str | None


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def filter_requests(
    queryset: QuerySet[HelpRequest], filters: RequestFilters
) -> QuerySet[HelpRequest]:
    if (
        filters.received_from
        and filters.received_to
        and filters.received_from > filters.received_to
    ):
        raise InvalidInput.for_field("received_to", _("The end date is before the start date."))
    # One status list, so the database sees a single IN it can match against the open-queue
    # partial index, and estimates the rows of an "overdue" query correctly.
    statuses = set(filters.statuses) if filters.statuses else None
    now = timezone.now()
    if filters.overdue is True:
        statuses = statuses & OPEN_STATUSES if statuses is not None else set(OPEN_STATUSES)
        queryset = queryset.filter(due_at__lt=now)
    elif filters.overdue is False:
        queryset = queryset.exclude(status__in=sorted(OPEN_STATUSES), due_at__lt=now)
    if statuses is not None:
        queryset = queryset.filter(status__in=sorted(statuses))
    if filters.category:
        queryset = queryset.filter(category_id=filters.category)
    if filters.urgency:
        queryset = queryset.filter(urgency=filters.urgency)
    if filters.channel:
        queryset = queryset.filter(channel=filters.channel)
    if filters.division:
        # A county's code also finds the requests filed under its streets. The codes are
        # looked up first: a handful of values the planner can estimate, not a join.
        codes = list(
            Division.objects.filter(
                Q(code=filters.division) | Q(parent_id=filters.division)
            ).values_list("code", flat=True)
        )
        queryset = queryset.filter(division_id__in=codes)
    if filters.group:
        group_id = Group.objects.filter(code=filters.group).values_list("id", flat=True).first()
        queryset = queryset.filter(lead_group_id=group_id) if group_id else queryset.none()
    if filters.q:
        text = filters.q.strip()
        if _NUMBER.match(text):
            queryset = queryset.filter(number=text)
        else:
            queryset = queryset.filter(
                Q(summary__icontains=text)
                | Q(description__icontains=text)
                | Q(address__icontains=text)
            )
    if filters.received_from:
        queryset = queryset.filter(received_at__gte=_day_start(filters.received_from))
    if filters.received_to:
        queryset = queryset.filter(
            received_at__lt=_day_start(filters.received_to + timedelta(days=1))
        )
    return queryset


def request_queue(
    *,
    actor: Actor,
    filters: RequestFilters,
    cursor: str | None = None,
    limit: int = 50,
    columns: Sequence[str] = (),
) -> Page:
    """Requests ``actor`` may see, most urgent first, then nearest deadline; keyset-paged.

    Keyset paging (rather than OFFSET) keeps the 1,000th page as fast as the first on a
    million rows, and a request that changes state while someone pages does not make them
    skip or repeat a row.

    ``columns`` (names as ``QuerySet.only`` takes them) loads just what the caller shows: a
    request has about forty columns, long texts and a dozen timestamps among them, and the
    requester's encrypted ID number is decrypted on load. Any other field read from the
    rows then costs a query per row, so a caller that passes it must list all it reads.
    """
    limit = max(1, min(limit, MAX_PAGE))
    queryset = filter_requests(visible_requests(actor), filters)
    if cursor:
        try:
            priority, due_at_text, last_id = decode_cursor(cursor, length=3)
            due_at = parse_datetime(str(due_at_text))
            if due_at is None:
                raise BadCursor(cursor)
            priority, last_id = int(priority), int(last_id)
        except (BadCursor, TypeError, ValueError):
            raise InvalidInput.for_field(
                "cursor", _("This cursor is not valid; start again from the first page.")
            ) from None
        # A row-value comparison lets the database walk the (priority, due_at, id) index.
        queryset = queryset.filter(
            RawSQL(
                '("core_helprequest"."priority", "core_helprequest"."due_at", "core_helprequest"."id")'
                " > (%s, %s, %s)",
                (priority, connection.ops.adapt_datetimefield_value(due_at), last_id),
                output_field=BooleanField(),
            )
        )
    queryset = queryset.select_related("category", "division__parent", "lead_group", "requester")
    if columns:
        # The keyset's own columns are always needed for the next cursor.
        queryset = queryset.only("priority", "due_at", *columns)
    rows = list(queryset.order_by("priority", "due_at", "id")[: limit + 1])
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = encode_cursor([last.priority, last.due_at.isoformat(), last.pk])
    return Page(items=rows, next_cursor=next_cursor)


def request_timeline(help_request: HelpRequest) -> QuerySet[Event]:
    return help_request.events.select_related("actor").order_by("created_at", "id")


def requests_by_phone(*, actor: Actor, phone: str, limit: int = 20) -> QuerySet[HelpRequest]:
    """A caller's earlier requests, newest first (found by the phone's keyed hash)."""
    key = phone_lookup_hash(phone)
    if not key:
        # No digits: "" is also the hash of every purged requester's phone.
        return HelpRequest.objects.none()
    return (
        visible_requests(actor)
        .filter(requester__phone_hash=key)
        .select_related("category")
        .order_by("-received_at")[:limit]
    )


#: How long a similar request from the same street and category still counts as a likely
#: duplicate: neighbours tend to call about the same burst pipe or missing delivery within
#: hours, not days.
DUPLICATE_WINDOW = timedelta(hours=24)
#: Share of character pairs (Dice coefficient) from which two texts count as alike. Low on
#: purpose: the operator is warned, never stopped, and two people tell one story differently.
DUPLICATE_SIMILARITY = 0.25
#: The most recent requests of a street and category compared with the text, at most.
DUPLICATE_CANDIDATES = 200


@dataclass(frozen=True)
class PossibleDuplicate:
    """A request the new one may repeat: the same caller's open one, or a similar one nearby."""

    request: HelpRequest
    same_caller: bool
    similarity: float


def possible_duplicates(
    *,
    actor: Actor,
    phone: str = "",
    division: str = "",
    category: str = "",
    text: str = "",
    now: datetime | None = None,
    limit: int = 5,
) -> list[PossibleDuplicate]:
    """Requests that a request about to be filed may repeat, most likely first.

    Two rules, either is enough: an open request from the same phone (the caller may be
    chasing it), or a request from the same street (``division`` code) and ``category``
    received in the last 24 hours whose text is similar to ``text``. Merged requests are
    left out: one should be merged into the request they were merged into, not into them.
    """
    now = now or timezone.now()
    visible = visible_requests(actor).select_related("category", "division__parent")
    words = bigrams(text)
    found: dict[int, PossibleDuplicate] = {}
    phone_key = phone_lookup_hash(phone)
    if phone_key:
        same_phone = visible.filter(
            requester__phone_hash=phone_key, status__in=sorted(OPEN_STATUSES)
        )
        for hr in same_phone.order_by("-received_at")[:limit]:
            found[hr.pk] = PossibleDuplicate(
                request=hr,
                same_caller=True,
                similarity=similarity(words, f"{hr.summary} {hr.description}"),
            )
    if division and category and words:
        nearby = (
            visible.filter(
                division_id=division, category_id=category, received_at__gte=now - DUPLICATE_WINDOW
            )
            .exclude(status=Status.MERGED)
            .order_by("-received_at")[:DUPLICATE_CANDIDATES]
        )
        for hr in nearby:
            if hr.pk in found:
                continue
            score = similarity(words, f"{hr.summary} {hr.description}")
            if score >= DUPLICATE_SIMILARITY:
                found[hr.pk] = PossibleDuplicate(request=hr, same_caller=False, similarity=score)
    ranked = sorted(
        found.values(),
        key=lambda d: (not d.same_caller, -d.similarity, -d.request.received_at.timestamp()),
    )
    return ranked[:limit]
