"""Signals the domain sends, so that other parts can react without the core knowing them.

``event_committed`` is sent once for every ``Event``, after the transaction that wrote it has
committed (never for one rolled back). The live board publishes it, the clocks' watcher
pages the duty post for a new critical request; each connects in its app's ``ready()``.
Receivers run in the request that caused the event, so they must be quick: anything slow
belongs in a task.
"""

from __future__ import annotations

from django.dispatch import Signal

#: Sent with ``event`` (the committed ``core.models.Event``).
event_committed = Signal()
