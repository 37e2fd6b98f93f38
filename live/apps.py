from __future__ import annotations

from django.apps import AppConfig


class LiveConfig(AppConfig):
    """The live streams that keep the board, the console queue and the workbench current."""

    name = "live"
