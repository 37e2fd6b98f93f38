"""Fixed-window counters in the cache: "at most N of this per key per window".

With the default in-process cache each app process counts on its own; configure a shared
cache (Redis) when several processes serve the public pages.
"""

from __future__ import annotations

import time

from django.core.cache import cache
from django.http import HttpRequest


def hit(scope: str, key: str, *, limit: int, window: int) -> int | None:
    """Count one more; return ``None`` while within ``limit``, else seconds until the window ends."""
    now = int(time.time())
    start = now - now % window
    slot = f"rl:{scope}:{key}:{start}"
    # ``add`` creates the counter only if it is missing, so two processes cannot both
    # start it at one; ``incr`` is atomic on every cache backend Django ships.
    cache.add(slot, 0, timeout=window + 5)
    try:
        count = cache.incr(slot)
    except ValueError:  # evicted between add and incr
        cache.set(slot, 1, timeout=window + 5)
        count = 1
    if count > limit:
        return max(1, start + window - now)
    return None


def peek(scope: str, key: str, *, window: int) -> int:
    """How many were counted in the current window, without counting one."""
    now = int(time.time())
    value = cache.get(f"rl:{scope}:{key}:{now - now % window}", 0)
    return int(value)


def client_ip(request: HttpRequest) -> str:
    """The address the request came from. Behind a proxy, configure it to set REMOTE_ADDR."""
    return str(request.META.get("REMOTE_ADDR") or "unknown")
