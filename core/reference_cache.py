"""What every create reads and almost nothing changes, held in each process between changes.

Filing a request needs the caller's API key, the category, the division and its county, the
clock policy and the dispatch rules. They change a few times a year, in ``/admin/``; reading
them from the database on every create was five of its statements. ``snapshot()`` answers
from one in-process copy of those tables instead.

How a change reaches every process:

- saving or deleting any of those rows (signals, connected in ``core.apps``) drops this
  process's copy at once and again when the transaction commits — so a copy rebuilt in between
  from the old rows does not outlive the change — and writes a new version token into
  Django's cache;
- each process compares its copy's token with the cache's at most every
  ``CHECK_EVERY_SECONDS``. With ``HUYING_REDIS_URL`` set the cache is shared by every
  process and machine, so a change is seen everywhere within that second;
- without Redis the cache is each process's own memory and cannot carry the token to the
  others: there a copy is also rebuilt once it is ``HUYING_REFERENCE_CACHE_SECONDS`` old
  (default 10), which bounds how long another web process or the task worker may file by an
  old rule or accept a key revoked in ``/admin/``. One process (the embedded default, tests)
  sees its own changes at once.

Bulk ``QuerySet.update()`` sends no signal: code that changes these tables that way calls
``changed()`` itself (the admin's revoke action does). The rows in the copy are shared by
every request of the process and must be treated as read-only.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Iterable
from functools import cached_property
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Model
from django.db.models.signals import m2m_changed, post_delete, post_save

from accounts.models import ApiKey, secret_hash
from core.models import Category, ClockPolicy, DispatchRule, Division, Group

log = logging.getLogger(__name__)

#: How often a process asks the shared cache whether the reference data changed.
CHECK_EVERY_SECONDS = 1.0
VERSION_KEY = "core:reference-data:version"


class Snapshot:
    """One process's copy of the reference tables, as of ``built_at`` (``time.monotonic``).

    Each table is read when first asked for, so a call that only checks an API key does not
    also read the dispatch rules.
    """

    def __init__(self, version: str | None) -> None:
        self.version = version
        self.built_at = self.checked_at = time.monotonic()
        #: key hash → the key, filled as keys are used (a key never used is never held).
        self.api_keys: dict[str, ApiKey] = {}

    @cached_property
    def divisions(self) -> dict[str, Division]:
        divisions = {division.code: division for division in Division.objects.all()}
        for division in divisions.values():
            if division.parent_id is not None:
                # The county comes from the same copy, so ``division.county`` reads no row.
                division.parent = divisions.get(division.parent_id)
        return divisions

    @cached_property
    def categories(self) -> dict[str, Category]:
        return {category.code: category for category in Category.objects.all()}

    @cached_property
    def groups(self) -> list[Group]:
        """Every group, active or not, in their usual order (the queue's filter lists them)."""
        return list(Group.objects.all())

    @cached_property
    def clock_policies(self) -> dict[tuple[str, str], tuple[int, int, int]]:
        """(category code or "", urgency) → the policy's three windows in minutes."""
        return {
            (policy.category_id or "", policy.urgency): (
                policy.dispatch_minutes,
                policy.accept_minutes,
                policy.resolve_minutes,
            )
            for policy in ClockPolicy.objects.all()
        }

    @cached_property
    def rules(self) -> dict[str, list[DispatchRule]]:
        """category code → its active rules whose lead group is active, helpers loaded."""
        rules: dict[str, list[DispatchRule]] = {}
        for rule in (
            DispatchRule.objects.filter(is_active=True, lead_group__is_active=True)
            .select_related("lead_group")
            .prefetch_related("assisting_groups")
            .order_by("position", "id")
        ):
            if rule.division_id is not None:
                rule.division = self.divisions.get(rule.division_id)
            rules.setdefault(rule.category_id, []).append(rule)
        return rules

    def category(self, code: str, *, active_only: bool = True) -> Category | None:
        found = self.categories.get(code)
        if found is None or (active_only and not found.is_active):
            return None
        return found

    def division(self, code: str) -> Division | None:
        return self.divisions.get(code)

    def clock_minutes(self, *, category_code: str, urgency: str) -> tuple[int, int, int] | None:
        """The category's own policy for this urgency, else the urgency's, else ``None``."""
        return self.clock_policies.get(
            (category_code, urgency), self.clock_policies.get(("", urgency))
        )

    def rules_for(self, category_code: str) -> list[DispatchRule]:
        return self.rules.get(category_code, [])

    def api_key(self, secret: str) -> ApiKey | None:
        """The key whose secret this is, unless revoked; only known keys are held."""
        digest = secret_hash(secret)
        found = self.api_keys.get(digest)
        if found is None:
            # An unknown or revoked key costs its query every time: holding misses would let
            # anyone fill the process's memory by sending made-up keys.
            found = ApiKey.lookup(secret)
            if found is not None:
                self.api_keys[digest] = found
        return found


_lock = threading.Lock()
_current: Snapshot | None = None


def _max_age() -> float:
    return float(settings.HUYING_REFERENCE_CACHE_SECONDS)


def _shared_version() -> str | None:
    """The version token in Django's cache; ``None`` if it is unreadable (Redis down)."""
    try:
        value = cache.get(VERSION_KEY)
    except Exception:  # a cache that fails must not fail a create: fall back on the age
        log.warning("Could not read the reference data version from the cache", exc_info=True)
        return None
    if value is None:
        value = uuid.uuid4().hex
        try:
            # add, not set: of two processes starting at once, the first token stays.
            cache.add(VERSION_KEY, value, timeout=None)
            value = cache.get(VERSION_KEY) or value
        except Exception:
            return None
    return str(value)


def snapshot() -> Snapshot:
    """The current copy, rebuilt first if it changed or is too old (see the module's doc)."""
    global _current
    current = _current
    now = time.monotonic()
    if current is not None and now - current.built_at <= _max_age():
        if now - current.checked_at <= CHECK_EVERY_SECONDS:
            return current
        version = _shared_version()
        if version is not None and version == current.version:
            current.checked_at = now
            return current
    with _lock:
        if _current is not None and _current is not current:
            return _current  # another thread rebuilt it while this one waited
        # The token is read before the rows: a change landing during the build leaves an
        # older token in the copy, so the next check rebuilds it.
        built = Snapshot(_shared_version())
        _current = built
        return built


def changed() -> None:
    """Reference data changed: drop this process's copy and tell the other processes."""
    _drop_and_bump()
    if transaction.get_connection().in_atomic_block:
        # Another process (or thread) may rebuild its copy before the change commits, from
        # the old rows and under the new token: drop and bump once more after the commit.
        transaction.on_commit(_drop_and_bump)


def _drop_and_bump() -> None:
    global _current
    _current = None
    try:
        cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None)
    except Exception:  # the others then catch up by age (HUYING_REFERENCE_CACHE_SECONDS)
        log.warning("Could not write the reference data version to the cache", exc_info=True)


def clear() -> None:
    """Forget this process's copy (tests: each starts from the database as it is)."""
    global _current
    _current = None


def _on_change(sender: Any, **kwargs: Any) -> None:
    changed()


#: The models whose rows the copy holds; a save or delete of any of them means a new copy.
WATCHED: tuple[type[Model], ...] = (ApiKey, Category, ClockPolicy, DispatchRule, Division, Group)


def connect_signals(models: Iterable[type[Model]] = WATCHED) -> None:
    for model in models:
        uid = f"core.reference_cache.{model._meta.label_lower}"
        post_save.connect(_on_change, sender=model, dispatch_uid=f"{uid}.save")
        post_delete.connect(_on_change, sender=model, dispatch_uid=f"{uid}.delete")
    m2m_changed.connect(
        _on_change,
        sender=DispatchRule.assisting_groups.through,
        dispatch_uid="core.reference_cache.rule_groups",
    )
