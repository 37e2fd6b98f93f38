"""Benchmarks: ``python -m bench.intake`` (HTTP creates) and ``python -m bench.list`` (queue reads).

Both stop by themselves, print JSON on stdout and talk to 127.0.0.1 only. How to run them
and the figures measured so far are in ``docs/benchmarks.md``.
"""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Sequence
from typing import Any


def percentile(sorted_values: Sequence[float], pct: float) -> float:
    """The ``pct``-th percentile of already sorted values, interpolating between ranks."""
    if not sorted_values:
        return math.nan
    rank = pct / 100 * (len(sorted_values) - 1)
    low = math.floor(rank)
    high = min(low + 1, len(sorted_values) - 1)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (rank - low)


def summarise_ms(seconds: Sequence[float]) -> dict[str, float]:
    """p50/p90/p99/max/mean of durations given in seconds, in milliseconds, rounded."""
    values = sorted(s * 1000 for s in seconds)
    if not values:
        return {"n": 0}
    return {
        "n": len(values),
        "p50": round(percentile(values, 50), 2),
        "p90": round(percentile(values, 90), 2),
        "p99": round(percentile(values, 99), 2),
        "max": round(values[-1], 2),
        "mean": round(sum(values) / len(values), 2),
    }


def setup_django() -> None:
    """Configure Django from the environment (HUYING_DATABASE_URL, HUYING_DATA_DIR…)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "huying.settings")
    import django

    django.setup()


def migrate_and_seed(*, size: int, days: int, seed: int) -> dict[str, Any]:
    """Bring the configured database to ``size`` requests (the demo organisation included).

    Seeding a million takes minutes, so a database already that big is reused as it is.
    """
    from django.core.management import call_command

    from core.demo import ensure_demo_organisation, seed_requests
    from core.models import HelpRequest

    call_command("migrate", verbosity=0, interactive=False)
    ensure_demo_organisation()
    have = HelpRequest.objects.count()
    seeded: dict[str, Any] = {"had": have}
    if have < size:
        result = seed_requests(
            count=size - have, days=days, seed=seed + have, progress=True, stream=sys.stderr
        )
        seeded.update(
            added=result.requests,
            seconds=round(result.seconds, 1),
            requests_per_second=round(result.rate),
        )
    return seeded


def ensure_database(url: str) -> None:
    """Create the PostgreSQL database ``url`` names if it does not exist yet."""
    import psycopg

    server, name = url.rsplit("/", 1)
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def print_report(report: Any, output: str = "") -> None:
    """Print a benchmark's result as JSON, and also write it to ``output`` when one is given."""
    import json

    text = json.dumps(report, ensure_ascii=False, indent=2)
    if output:
        with open(output, "w", encoding="utf-8") as out:
            out.write(text + "\n")
    print(text)
