"""Shared knobs of the fuzz tests: how many examples, and a fixed seed so CI reruns the same.

``HUYING_FUZZ_EXAMPLES`` raises the number of examples for a longer hunt on a workstation;
``HUYING_FUZZ_RANDOM=1`` lets Hypothesis draw new examples each run instead of the fixed ones.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings


def fuzz_examples(default: int) -> int:
    raw = os.environ.get("HUYING_FUZZ_EXAMPLES", "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"HUYING_FUZZ_EXAMPLES must be a whole number, not {raw!r}") from None
    if value < 1:
        raise ValueError("HUYING_FUZZ_EXAMPLES must be at least 1")
    return value


def _fuzz_random() -> bool:
    raw = os.environ.get("HUYING_FUZZ_RANDOM", "").strip()
    if raw not in ("", "0", "1"):
        raise ValueError(f"HUYING_FUZZ_RANDOM must be 0 or 1, not {raw!r}")
    return raw == "1"


def fuzz_settings(*, max_examples: int, **extra: object) -> settings:
    """Hypothesis settings for a fuzz test: bounded, quiet, and the same run every time.

    ``derandomize`` makes the examples a function of the test alone, so a failure in CI
    shows up again on any machine; no example database is written into the checkout.
    With ``HUYING_FUZZ_RANDOM=1`` the examples are new each run; a failure prints the
    ``@reproduce_failure`` line that replays it.
    """
    random = _fuzz_random()
    return settings(
        max_examples=fuzz_examples(max_examples),
        derandomize=not random,
        database=None,
        deadline=None,
        # The database fixtures are per test, not per example, on purpose: the examples of one
        # test act on the same requests, one after another, as clients would.
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.filter_too_much,
            HealthCheck.data_too_large,
        ],
        print_blob=True,
        **extra,  # type: ignore[arg-type]
    )
