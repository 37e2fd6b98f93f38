"""What the report's pages show, shaped for the templates: every number with the link behind it.

The issued report (a stored snapshot) and the live figures have the same shape, so both go
through the same functions here and render with the same partial templates; a number on one
page reads and links exactly like the same number on the other.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count
from django.db.models.functions import Substr
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from reports import figures, snapshot
from reports.narrative import percent
from reports.periods import Period, current_day, cutoff_label, day_period

#: Names of every number a list can be asked for, the counts' own names first.
METRIC_LABELS: dict[str, Promise] = {
    **figures.METRIC_NAMES,
    "reopened": _("Reopened"),
    "critical": _("Critical, received"),
    "due_for_acceptance": _("Due for acceptance"),
    "accepted_in_time": _("Accepted within the deadline"),
    "resolved_of_received": _("Received and resolved by the cut-off"),
    "rated": _("Rated"),
    "satisfied": _("Satisfied or basically satisfied"),
}
#: Every metric ``figures.requests_for`` knows.
LIST_METRICS = frozenset(figures.FILTERS) | frozenset(figures.ANNOTATED)


def _tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def moment_param(moment: datetime) -> str:
    """A moment as a query parameter ``periods.parse_moment`` reads back: local time, no zone.

    Whole minutes stay short (``2022-01-14T00:00``); a "so far" end keeps its seconds so the
    list behind a number covers exactly the span the number counted.
    """
    local = moment.astimezone(_tz()).replace(tzinfo=None)
    if local.second == 0 and local.microsecond == 0:
        return local.strftime("%Y-%m-%dT%H:%M")
    return local.isoformat(timespec="seconds")


@dataclass(frozen=True)
class Drill:
    """The address of the list behind any number of one period (and, for a report, which one)."""

    start: str
    end: str
    report: int | None = None

    @classmethod
    def for_period(cls, period: Period, report: int | None = None) -> Drill:
        return cls(start=moment_param(period.start), end=moment_param(period.end), report=report)

    @classmethod
    def for_stored(cls, stored: dict[str, Any], report: int | None = None) -> Drill:
        """From a stored ``Period.as_dict()``."""
        return cls(
            start=moment_param(datetime.fromisoformat(stored["start"])),
            end=moment_param(datetime.fromisoformat(stored["end"])),
            report=report,
        )

    def url(self, metric: str, **dimensions: str) -> str:
        params: dict[str, str] = {"metric": metric, "start": self.start, "end": self.end}
        params.update(dimensions)
        if self.report is not None:
            params["report"] = str(self.report)
        return f"{reverse('reports:requests')}?{urlencode(params)}"


def live_figures(period: Period) -> dict[str, Any]:
    """The numbers of ``period`` computed now, in the snapshot's shape (without judgment)."""
    labels = figures.Labels.load()
    counted = figures.count_breakdowns(period, labels)
    rates = figures.rates_from(figures.rate_parts(period))
    for name, rate in rates.items():
        rate["name"] = str(figures.RATE_NAMES[name])
        rate["formula"] = str(figures.RATE_FORMULAS[name])
    return {
        "period": period.as_dict(),
        "empty": counted["totals"]["received"] == 0,
        "totals": counted["totals"],
        "breakdowns": counted["breakdowns"],
        "rates": rates,
        "metric_names": {k: str(v) for k, v in figures.METRIC_NAMES.items()},
        "definitions": {k: str(v) for k, v in figures.METRIC_DEFINITIONS.items()},
        "dimension_names": {k: str(v) for k, v in figures.DIMENSION_NAMES.items()},
        **snapshot.comparison(period),
    }


def figure_tables(data: dict[str, Any], drill: Drill) -> dict[str, Any]:
    """Counts with their comparisons, rates with both sides, and the five breakdowns, linked."""
    previous = data.get("previous_day") or {}
    week = data.get("previous_7_days") or {}
    previous_drill = Drill.for_stored(previous["period"]) if previous.get("period") else None
    counts = []
    for metric in figures.METRICS:
        before = (previous.get("totals") or {}).get(metric)
        counts.append(
            {
                "metric": metric,
                "name": data["metric_names"].get(metric, metric),
                "definition": data["definitions"].get(metric, ""),
                "value": data["totals"][metric],
                "url": drill.url(metric),
                "previous": before,
                "previous_url": previous_drill.url(metric)
                if previous_drill and before is not None
                else "",
                "week_mean": (week.get("daily_mean") or {}).get(metric),
            }
        )
    rates = []
    for key in figures.RATES:
        rate = data["rates"][key]
        rates.append(
            {
                "key": key,
                "name": rate.get("name") or str(figures.RATE_NAMES[key]),
                "formula": rate.get("formula") or str(figures.RATE_FORMULAS[key]),
                "value": percent(rate["value"]),
                "numerator": rate["numerator"],
                "denominator": rate["denominator"],
                "numerator_url": drill.url(rate["numerator_metric"]),
                "denominator_url": drill.url(rate["denominator_metric"]),
                "previous": percent((previous.get("rates") or {}).get(key)),
                "week": percent((week.get("rates") or {}).get(key)),
            }
        )
    breakdowns = []
    for dimension in figures.DIMENSIONS:
        rows = [
            {
                "key": row["key"],
                "name": row["name"],
                "cells": [
                    {"value": row[m], "url": drill.url(m, **{dimension: row["key"]})}
                    for m in figures.METRICS
                ],
            }
            for row in data["breakdowns"][dimension]
        ]
        breakdowns.append(
            {
                "dimension": dimension,
                "name": data["dimension_names"].get(dimension, dimension),
                "rows": rows,
                "total": [
                    {"value": data["totals"][m], "url": drill.url(m)} for m in figures.METRICS
                ],
            }
        )
    return {
        "counts": counts,
        "rates": rates,
        "breakdowns": breakdowns,
        "metric_heads": [data["metric_names"].get(m, m) for m in figures.METRICS],
        "previous_label": (previous.get("period") or {}).get("label", ""),
        "week_label": (week.get("period") or {}).get("label", ""),
    }


def judgment_view(data: dict[str, Any], drill: Drill) -> dict[str, Any]:
    """The judgment section with a link behind each of its numbers."""
    found = data["judgment"]
    rising = [
        {**row, "url": drill.url(row.get("metric", "received"), **{row["dimension"]: row["key"]})}
        for row in found["rising"]
    ]
    key_cases = []
    for kind in ("critical", "overdue", "reopened"):
        block = found["key_cases"].get(kind)
        if block:
            key_cases.append({"kind": kind, **block, "url": drill.url(block["metric"])})
    groups = [
        {
            **row,
            "satisfaction_text": percent(row["satisfaction"]),
            "urls": {
                m: drill.url(m, group=row["group"])
                for m in ("received", "resolved", "overdue", "rated", "satisfied")
            },
        }
        for row in found["groups"]
    ]
    return {
        "rising": rising,
        "rising_test": found.get("rising_test", ""),
        "clusters": found["clusters"],
        "cluster_test": found.get("cluster_test", ""),
        "hot_words": found["hot_words"],
        "key_cases": key_cases,
        "groups": groups,
    }


def chart_data(data: dict[str, Any], trend: list[dict[str, Any]]) -> dict[str, Any]:
    """What the three charts draw; names are translated here, the script only draws."""
    by_category = sorted(
        (r for r in data["breakdowns"]["category"] if r["received"]), key=lambda r: -r["received"]
    )
    return {
        "labels": chart_labels(),
        "trend": trend_series(trend),
        "category": {
            "names": [r["name"] for r in by_category],
            "received": [r["received"] for r in by_category],
            "resolved": [r["resolved"] for r in by_category],
        },
        "county": {
            "names": [r["name"] for r in data["breakdowns"]["county"]],
            "received": [r["received"] for r in data["breakdowns"]["county"]],
            "open": [r["open"] for r in data["breakdowns"]["county"]],
        },
    }


def chart_labels() -> dict[str, str]:
    return {
        "received": str(METRIC_LABELS["received"]),
        "resolved": str(METRIC_LABELS["resolved"]),
        "resolution": str(figures.RATE_NAMES["resolution"]),
        "open": str(METRIC_LABELS["open"]),
        "percent": "%",
    }


def trend_series(trend: list[dict[str, Any]]) -> dict[str, list[Any]]:
    return {
        "days": [row["day"][5:] for row in trend],
        "received": [row["received"] for row in trend],
        "resolved": [row["resolved"] for row in trend],
        "resolution": [_rate_point(row.get("resolution")) for row in trend],
    }


def _rate_point(value: float | None) -> float | None:
    return None if value is None else round(value * 100, 1)


# --- The dashboard ----------------------------------------------------------------------------


def _counts_of(period: Period) -> dict[str, int]:
    counts = figures.totals_only(period)
    counts["critical"] = figures.requests_for("critical", period).count()
    return counts


DASHBOARD_COUNTS = ("received", "resolved", "open", "overdue", "critical")
#: The counts of the dashboard's table per county.
COUNTY_METRICS = ("received", "resolved", "open", "overdue")


def dashboard(now: datetime, cutoff: time) -> dict[str, Any]:
    """Today so far against yesterday up to the same time of day, per county, and the trend."""
    today = current_day(now, cutoff)
    so_far = Period(start=day_period(today, cutoff).start, end=now, cutoff=cutoff)
    yesterday = so_far.shifted(-1)
    now_counts, before_counts = _counts_of(so_far), _counts_of(yesterday)
    drill, before_drill = Drill.for_period(so_far), Drill.for_period(yesterday)
    counts = [
        {
            "metric": metric,
            "name": METRIC_LABELS[metric],
            "value": now_counts[metric],
            "previous": before_counts[metric],
            "delta": now_counts[metric] - before_counts[metric],
            "url": drill.url(metric),
            "previous_url": before_drill.url(metric),
        }
        for metric in DASHBOARD_COUNTS
    ]
    now_rates = figures.rates_from(figures.rate_parts(so_far))
    before_rates = figures.rates_from(figures.rate_parts(yesterday))
    rates = [
        {
            "key": key,
            "name": figures.RATE_NAMES[key],
            "formula": figures.RATE_FORMULAS[key],
            "value": percent(now_rates[key]["value"]),
            "previous": percent(before_rates[key]["value"]),
            "numerator": now_rates[key]["numerator"],
            "denominator": now_rates[key]["denominator"],
            "numerator_url": drill.url(now_rates[key]["numerator_metric"]),
            "denominator_url": drill.url(now_rates[key]["denominator_metric"]),
        }
        for key in figures.RATES
    ]
    labels = figures.Labels.load()
    county_counts = {
        row["key"]: row for row in figures.count_breakdowns(so_far, labels)["breakdowns"]["county"]
    }
    parts = _parts_by_county(so_far)
    counties = []
    for key in labels.order("county"):
        row = county_counts.get(key, {})
        county_parts = parts.get(key, {})
        county_rates = figures.rates_from(county_parts)
        counties.append(
            {
                "key": key,
                "name": labels.name("county", key),
                "cells": [
                    {"value": row.get(m, 0), "url": drill.url(m, county=key)}
                    for m in COUNTY_METRICS
                ],
                "rates": [
                    {
                        "value": percent(county_rates[r]["value"]),
                        "numerator": county_rates[r]["numerator"],
                        "denominator": county_rates[r]["denominator"],
                    }
                    for r in figures.RATES
                ],
            }
        )
    trend = snapshot.trend(today, cutoff)
    return {
        "now": now,
        "today": today,
        "period_label": so_far.label(),
        "yesterday_label": yesterday.label(),
        "cutoff": cutoff_label(cutoff),
        "counts": counts,
        "rates": rates,
        "counties": counties,
        "rate_names": [figures.RATE_NAMES[r] for r in figures.RATES],
        "county_metric_names": [METRIC_LABELS[m] for m in COUNTY_METRICS],
        "charts": {"labels": chart_labels(), "trend": trend_series(trend)},
    }


def _parts_by_county(period: Period) -> dict[str, dict[str, int]]:
    """The six sides of the three rates per county, one grouped query each."""
    out: dict[str, dict[str, int]] = {}
    for metric in {m for pair in figures.RATE_PARTS.values() for m in pair}:
        rows = (
            figures.requests_for(metric, period)
            .annotate(county=Substr("division_id", 1, 6))
            .values("county")
            .annotate(n=Count("id"))
            .order_by()
        )
        for row in rows:
            out.setdefault(row["county"], {})[metric] = int(row["n"])
    return out
