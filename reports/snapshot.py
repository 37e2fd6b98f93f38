"""Everything a report says, computed once into one JSON-able dict: the snapshot.

A report is kept as this dict (and the documents rendered from it), so what was issued never
changes when requests move on afterwards. The web page, the .docx, the .xlsx, the public
bulletin and the dashboard all read the same shape; ``SCHEMA`` is bumped if it ever changes.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.utils import timezone, translation

from core.models import Urgency
from reports import figures, judgment, narrative
from reports.periods import Period, day_period

SCHEMA = 1
TREND_DAYS = 30


def _texts(mapping: dict[str, Any]) -> dict[str, str]:
    return {key: str(value) for key, value in mapping.items()}


def _rate_values(parts: dict[str, int]) -> dict[str, float | None]:
    return {name: rate["value"] for name, rate in figures.rates_from(parts).items()}


def issued(days: list[date], cutoff: Any) -> dict[date, dict[str, Any]]:
    """The totals and rates of each of ``days`` as issued (newest version, same cut-off).

    A day already reported is read from its report rather than counted again: on a long
    history that is most of a report's time, and the comparison then shows the figures the
    leaders were given that day.
    """
    from reports.models import DailyReport

    rows = (
        DailyReport.objects.filter(day__in=days, cutoff=cutoff)
        .order_by("day", "-version")
        .values("day", "data__totals", "data__rates")
    )
    found: dict[date, dict[str, Any]] = {}
    for row in rows:
        found.setdefault(row["day"], {"totals": row["data__totals"], "rates": row["data__rates"]})
    return found


def _parts_of(rates: dict[str, Any]) -> dict[str, int]:
    """The numerators and denominators an issued report printed beside its rates."""
    parts: dict[str, int] = {}
    for name, (top, bottom) in figures.RATE_PARTS.items():
        parts[top] = int(rates[name]["numerator"])
        parts[bottom] = int(rates[name]["denominator"])
    return parts


def _daily_figures(
    days: list[date], cutoff: Any, *, with_events: bool = False
) -> dict[date, dict[str, Any]]:
    """Each day's flows and rate parts: as issued where issued, else counted now.

    ``with_events`` also counts merged and returned for the days counted now (the trend
    does not show them; the comparison does).
    """
    known = issued(days, cutoff)
    out: dict[date, dict[str, Any]] = {
        day: {**known[day]["totals"], **_parts_of(known[day]["rates"]), "issued": True}
        for day in days
        if day in known
    }
    missing = [day for day in days if day not in known]
    for day, counted in figures.daily_series(missing, cutoff).items():
        out[day] = {**counted, "issued": False}
        if with_events:
            period = day_period(day, cutoff)
            for metric in ("merged", "returned"):
                out[day][metric] = figures.requests_for(metric, period).count()
    return out


def comparison(period: Period) -> dict[str, Any]:
    """The previous day (every count) and the previous 7 days (daily means of the flows).

    For a reporting day both come from the issued reports of those days where there are
    some, and the 7 days' rates pool the seven days' numerators and denominators. For any
    other period, the span before it and the 7 days before it are counted now.
    """
    if period.day is None:
        return _span_comparison(period)
    before = period.shifted(-1)
    known = issued([before.day], period.cutoff) if before.day else {}
    if before.day in known:
        previous = {
            "totals": {m: known[before.day]["totals"][m] for m in figures.METRICS},
            "rates": {r: known[before.day]["rates"][r]["value"] for r in figures.RATES},
            "issued": True,
        }
    else:
        previous = {
            "totals": figures.totals_only(before),
            "rates": _rate_values(figures.rate_parts(before)),
            "issued": False,
        }
    week = [period.day - timedelta(days=n) for n in range(7, 0, -1)]
    daily = _daily_figures(week, period.cutoff, with_events=True)
    pooled = {key: sum(int(daily[d].get(key, 0)) for d in week) for key in _PART_KEYS}
    return {
        "previous_day": {"period": before.as_dict(), **previous},
        "previous_7_days": {
            "period": Period(
                start=period.start - timedelta(days=7), end=period.start, cutoff=period.cutoff
            ).as_dict(),
            "daily_mean": {
                metric: round(sum(int(daily[d][metric]) for d in week) / 7, 1)
                for metric in figures.FLOWS
            },
            "rates": _rate_values(pooled),
            "issued_days": sum(1 for d in week if daily[d]["issued"]),
        },
    }


_PART_KEYS = tuple(key for pair in figures.RATE_PARTS.values() for key in pair)


def _span_comparison(period: Period) -> dict[str, Any]:
    before = Period(start=period.start - period.length, end=period.start, cutoff=period.cutoff)
    week = Period(start=period.start - timedelta(days=7), end=period.start, cutoff=period.cutoff)
    return {
        "previous_day": {
            "period": before.as_dict(),
            "totals": figures.totals_only(before),
            "rates": _rate_values(figures.rate_parts(before)),
            "issued": False,
        },
        "previous_7_days": {
            "period": week.as_dict(),
            "daily_mean": {
                metric: round(figures.requests_for(metric, week).count() / 7, 1)
                for metric in figures.FLOWS
            },
            "rates": _rate_values(figures.rate_parts(week)),
            "issued_days": 0,
        },
    }


def trend(
    last_day: date, cutoff: Any, days: int = TREND_DAYS, last: dict[str, int] | None = None
) -> list[dict[str, Any]]:
    """Per reporting day for ``days`` days up to ``last_day``: flows and the three rates.

    Days already reported are read from their issued reports; the rest are counted. ``last``
    is ``last_day``'s own received, resolved and rate parts when the caller has counted them
    already (the report has): on a busy day that day is most of the rows.
    """
    wanted = [last_day - timedelta(days=n) for n in range(days - 1, -1, -1)]
    series = _daily_figures(wanted[:-1], cutoff)
    if last is not None:
        series[last_day] = {**last, "issued": False}
    else:
        series[last_day] = {**figures.daily_series([last_day], cutoff)[last_day], "issued": False}
    return [
        {
            "day": day.isoformat(),
            "received": int(series[day]["received"]),
            "resolved": int(series[day]["resolved"]),
            **_rate_values(series[day]),
            "issued": bool(series[day]["issued"]),
        }
        for day in wanted
    ]


def _flows(totals: dict[str, int]) -> dict[str, int]:
    return {"received": totals["received"], "resolved": totals["resolved"]}


def _known_key_counts(counted: dict[str, Any]) -> dict[str, int]:
    """Key-case counts the breakdowns already hold: critical received, and overdue."""
    critical = next(
        (
            row["received"]
            for row in counted["breakdowns"]["urgency"]
            if row["key"] == Urgency.CRITICAL
        ),
        0,
    )
    return {"critical": critical, "overdue": counted["totals"]["overdue"]}


def build(period: Period, *, with_trend: bool = True) -> dict[str, Any]:
    """The whole snapshot for ``period``, written in Chinese: a report is issued in Chinese."""
    with translation.override("zh-hans"):
        return _build(period, with_trend=with_trend)


def _build(period: Period, *, with_trend: bool) -> dict[str, Any]:
    labels = figures.Labels.load()
    counted = figures.count_breakdowns(period, labels)
    # The same pass counted the rates' parts and the group table's sums.
    parts = counted["parts"]
    rates = figures.rates_from(parts)
    for name, rate in rates.items():
        rate["name"] = str(figures.RATE_NAMES[name])
        rate["formula"] = str(figures.RATE_FORMULAS[name])
    overdue_by_group = {row["key"]: row["overdue"] for row in counted["breakdowns"]["group"]}
    findings = {
        "rising": judgment.rising(period, counted["breakdowns"]),
        "rising_test": judgment.rising_test_text(),
        "clusters": judgment.clusters(period, labels),
        "cluster_test": judgment.cluster_test_text(),
        "hot_words": judgment.hot_words(period, counted["totals"]["received"]),
        "key_cases": judgment.key_cases(period, labels, _known_key_counts(counted)),
        "groups": judgment.group_performance(period, labels, overdue_by_group, counted["groups"]),
    }
    snapshot: dict[str, Any] = {
        "schema": SCHEMA,
        "period": period.as_dict(),
        "computed_at": timezone.now().isoformat(),
        "empty": counted["totals"]["received"] == 0,
        "totals": counted["totals"],
        "metric_names": _texts(figures.METRIC_NAMES),
        "definitions": _texts(figures.METRIC_DEFINITIONS),
        "breakdowns": counted["breakdowns"],
        "dimension_names": _texts(figures.DIMENSION_NAMES),
        "rates": rates,
        **comparison(period),
        "trend": (
            trend(period.day, period.cutoff, last={**parts, **_flows(counted["totals"])})
            if with_trend and period.day
            else []
        ),
        "judgment": findings,
    }
    snapshot["words"] = narrative.write(snapshot)
    return snapshot


def build_for_day(day: date, cutoff: Any = None) -> dict[str, Any]:
    return build(day_period(day, cutoff))
