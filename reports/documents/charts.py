"""The report's charts as PNG: the 30-day trend, and the day's requests by category and county.

Each chart is drawn on its own ``matplotlib.figure.Figure`` with the Agg canvas, never through
pyplot: pyplot keeps a global "current figure" that two reports rendered at once (the task
worker and a dispatcher's click) would draw over each other's. For the same reason the Chinese
font is passed to every text explicitly instead of being set in the global ``rcParams``.
"""

from __future__ import annotations

import io
import shutil
import subprocess
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties, fontManager
from matplotlib.ft2font import FT2Font

#: Drawn at this resolution and placed 15 cm wide in the Word document: sharp when printed,
#: and fast enough (a chart takes well under 100 ms).
DPI = 150
WIDTH_INCHES = 7.0
#: Families tried in order: the Simplified Chinese faces first, so 们/为/这 take their
#: mainland shapes rather than the Japanese or Traditional ones of a pan-CJK collection.
CJK_FAMILIES = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "Noto Serif CJK SC",
    "Source Han Serif SC",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "SimHei",
    "Microsoft YaHei",
    "Noto Sans CJK JP",
)
#: A character every Chinese font has and no Latin-only font has.
PROBE = "中"
RECEIVED_COLOUR = "#c00000"
RESOLVED_COLOUR = "#1f5f9f"
#: The bar charts show at most this many rows; the workbook has them all.
MAX_BARS = 15


class ChineseFontMissing(RuntimeError):
    """No installed font can draw Chinese: charts would show empty boxes instead of words."""


@cache
def chinese_font() -> FontProperties:
    """A font that draws Chinese, found once per process.

    matplotlib's own font list is searched first; if it knows none of the families above,
    fontconfig is asked for its choice for Simplified Chinese (a font installed after
    matplotlib built its cache is found that way). Failing both, a clear error: charts with
    boxes for every word would look rendered and be useless.
    """
    installed = {entry.name for entry in fontManager.ttflist}
    for family in CJK_FAMILIES:
        if family in installed:
            # By family name, so that matplotlib picks the right face of a .ttc collection.
            return FontProperties(family=family, weight="normal")
    path = _fontconfig_choice()
    if path is not None and _draws_chinese(path):
        return FontProperties(fname=path, weight="normal")
    raise ChineseFontMissing(
        "No font that can draw Chinese was found, so the report's charts cannot be drawn. "
        "Install one, e.g. the Debian package fonts-noto-cjk (apt-get install fonts-noto-cjk)."
    )


def _fontconfig_choice() -> str | None:
    fc_match = shutil.which("fc-match")
    if fc_match is None:
        return None
    try:
        found = subprocess.run(  # noqa: S603 - a fixed argument list, no shell
            [fc_match, "-f", "%{file}", "sans-serif:lang=zh-cn"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return found if found and Path(found).is_file() else None


def _draws_chinese(path: str) -> bool:
    """fontconfig answers even when nothing fits, with a Latin font: check the glyph."""
    try:
        return ord(PROBE) in FT2Font(path).get_charmap()
    except (OSError, RuntimeError):
        return False


def _new_figure(
    height: float, *, left: float = 0.6, top: float = 0.4, bottom: float = 0.4
) -> tuple[Figure, Axes]:
    """A figure with its margins given in inches.

    Fixed margins rather than matplotlib's constrained layout, which measures every text in
    an extra drawing pass and made each chart a third slower.
    """
    figure = Figure(figsize=(WIDTH_INCHES, height), dpi=DPI)
    FigureCanvasAgg(figure)
    figure.subplots_adjust(
        left=left / WIDTH_INCHES,
        right=1 - 0.2 / WIDTH_INCHES,
        top=1 - top / height,
        bottom=bottom / height,
    )
    axes = figure.add_subplot()
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    return figure, axes


def _png(figure: Figure) -> bytes:
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=DPI)
    return out.getvalue()


def trend_chart(trend: Sequence[dict[str, Any]], names: dict[str, str]) -> bytes | None:
    """Received and resolved per reporting day; None when every day is zero (nothing to show).

    ``names`` are the snapshot's metric names, so the legend says what the tables say.
    """
    if not any(day["received"] or day["resolved"] for day in trend):
        return None
    font = chinese_font()
    figure, axes = _new_figure(3.0, left=0.6, bottom=0.35)
    positions = list(range(len(trend)))
    for metric, colour, marker in (
        ("received", RECEIVED_COLOUR, "o"),
        ("resolved", RESOLVED_COLOUR, "s"),
    ):
        axes.plot(
            positions,
            [day[metric] for day in trend],
            color=colour,
            marker=marker,
            markersize=3,
            linewidth=1.6,
            label=names.get(metric, metric),
        )
    # A label every few days: thirty "MM-DD" labels would overlap at this width.
    step = max(1, len(trend) // 10)
    ticks = positions[::-1][::step][::-1]
    axes.set_xticks(ticks, labels=[trend[i]["day"][5:] for i in ticks], fontsize=8)
    axes.set_xlim(-0.5, len(trend) - 0.5)
    axes.set_ylim(bottom=0)
    axes.grid(axis="y", color="#dddddd", linewidth=0.6)
    axes.set_ylabel(_("Requests per day"), fontproperties=font, fontsize=9)
    axes.set_title(
        _("Requests received and resolved per day, last %(n)d days") % {"n": len(trend)},
        fontproperties=font,
        fontsize=11,
    )
    legend_font = font.copy()
    legend_font.set_size(9)
    axes.legend(prop=legend_font, frameon=False, loc="upper left")
    return _png(figure)


def bar_chart(rows: Sequence[dict[str, Any]], title: str, metric: str = "received") -> bytes | None:
    """Horizontal bars of ``metric`` per row, largest at the top; None when all are zero.

    ``rows`` are a breakdown's rows (``name`` and the counts); only the largest ``MAX_BARS``
    are drawn, which the title then says.
    """
    shown = sorted((r for r in rows if r[metric]), key=lambda r: (-r[metric], r["name"]))
    if not shown:
        return None
    if len(shown) > MAX_BARS:
        shown = shown[:MAX_BARS]
        title = _("%(title)s (top %(n)d)") % {"title": title, "n": MAX_BARS}
    font = chinese_font()
    labels = [str(r["name"]) for r in shown]
    # Room at the left for the longest label at 9 pt, a Chinese character being 1 em wide.
    widest = max(sum(1.0 if ord(c) > 0x2E80 else 0.6 for c in label) for label in labels)
    figure, axes = _new_figure(0.7 + 0.3 * len(shown), left=0.25 + widest * 9 / 72, bottom=0.1)
    positions = list(range(len(shown)))
    values = [r[metric] for r in shown]
    bars = axes.barh(positions, values, color=RECEIVED_COLOUR, height=0.6)
    axes.set_yticks(positions, labels=labels, fontproperties=font, fontsize=9)
    axes.invert_yaxis()
    axes.bar_label(bars, padding=3, fontsize=8)
    axes.set_xlim(0, max(values) * 1.12)
    axes.xaxis.set_visible(False)
    axes.spines["bottom"].set_visible(False)
    axes.set_title(title, fontproperties=font, fontsize=11)
    return _png(figure)


def category_chart(snapshot: dict[str, Any]) -> bytes | None:
    return bar_chart(
        snapshot["breakdowns"]["category"],
        _("Requests received by %(dimension)s")
        % {"dimension": snapshot["dimension_names"]["category"]},
    )


def county_chart(snapshot: dict[str, Any]) -> bytes | None:
    return bar_chart(
        snapshot["breakdowns"]["county"],
        _("Requests received by %(dimension)s")
        % {"dimension": snapshot["dimension_names"]["county"]},
    )


def snapshot_trend_chart(snapshot: dict[str, Any]) -> bytes | None:
    return trend_chart(snapshot["trend"], snapshot["metric_names"])
