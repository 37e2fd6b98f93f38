"""Start-up checks: a mistyped report time should stop the system, not the 00:30 report;
a server without a Chinese font is told at start-up why its Word reports have no charts."""

from __future__ import annotations

import shutil
import subprocess
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning, register


@register()
def report_times(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    from core.errors import InvalidInput
    from reports.periods import parse_cutoff

    errors: list[CheckMessage] = []
    for name in ("HUYING_REPORT_CUTOFF", "HUYING_REPORT_AT"):
        try:
            parse_cutoff(getattr(settings, name), field=name)
        except InvalidInput as exc:
            errors.append(
                Error(
                    exc.details[name][0], hint=f"{name}=17:00", id=f"reports.E00{len(errors) + 1}"
                )
            )
    return errors


@register()
def chinese_font(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    """Ask fontconfig (cheap, unlike importing matplotlib) whether any font covers Chinese."""
    fc_list = shutil.which("fc-list")
    if fc_list is not None:
        found = subprocess.run(  # noqa: S603 - a fixed command
            [fc_list, ":lang=zh", "family"], capture_output=True, text=True, timeout=10, check=False
        )
        if found.stdout.strip():
            return []
    return [
        Warning(
            "No font that can draw Chinese is installed: the daily report's Word document will "
            "be issued without its charts.",
            hint="Install one, e.g. apt-get install fonts-noto-cjk",
            id="reports.W001",
        )
    ]
