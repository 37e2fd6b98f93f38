"""The day's numbers reconcile: breakdowns sum to totals, and every count and rate equals a
count made here, in Python, straight from the rows and the definitions in DESIGN.md."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, time, timedelta
from typing import Any

import pytest

from core.models import Event, HelpRequest, Satisfaction, Status
from reports import figures, snapshot
from reports.periods import Period, day_period
from tests.reports.conftest import SEED_DAY, SEED_DAY_REQUESTS, local


def _event_times(kind: str) -> dict[int, list[datetime]]:
    out: dict[int, list[datetime]] = {}
    for request_id, at in Event.objects.filter(kind=kind).values_list(
        "help_request_id", "created_at"
    ):
        out.setdefault(request_id, []).append(at)
    return out


def direct_counts(period: Period) -> dict[str, Counter[str]]:
    """Each count of ``period``, per county, by reading every request in Python.

    Written from the definitions, not from ``reports.figures``: if the SQL drifts from them,
    these disagree.
    """
    start, end = period.start, period.end
    merged = _event_times(Event.Kind.MERGED)
    returned = _event_times(Event.Kind.RETURNED)
    counts: dict[str, Counter[str]] = {m: Counter() for m in figures.METRICS}
    for hr in HelpRequest.objects.all():
        county = hr.division_id[:6]
        if start <= hr.received_at < end:
            counts["received"][county] += 1
        if hr.resolved_at and start <= hr.resolved_at < end:
            counts["resolved"][county] += 1
        merged_before_end = any(at < end for at in merged.get(hr.pk, []))
        resolved_before_end = hr.resolved_at is not None and hr.resolved_at < end
        if hr.received_at < end and not resolved_before_end and not merged_before_end:
            counts["open"][county] += 1
            late = (
                hr.resolve_due_at < end
                or (hr.accept_due_at < end and (hr.accepted_at is None or hr.accepted_at >= end))
                or (
                    hr.dispatch_due_at < end
                    and (hr.dispatched_at is None or hr.dispatched_at >= end)
                )
            )
            if late:
                counts["overdue"][county] += 1
        if any(start <= at < end for at in merged.get(hr.pk, [])):
            counts["merged"][county] += 1
        if any(start <= at < end for at in returned.get(hr.pk, [])):
            counts["returned"][county] += 1
    return counts


def direct_rates(period: Period) -> dict[str, tuple[int, int]]:
    start, end = period.start, period.end
    due = in_time = received = resolved = rated = satisfied = 0
    for hr in HelpRequest.objects.all():
        if start <= hr.accept_due_at < end and hr.status != Status.MERGED:
            due += 1
            answered = hr.accepted_at or hr.resolved_at
            if answered is not None and answered <= hr.accept_due_at:
                in_time += 1
        if start <= hr.received_at < end:
            received += 1
            if hr.resolved_at is not None and hr.resolved_at < end:
                resolved += 1
        if hr.closed_at and start <= hr.closed_at < end and hr.satisfaction:
            rated += 1
            if hr.satisfaction in (Satisfaction.SATISFIED, Satisfaction.BASICALLY_SATISFIED):
                satisfied += 1
    return {
        "response": (in_time, due),
        "resolution": (resolved, received),
        "satisfaction": (satisfied, rated),
    }


@pytest.fixture
def period(seeded_day: Any) -> Period:
    return day_period(seeded_day, time(0, 0))


def test_the_seeded_day_has_the_seeds_count(period):
    counted = figures.count_breakdowns(period)
    assert counted["totals"]["received"] == SEED_DAY_REQUESTS


def test_every_breakdown_sums_to_its_total(period):
    counted = figures.count_breakdowns(period)
    totals = counted["totals"]
    assert totals["received"] and totals["resolved"] and totals["open"]
    for dimension in figures.DIMENSIONS:
        rows = counted["breakdowns"][dimension]
        assert len({r["key"] for r in rows}) == len(rows), dimension
        for metric in figures.METRICS:
            assert sum(r[metric] for r in rows) == totals[metric], (dimension, metric)


def test_every_count_equals_a_direct_count_per_county(period):
    counted = figures.count_breakdowns(period)
    direct = direct_counts(period)
    for metric in figures.METRICS:
        assert counted["totals"][metric] == sum(direct[metric].values()), metric
        by_county = {r["key"]: r[metric] for r in counted["breakdowns"]["county"] if r[metric]}
        assert by_county == {k: v for k, v in direct[metric].items() if v}, metric


def test_the_rates_equal_a_direct_count(period):
    rates = figures.rates_from(figures.rate_parts(period))
    for name, (numerator, denominator) in direct_rates(period).items():
        assert denominator > 0, name
        assert (rates[name]["numerator"], rates[name]["denominator"]) == (numerator, denominator)
        assert rates[name]["value"] == round(numerator / denominator, 4)


def test_the_list_behind_every_cell_has_as_many_requests_as_the_cell(period):
    counted = figures.count_breakdowns(period)
    for dimension in figures.DIMENSIONS:
        for row in counted["breakdowns"][dimension]:
            for metric in figures.METRICS:
                listed = figures.requests_for(metric, period, **{dimension: row["key"]}).count()
                assert listed == row[metric], (dimension, row["key"], metric)


def test_the_list_behind_each_side_of_a_rate_matches_it(period):
    rates = figures.rates_from(figures.rate_parts(period))
    for rate in rates.values():
        assert figures.requests_for(rate["numerator_metric"], period).count() == rate["numerator"]
        assert (
            figures.requests_for(rate["denominator_metric"], period).count() == rate["denominator"]
        )


def test_a_later_cutoff_moves_the_day(seeded_day):
    """With a 17:00 cut-off, day D runs from 17:00 on D-1 to 17:00 on D."""
    period = day_period(seeded_day, time(17, 0))
    assert period.start == local(seeded_day - timedelta(days=1), time(17, 0))
    assert period.end == local(seeded_day, time(17, 0))
    expected = HelpRequest.objects.filter(
        received_at__gte=period.start, received_at__lt=period.end
    ).count()
    assert figures.count_breakdowns(period)["totals"]["received"] == expected
    assert 0 < expected != SEED_DAY_REQUESTS


def test_the_trend_agrees_with_each_days_own_figures(seeded_day):
    cutoff = time(17, 0)
    days = [seeded_day - timedelta(days=n) for n in range(3)]
    series = figures.daily_series(days, cutoff)
    for day in days:
        period = day_period(day, cutoff)
        parts = figures.rate_parts(period)
        assert series[day]["received"] == parts["received"]
        assert series[day]["resolved"] == figures.requests_for("resolved", period).count()
        for key in (
            "resolved_of_received",
            "due_for_acceptance",
            "accepted_in_time",
            "rated",
            "satisfied",
        ):
            assert series[day][key] == parts[key], (day, key)


def test_an_empty_period_gives_zeros_and_says_so(db):
    period = day_period(SEED_DAY, time(0, 0))
    data = snapshot.build(period)
    assert data["empty"] is True
    assert set(data["totals"].values()) == {0}
    assert all(rate["value"] is None for rate in data["rates"].values())
    assert all(rows == [] for rows in data["breakdowns"].values())
    assert "没有" in data["words"]["overview"] or "no request" in data["words"]["overview"]
    assert len(data["trend"]) == snapshot.TREND_DAYS


def test_the_report_says_what_the_day_was_mostly_about(period):
    """The seed: 97 requests, "mostly epidemic policy, travel, health code and hospital access"."""
    data = snapshot.build(period)
    categories = {r["key"]: r for r in data["breakdowns"]["category"]}
    seed_four = ("policy", "travel", "health_code", "medical")
    assert (
        sum(categories[c]["received"] for c in seed_four if c in categories) > SEED_DAY_REQUESTS / 2
    )
    top = sorted(categories.values(), key=lambda r: -r["received"])[:4]
    overview = data["words"]["overview"]
    assert str(SEED_DAY_REQUESTS) in overview
    for row in top:
        assert row["name"] in overview
    # Most of the top four of the day are the seed's four.
    assert len({r["key"] for r in top} & set(seed_four)) >= 3
