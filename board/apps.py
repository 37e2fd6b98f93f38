from __future__ import annotations

from django.apps import AppConfig


class BoardConfig(AppConfig):
    """The command hall's live board (指挥大屏)."""

    name = "board"

    def ready(self) -> None:
        from board import bus
        from core.signals import event_committed

        event_committed.connect(bus.on_event_committed, dispatch_uid="board.publish")
        from greenchannel.signals import filing_event_committed

        filing_event_committed.connect(
            bus.on_filing_event_committed, dispatch_uid="board.publish_filing"
        )
