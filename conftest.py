"""Settings every test starts from, whichever directory it lives in.

The per-client HTTP rate limits (huying/overload.py) are off: the suite sends thousands of
requests a minute from one address, which is exactly what they stop. tests/ops turns them
on where it tests them.
"""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture(autouse=True)
def _no_http_rate_limits(settings: Any) -> None:
    settings.HUYING_RATE_LIMIT_PUBLIC = None
    settings.HUYING_RATE_LIMIT_API = None
