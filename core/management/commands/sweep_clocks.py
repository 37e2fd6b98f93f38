"""Run one escalation sweep now and print what it did."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand

from core.escalation import sweep


class Command(BaseCommand):
    help = (
        "Escalate every open request past its deadline by one step, now, and print the "
        "counts (the task worker does the same every 30 seconds under `serve`)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        result = sweep()
        self.stdout.write(json.dumps(result.counts, sort_keys=True))
