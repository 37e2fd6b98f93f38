"""The day's numbers (数据): counts, breakdowns and the three rates for any period.

Every number is defined once, here, as a filter on ``HelpRequest``: the report counts it and
the list behind the number applies the same filter, so a number and its list always agree.
Counting is done by the database, grouped by all five dimensions at once, and rolled up in
Python, so a breakdown sums to its total by construction and one scan serves five tables.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connections, transaction
from django.db.models import (
    Case,
    Count,
    DateTimeField,
    DurationField,
    ExpressionWrapper,
    F,
    IntegerField,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Substr, TruncDate
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.models import (
    OPEN_STATUSES,
    Category,
    Channel,
    Division,
    Event,
    Group,
    HelpRequest,
    Satisfaction,
    Status,
    Urgency,
)
from reports.periods import MIDNIGHT, Period

#: The counts, in the order a report prints them.
METRICS: tuple[str, ...] = ("received", "resolved", "open", "overdue", "merged", "returned")
#: Named as a count ("受理 97 件"), not as a request's state ("已受理"), hence the context.
METRIC_NAMES: dict[str, Any] = {
    "received": pgettext_lazy("report count", "Received"),
    "resolved": pgettext_lazy("report count", "Resolved"),
    "open": pgettext_lazy("report count", "Open at cut-off"),
    "overdue": pgettext_lazy("report count", "Overdue at cut-off"),
    "merged": pgettext_lazy("report count", "Merged"),
    "returned": pgettext_lazy("report count", "Returned"),
}
#: What each count means, printed beside it.
METRIC_DEFINITIONS: dict[str, Any] = {
    "received": _("requests received in the period"),
    "resolved": _("requests resolved in the period, whenever they were received"),
    "open": _("requests received before the cut-off and neither resolved nor merged by it"),
    "overdue": _("open at the cut-off and past a deadline at it (dispatch, accept or resolve)"),
    "merged": _("requests merged into another in the period"),
    "returned": _("requests returned to the dispatcher in the period"),
}
#: Flows happen within the period; stocks are a state at its end.
FLOWS = ("received", "resolved", "merged", "returned")
STOCKS = ("open", "overdue")

DIMENSIONS: tuple[str, ...] = ("channel", "category", "urgency", "county", "group")
DIMENSION_NAMES: dict[str, Any] = {
    "channel": _("Channel"),
    "category": _("Category"),
    "urgency": _("Urgency"),
    "county": _("County"),
    "group": _("Lead group"),
}
#: The key a dimension's value is stored under when a request has none (not yet dispatched).
NONE_KEY = "-"

RATES: tuple[str, ...] = ("response", "resolution", "satisfaction")
RATE_NAMES: dict[str, Any] = {
    "response": _("Response rate"),
    "resolution": _("Resolution rate"),
    "satisfaction": _("Satisfaction rate"),
}
#: The formulas of DESIGN.md, printed beside every rate.
RATE_FORMULAS: dict[str, Any] = {
    "response": _(
        "requests accepted within the accept deadline / requests due for acceptance in the "
        "period (merged requests excluded; one answered on the line counts as accepted then)"
    ),
    "resolution": _(
        "requests received in the period and resolved by the cut-off (not merged, not "
        "returned) / requests received in the period"
    ),
    "satisfaction": _("(satisfied + basically satisfied) / requests rated in the period"),
}
#: The list behind each side of a rate.
RATE_PARTS: dict[str, tuple[str, str]] = {
    "response": ("accepted_in_time", "due_for_acceptance"),
    "resolution": ("resolved_of_received", "received"),
    "satisfaction": ("satisfied", "rated"),
}


# --- Filters: one per number ------------------------------------------------------------------


def _events_in(kind: str, period: Period) -> QuerySet[Event, Any]:
    return Event.objects.filter(
        kind=kind, created_at__gte=period.start, created_at__lt=period.end
    ).values("help_request_id")


def _received(p: Period) -> Q:
    return Q(received_at__gte=p.start, received_at__lt=p.end)


def _open(p: Period) -> Q:
    """Open at the cut-off, written so that each branch can use an index.

    A request received before the end is open at it unless it was resolved or merged before
    it: it is open now, or was resolved after the end, or was merged after the end.
    """
    merged_after = Event.objects.filter(kind=Event.Kind.MERGED, created_at__gte=p.end).values(
        "help_request_id"
    )
    return Q(received_at__lt=p.end) & (
        Q(status__in=sorted(OPEN_STATUSES))
        | Q(resolved_at__gte=p.end)
        | Q(status=Status.MERGED, pk__in=merged_after)
    )


def _overdue(p: Period) -> Q:
    late = (
        Q(resolve_due_at__lt=p.end)
        | (Q(accept_due_at__lt=p.end) & (Q(accepted_at=None) | Q(accepted_at__gte=p.end)))
        | (Q(dispatch_due_at__lt=p.end) & (Q(dispatched_at=None) | Q(dispatched_at__gte=p.end)))
    )
    return _open(p) & late


def _due_for_acceptance(p: Period) -> Q:
    return Q(accept_due_at__gte=p.start, accept_due_at__lt=p.end) & ~Q(status=Status.MERGED)


_ANSWERED_AT = Coalesce("accepted_at", "resolved_at")


def _rated(p: Period) -> Q:
    return Q(closed_at__gte=p.start, closed_at__lt=p.end) & ~Q(satisfaction="")


FILTERS: dict[str, Any] = {
    "received": _received,
    "resolved": lambda p: Q(resolved_at__gte=p.start, resolved_at__lt=p.end),
    "open": _open,
    "overdue": _overdue,
    "merged": lambda p: Q(pk__in=_events_in(Event.Kind.MERGED, p)),
    "returned": lambda p: Q(pk__in=_events_in(Event.Kind.RETURNED, p)),
    "reopened": lambda p: Q(pk__in=_events_in(Event.Kind.REOPENED, p)),
    "critical": lambda p: _received(p) & Q(urgency=Urgency.CRITICAL),
    # The two sides of each rate.
    "due_for_acceptance": _due_for_acceptance,
    "resolved_of_received": lambda p: _received(p) & Q(resolved_at__lt=p.end),
    "rated": _rated,
    "satisfied": lambda p: (
        _rated(p) & Q(satisfaction__in=[Satisfaction.SATISFIED, Satisfaction.BASICALLY_SATISFIED])
    ),
}
#: "accepted in time" compares two columns, so it needs an annotation first.
ANNOTATED = {"accepted_in_time"}


def requests_for(metric: str, period: Period, **dimensions: str) -> QuerySet[HelpRequest]:
    """The requests behind one number: ``metric`` in ``period``, narrowed by dimension values.

    ``dimensions`` are the keys a breakdown row carries (``category="policy"``,
    ``county="410802"``, ``group="-"`` for not yet dispatched).
    """
    queryset = HelpRequest.objects.all()
    if metric == "accepted_in_time":
        queryset = queryset.annotate(answered_at=_ANSWERED_AT).filter(
            _due_for_acceptance(period), answered_at__lte=F("accept_due_at")
        )
    elif metric in FILTERS:
        queryset = queryset.filter(FILTERS[metric](period))
    else:
        raise KeyError(metric)
    for name, value in dimensions.items():
        queryset = queryset.filter(_dimension_q(name, value))
    return queryset


def _dimension_q(name: str, value: str) -> Q:
    if name == "channel":
        return Q(channel=value)
    if name == "category":
        return Q(category_id=value)
    if name == "urgency":
        return Q(urgency=value)
    if name == "county":
        return Q(division__code__startswith=value)
    if name == "group":
        return Q(lead_group=None) if value == NONE_KEY else Q(lead_group__code=value)
    raise KeyError(name)


# --- Counting ---------------------------------------------------------------------------------

#: The columns every count is grouped by; ``county`` is the first six digits of the division
#: code (GB/T 2260: a street's code starts with its county's).
_GROUP_COLUMNS = ("channel", "category_id", "urgency", "county", "lead_group_id")


def _grouped(queryset: QuerySet[HelpRequest], **counts: Any) -> list[dict[str, Any]]:
    return rows_of(
        queryset.annotate(county=Substr("division_id", 1, 6))
        .values(*_GROUP_COLUMNS)
        .annotate(**counts)
        .order_by()
    )


#: Memory PostgreSQL may use per sort or hash while the report counts (its default is 4 MB).
#: It guesses ~10^5 cells for a GROUP BY over five columns (it cannot know they are
#: correlated) and, fearing a hash table that big, sorts a day of 10^6 rows on disk instead:
#: 1.3 s of a 2.5 s query. The real table is ~10^4 cells, a few MB.
REPORT_WORK_MEM = "64MB"


def rows_of(queryset: QuerySet[Any, Any]) -> list[Any]:
    """Run one of the report's big grouped queries, on PostgreSQL with room to hash in memory.

    ``SET LOCAL`` lasts until the end of the transaction, so the setting never leaks into
    the connection's other work.
    """
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return list(queryset)
    with transaction.atomic(using=queryset.db), connection.cursor() as cursor:
        cursor.execute("SELECT set_config('work_mem', %s, true)", [REPORT_WORK_MEM])
        return list(queryset)


@dataclass
class Labels:
    """Display names for dimension keys, read once per report."""

    categories: dict[str, str]
    counties: dict[str, str]
    groups: dict[int, tuple[str, str]]  # id -> (code, name)

    @classmethod
    def load(cls) -> Labels:
        return cls(
            categories={c.code: c.display_name for c in Category.objects.all()},
            counties={
                d.code: d.display_name for d in Division.objects.filter(level=Division.Level.COUNTY)
            },
            groups={g.pk: (g.code, g.display_name) for g in Group.objects.all()},
        )

    def key(self, dimension: str, row: dict[str, Any]) -> str:
        if dimension == "channel":
            return str(row["channel"])
        if dimension == "category":
            return str(row["category_id"])
        if dimension == "urgency":
            return str(row["urgency"])
        if dimension == "county":
            return str(row["county"])
        group_id = row["lead_group_id"]
        return self.groups[group_id][0] if group_id in self.groups else NONE_KEY

    def name(self, dimension: str, key: str) -> str:
        if dimension == "channel":
            return str(Channel(key).label) if key in Channel.values else key
        if dimension == "urgency":
            return str(Urgency(key).label) if key in Urgency.values else key
        if dimension == "category":
            return self.categories.get(key, key)
        if dimension == "county":
            return self.counties.get(key, key)
        if key == NONE_KEY:
            return str(_("Not yet dispatched"))
        by_code = dict(self.groups.values())
        return by_code.get(key, key)

    def order(self, dimension: str) -> list[str]:
        """The usual order of a dimension's values, so tables read the same every day."""
        if dimension == "channel":
            return list(Channel.values)
        if dimension == "urgency":
            return list(Urgency.values)
        if dimension == "category":
            return list(self.categories)
        if dimension == "county":
            return sorted(self.counties)
        return [code for code, _name in self.groups.values()] + [NONE_KEY]


def _in_time() -> Q:
    """Answered (accepted, or resolved on the line) by the accept deadline."""
    return Q(accept_due_at__gte=_ANSWERED_AT)


#: What each pass can count, by name: the filter that defines it. ``accepted`` and the two
#: ``*_total`` sums are for the group table; the rest are the report's own numbers.
_PASS_COUNTS: dict[str, Any] = {
    "received": _received,
    "resolved": FILTERS["resolved"],
    "open": _open,
    "overdue": _overdue,
    "resolved_of_received": FILTERS["resolved_of_received"],
    "due_for_acceptance": _due_for_acceptance,
    "accepted_in_time": lambda p: _due_for_acceptance(p) & _in_time(),
    "rated": _rated,
    "satisfied": FILTERS["satisfied"],
    "accepted": lambda p: _received(p) & Q(accepted_at__isnull=False),
}
#: The rows a pass must read: a count's filter implies one of these, so their union (the
#: WHERE clause) never drops a row a count needs; each count still applies its own filter.
_PASS_COVERS: dict[str, str] = {
    "overdue": "open",
    "resolved_of_received": "received",
    "accepted_in_time": "due_for_acceptance",
    "satisfied": "rated",
    "accepted": "received",
}
#: Durations summed for the group table, each over the rows of one count.
_PASS_SUMS: dict[str, tuple[str, str]] = {
    "accept_total": ("accepted", "accepted_at"),
    "resolve_total": ("resolved", "resolved_at"),
}
_DAY_COUNTS = ("received", "resolved", "open", "overdue")
_RATE_COUNTS = tuple(name for pair in RATE_PARTS.values() for name in pair)
_GROUP_COUNTS = ("received", "accepted", "resolved", "rated", "satisfied")


def _pass(
    period: Period, names: Iterable[str], *, grouped: bool, sums: bool = False
) -> list[dict[str, Any]]:
    """Several counts of ``period`` in one read of the table: one row per dimension cell.

    Counting each number in its own query read the period's rows once per number; on a day
    of 10^6 requests each read costs 0.5 to 1 s. Here one WHERE takes the union of the
    rows the counts need and each count keeps its own FILTER, so every number is exactly its
    definition. ``grouped=False`` gives one row of totals.
    """
    wanted = list(dict.fromkeys(names))
    counts: dict[str, Any] = {
        name: Count("id", filter=_PASS_COUNTS[name](period)) for name in wanted
    }
    if sums:
        duration = DurationField()
        for total, (over, column) in _PASS_SUMS.items():
            counts[total] = Sum(
                ExpressionWrapper(F(column) - F("received_at"), output_field=duration),
                filter=_PASS_COUNTS[over](period),
            )
    union = Q()
    for name in dict.fromkeys(_PASS_COVERS.get(n, n) for n in wanted):
        union |= _PASS_COUNTS[name](period)
    queryset = HelpRequest.objects.filter(union)
    if not grouped:
        return [queryset.aggregate(**counts)]
    return _grouped(queryset, **counts)


def _merged_or_returned(period: Period) -> list[dict[str, Any]]:
    """Merged and returned counts by cell, starting from the period's few events.

    One ``IN`` over both kinds lets the database start from the events index and look the
    requests up by key; two ``IN``s joined by OR made it read the whole request table.
    """
    moved = Event.objects.filter(
        kind__in=[Event.Kind.MERGED, Event.Kind.RETURNED],
        created_at__gte=period.start,
        created_at__lt=period.end,
    ).values("help_request_id")
    return _grouped(
        HelpRequest.objects.filter(pk__in=moved),
        merged=Count("id", filter=FILTERS["merged"](period)),
        returned=Count("id", filter=FILTERS["returned"](period)),
    )


def _int(value: Any) -> int:
    return int(value or 0)


def count_breakdowns(period: Period, labels: Labels | None = None) -> dict[str, Any]:
    """Every count, its total and its five breakdowns, for ``period``.

    Two grouped queries: one pass over the period's requests (received, resolved, open and
    overdue, and on the way the parts of the rates and the group table's sums), and one over
    the requests merged or returned in the period. Besides ``totals`` and ``breakdowns`` the
    result carries ``parts`` (as ``rate_parts`` would count them) and ``groups`` (per lead
    group id, for ``judgment.group_performance``), so the report does not read the rows again.
    """
    labels = labels or Labels.load()
    names = (*_DAY_COUNTS, *_RATE_COUNTS, *_GROUP_COUNTS)
    day_rows = _pass(period, names, grouped=True, sums=True)
    totals = dict.fromkeys(METRICS, 0)
    cells: dict[str, dict[str, dict[str, int]]] = {
        d: defaultdict(lambda: dict.fromkeys(METRICS, 0)) for d in DIMENSIONS
    }
    parts = dict.fromkeys(_RATE_COUNTS, 0)
    for rows, metrics in (
        (day_rows, _DAY_COUNTS),
        (_merged_or_returned(period), ("merged", "returned")),
    ):
        for row in rows:
            for metric in metrics:
                value = _int(row[metric])
                if not value:
                    continue
                totals[metric] += value
                for dimension in DIMENSIONS:
                    cells[dimension][labels.key(dimension, row)][metric] += value
    for row in day_rows:
        for name in _RATE_COUNTS:
            parts[name] += _int(row[name])
    breakdowns: dict[str, list[dict[str, Any]]] = {}
    for dimension in DIMENSIONS:
        found = cells[dimension]
        order = labels.order(dimension)
        keys = [k for k in order if k in found] + sorted(k for k in found if k not in order)
        breakdowns[dimension] = [
            {"key": key, "name": labels.name(dimension, key), **found[key]} for key in keys
        ]
    return {
        "totals": totals,
        "breakdowns": breakdowns,
        "parts": parts,
        "groups": _group_table(day_rows),
    }


def rate_parts(period: Period) -> dict[str, int]:
    """The numerators and denominators of the three rates, each a direct count, in one query."""
    (row,) = _pass(period, _RATE_COUNTS, grouped=False)
    return {name: _int(row[name]) for name in _RATE_COUNTS}


def rates_from(parts: dict[str, int]) -> dict[str, dict[str, Any]]:
    """Each rate with its two sides; ``value`` is None when nothing was due (no 0/0 = 0 %)."""
    out: dict[str, dict[str, Any]] = {}
    for rate, (top, bottom) in RATE_PARTS.items():
        numerator, denominator = parts.get(top, 0), parts.get(bottom, 0)
        out[rate] = {
            "numerator": numerator,
            "denominator": denominator,
            "numerator_metric": top,
            "denominator_metric": bottom,
            "value": round(numerator / denominator, 4) if denominator else None,
        }
    return out


def totals_only(period: Period) -> dict[str, int]:
    """The six counts without breakdowns (for the comparison columns).

    Kept as separate counts: for a day other than the busy one each uses its own index, and
    one pass over their union measured slower (0.41 s against 0.16-0.28 s on the 10^6 day's
    eve).
    """
    counts = {
        m: HelpRequest.objects.filter(FILTERS[m](period)).count()
        for m in ("received", "resolved", "merged", "returned")
    }
    stock = HelpRequest.objects.filter(_open(period)).aggregate(
        open=Count("id"), overdue=Count("id", filter=_overdue(period))
    )
    return {**counts, "open": int(stock["open"]), "overdue": int(stock["overdue"])}


def group_sums(period: Period) -> dict[int, dict[str, Any]]:
    """Per lead group id: the counts and summed durations behind the group table.

    ``count_breakdowns`` returns the same as its ``groups``; this is for a caller without it.
    """
    return _group_table(_pass(period, _GROUP_COUNTS, grouped=True, sums=True))


def _group_table(rows: Iterable[dict[str, Any]]) -> dict[int, dict[str, Any]]:
    """Roll pass rows up by lead group; a group is in it when it received, resolved or had a
    request rated in the period (a group with only older open requests is not)."""
    groups: dict[int, dict[str, Any]] = defaultdict(dict)
    for row in rows:
        if row["lead_group_id"] is None:
            continue
        group = groups[row["lead_group_id"]]
        for name in _GROUP_COUNTS:
            group[name] = group.get(name, 0) + _int(row[name])
        for total in _PASS_SUMS:
            if row[total] is not None:
                group[total] = group.get(total, timedelta(0)) + row[total]
    return {
        group_id: values
        for group_id, values in groups.items()
        if values["received"] or values["resolved"] or values["rated"]
    }


# --- Many days at once: the trend -------------------------------------------------------------


def _day_of(column: str, period_cutoff: Any) -> TruncDate:
    """The reporting day a timestamp falls in: shift by the hours after the cut-off, then date.

    With cut-off 17:00, 18:00 on the 13th is shifted 7 hours to 01:00 on the 14th: day 14.
    """
    shift = (
        timedelta(0)
        if period_cutoff == MIDNIGHT
        else timedelta(days=1) - timedelta(hours=period_cutoff.hour, minutes=period_cutoff.minute)
    )
    moment = ExpressionWrapper(F(column) + Value(shift), output_field=DateTimeField())
    return TruncDate(moment, tzinfo=ZoneInfo(settings.TIME_ZONE))


def daily_series(days: Iterable[date], cutoff: Any) -> dict[date, dict[str, int]]:
    """Flow counts and rate parts per reporting day, in one grouped query.

    Stocks (open, overdue) are a state at one moment and are not in the series.

    Each request is counted on the reporting day of the moment that defines each number
    (received, resolved, accept deadline, closed). The query groups the span's requests by
    those four days and by three yes/no facts (merged, answered in time, rated and how), and
    the days are added up here, so the span is read once rather than once per number; on 30
    days of 10^7 requests each read takes seconds.
    """
    from reports.periods import day_period

    wanted = sorted(set(days))
    if not wanted:
        return {}
    span = Period(
        start=day_period(wanted[0], cutoff).start,
        end=day_period(wanted[-1], cutoff).end,
        cutoff=cutoff,
    )
    series: dict[date, dict[str, int]] = {
        d: dict.fromkeys(
            (
                "received",
                "resolved",
                "resolved_of_received",
                "due_for_acceptance",
                "accepted_in_time",
                "rated",
                "satisfied",
            ),
            0,
        )
        for d in wanted
    }
    satisfied = {Satisfaction.SATISFIED, Satisfaction.BASICALLY_SATISFIED}
    rows = rows_of(
        HelpRequest.objects.filter(
            _received(span) | FILTERS["resolved"](span) | _due_for_acceptance(span) | _rated(span)
        )
        .annotate(
            received_day=_day_of("received_at", cutoff),
            resolved_day=_day_of("resolved_at", cutoff),
            due_day=_day_of("accept_due_at", cutoff),
            closed_day=_day_of("closed_at", cutoff),
            merged=_flag(Q(status=Status.MERGED)),
            in_time=_flag(_in_time()),
        )
        .values(
            "received_day",
            "resolved_day",
            "due_day",
            "closed_day",
            "merged",
            "in_time",
            "satisfaction",
        )
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in rows:
        n = int(row["n"])
        received_day, resolved_day = row["received_day"], row["resolved_day"]
        if received_day in series:
            series[received_day]["received"] += n
            # Resolved by the cut-off of the day it came in: the same reporting day.
            if resolved_day == received_day:
                series[received_day]["resolved_of_received"] += n
        if resolved_day in series:
            series[resolved_day]["resolved"] += n
        if row["due_day"] in series and not row["merged"]:
            series[row["due_day"]]["due_for_acceptance"] += n
            if row["in_time"]:
                series[row["due_day"]]["accepted_in_time"] += n
        if row["closed_day"] in series and row["satisfaction"]:
            series[row["closed_day"]]["rated"] += n
            if row["satisfaction"] in satisfied:
                series[row["closed_day"]]["satisfied"] += n
    return series


def _flag(condition: Q) -> Case:
    """1 where ``condition`` holds, else 0 (also when it is unknown, as a filter treats NULL)."""
    return Case(When(condition, then=Value(1)), default=Value(0), output_field=IntegerField())


def localtime_label(moment: datetime) -> str:
    return moment.astimezone(ZoneInfo(settings.TIME_ZONE)).strftime("%Y-%m-%d %H:%M")
