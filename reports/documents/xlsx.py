"""The daily report as an Excel workbook: the table behind every number of the bulletin.

One sheet per table, a header row frozen at the top of each, numbers written as numbers (so a
reader can sum and check them) and rates as fractions shown in percent. A breakdown sheet ends
with its total row, which is the report's total: the rows sum to it by construction, and a
reader who doubts that can add them up.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from reports.documents import (
    KEY_CASE_KINDS,
    date_text,
    dimension_title,
    hot_words_note,
    issue_text,
    key_case_title,
    snapshot_of,
    status_label,
    urgency_label,
)
from reports.models import DailyReport

PERCENT = "0.0%"
DECIMAL = "0.0"
MOMENT = "yyyy-mm-dd hh:mm"
DAY = "yyyy-mm-dd"
#: Columns are sized to their text, within these bounds (in Excel's character widths).
MIN_WIDTH, MAX_WIDTH = 6, 60

HEAD_FONT = Font(bold=True)
HEAD_FILL = PatternFill("solid", fgColor="E7E6E6")
THIN = Side(style="thin", color="A6A6A6")
GRID = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
TOTAL_FONT = Font(bold=True)
NOTE_FONT = Font(italic=True, color="595959")
_SHEET_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


@dataclass(frozen=True)
class Column:
    """A column of a sheet: its header and, for numbers, how Excel shows them."""

    title: str
    number_format: str | None = None


def build_xlsx(report: DailyReport) -> bytes:
    snapshot = snapshot_of(report)
    workbook = Workbook()
    _overview_sheet(workbook.worksheets[0], report, snapshot)
    for dimension, rows in snapshot["breakdowns"].items():
        _breakdown_sheet(
            _new_sheet(workbook, snapshot["dimension_names"].get(dimension, dimension)),
            snapshot,
            dimension,
            rows,
        )
    _trend_sheet(_new_sheet(workbook, _("Trend")), snapshot)
    _rising_sheet(_new_sheet(workbook, _("Rising")), snapshot)
    _hot_words_sheet(_new_sheet(workbook, _("Hot words")), snapshot)
    _clusters_sheet(_new_sheet(workbook, _("Clusters")), snapshot)
    _key_cases_sheet(_new_sheet(workbook, _("Key cases")), snapshot)
    _groups_sheet(_new_sheet(workbook, _("Group ranking")), snapshot)
    workbook.properties.title = str(report.title)
    workbook.properties.creator = report.issuer
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# --- Helpers ----------------------------------------------------------------------------------


def sheet_title(text: str) -> str:
    """A legal sheet name: Excel forbids []:*?/\\ and more than 31 characters."""
    return _SHEET_TITLE_FORBIDDEN.sub(" ", text).strip()[:31] or "-"


def _new_sheet(workbook: Workbook, title: str) -> Worksheet:
    wanted = sheet_title(title)
    name, n = wanted, 2
    while name in workbook.sheetnames:
        name = f"{wanted[:28]} {n}"
        n += 1
    sheet: Worksheet = workbook.create_sheet(name)
    return sheet


def _local(moment: datetime) -> datetime:
    """Local wall time without a zone: Excel has no time zones, and the report is local."""
    return moment.astimezone(ZoneInfo(settings.TIME_ZONE)).replace(tzinfo=None)


def _moment(text: str | None) -> datetime | str | None:
    """The snapshot's "YYYY-MM-DD HH:MM" local times, as real Excel times."""
    if not text:
        return None
    try:
        return datetime.strptime(text, "%Y-%m-%d %H:%M")  # noqa: DTZ007 - local wall time, see _local
    except ValueError:
        return text


def _table(
    sheet: Worksheet,
    row: int,
    columns: Sequence[Column],
    rows: Sequence[Sequence[Any]],
    *,
    freeze: bool = False,
) -> int:
    """Write a header and ``rows`` from ``row``; return the first row after the table."""
    for index, column in enumerate(columns, start=1):
        cell = sheet.cell(row=row, column=index, value=column.title)
        cell.font = HEAD_FONT
        cell.fill = HEAD_FILL
        cell.border = GRID
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    if freeze:
        sheet.freeze_panes = sheet.cell(row=row + 1, column=1)
    for offset, values in enumerate(rows, start=1):
        for index, (column, value) in enumerate(zip(columns, values, strict=True), start=1):
            cell = sheet.cell(row=row + offset, column=index, value=value)
            cell.border = GRID
            if column.number_format is not None:
                cell.number_format = column.number_format
    return row + len(rows) + 1


def _note(sheet: Worksheet, row: int, text: str) -> int:
    sheet.cell(row=row, column=1, value=text).font = NOTE_FONT
    return row + 1


def _text_width(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, datetime):
        return 16
    if isinstance(value, date):
        return 10
    if isinstance(value, float):
        return 8
    text = str(value)
    # A Chinese character is about two Latin characters wide.
    return sum(2 if ord(char) > 0x2E80 else 1 for char in text)


def _fit_columns(sheet: Worksheet, *, skip_rows: Sequence[int] = ()) -> None:
    """Size each column to its longest value, wrapping the long texts (definitions, summaries).

    ``skip_rows`` are full-width notes and titles that should not widen the first column.
    """
    widths: dict[int, int] = {}
    for row in sheet.iter_rows():
        for cell in row:
            if cell.row in skip_rows or cell.value is None:
                continue
            widths[cell.column] = max(widths.get(cell.column, 0), _text_width(cell.value))
    for column, width in widths.items():
        sheet.column_dimensions[get_column_letter(column)].width = max(
            MIN_WIDTH, min(MAX_WIDTH, width + 2)
        )
        if width > MAX_WIDTH:
            for (cell,) in sheet.iter_rows(min_col=column, max_col=column):
                if cell.row not in skip_rows:
                    cell.alignment = Alignment(wrap_text=True, vertical="top")


# --- 总览 -------------------------------------------------------------------------------------


def _overview_sheet(sheet: Worksheet, report: DailyReport, snapshot: dict[str, Any]) -> None:
    sheet.title = sheet_title(_("Overview"))
    sheet.cell(row=1, column=1, value=str(report.title)).font = Font(bold=True, size=14)
    sheet.freeze_panes = "A2"
    period = snapshot["period"]
    facts: list[tuple[str, Any, str | None]] = [
        (_("Issuing body"), report.issuer, None),
        (_("Issue"), issue_text(report), None),
        (_("Reporting day"), date_text(report.day), None),
        (_("Period"), period["label"], None),
        (_("Period from"), _local(datetime.fromisoformat(period["start"])), MOMENT),
        (_("Period to"), _local(datetime.fromisoformat(period["end"])), MOMENT),
        (_("Cut-off time"), period["cutoff"], None),
        (_("Generated by"), report.generated_by_name, None),
        (_("Generated at"), _local(report.generated_at), MOMENT),
    ]
    if report.version > 1:
        facts.append((_("Reason for this version"), report.reason, None))
    row = 3
    for label, value, number_format in facts:
        sheet.cell(row=row, column=1, value=label).font = HEAD_FONT
        cell = sheet.cell(row=row, column=2, value=value)
        cell.alignment = Alignment(horizontal="left")
        if number_format:
            cell.number_format = number_format
        row += 1
    fact_rows = list(range(3, row))

    row += 1
    totals = snapshot["totals"]
    before = snapshot["previous_day"]["totals"]
    week = snapshot["previous_7_days"]["daily_mean"]
    row = _table(
        sheet,
        row,
        [
            Column(_("Indicator")),
            Column(_("This period")),
            Column(_("Previous day")),
            Column(_("Change on the day before")),
            Column(_("Daily mean, previous 7 days"), DECIMAL),
            Column(_("Definition")),
        ],
        [
            [
                snapshot["metric_names"][metric],
                totals[metric],
                before.get(metric),
                totals[metric] - before.get(metric, 0),
                week.get(metric),
                snapshot["definitions"][metric],
            ]
            for metric in totals
        ],
    )
    row += 1
    previous_rates = snapshot["previous_day"]["rates"]
    week_rates = snapshot["previous_7_days"]["rates"]
    row = _table(
        sheet,
        row,
        [
            Column(_("Rate")),
            Column(_("Numerator")),
            Column(_("Denominator")),
            Column(_("This period"), PERCENT),
            Column(_("Previous day"), PERCENT),
            Column(_("Previous 7 days"), PERCENT),
            Column(_("Formula")),
        ],
        [
            [
                rate["name"],
                rate["numerator"],
                rate["denominator"],
                rate["value"],
                previous_rates.get(name),
                week_rates.get(name),
                rate["formula"],
            ]
            for name, rate in snapshot["rates"].items()
        ],
    )
    # The title and the facts (the period label is long) run on into the empty cells to their
    # right rather than widening the tables' columns; so do the notes written after fitting.
    _fit_columns(sheet, skip_rows=[1, *fact_rows])
    row = _note(
        sheet, row + 1, _("A rate with nothing to count (0 / 0) is left empty, not written as 0%.")
    )
    row = _note(
        sheet,
        row,
        _("Previous day: %(label)s.") % {"label": snapshot["previous_day"]["period"]["label"]},
    )
    _note(
        sheet,
        row,
        _("Previous 7 days: %(label)s.")
        % {"label": snapshot["previous_7_days"]["period"]["label"]},
    )


# --- One sheet per breakdown ------------------------------------------------------------------


def _breakdown_sheet(
    sheet: Worksheet, snapshot: dict[str, Any], dimension: str, rows: list[dict[str, Any]]
) -> None:
    metrics = list(snapshot["totals"])
    columns = [Column(_("Code")), Column(snapshot["dimension_names"].get(dimension, dimension))]
    columns += [Column(snapshot["metric_names"][metric]) for metric in metrics]
    end = _table(
        sheet,
        1,
        columns,
        [[r["key"], r["name"], *(r[metric] for metric in metrics)] for r in rows],
        freeze=True,
    )
    sheet.cell(row=end, column=1, value=_("Total")).font = TOTAL_FONT
    for index, metric in enumerate(metrics, start=3):
        cell = sheet.cell(row=end, column=index, value=snapshot["totals"][metric])
        cell.font = TOTAL_FONT
    for index in range(1, len(columns) + 1):
        sheet.cell(row=end, column=index).border = GRID
    _fit_columns(sheet)


# --- 趋势 -------------------------------------------------------------------------------------


def _trend_sheet(sheet: Worksheet, snapshot: dict[str, Any]) -> None:
    names = snapshot["metric_names"]
    rates = snapshot["rates"]
    _table(
        sheet,
        1,
        [
            Column(_("Reporting day"), DAY),
            Column(names["received"]),
            Column(names["resolved"]),
            *(Column(rates[rate]["name"], PERCENT) for rate in rates),
        ],
        [
            [
                date.fromisoformat(day["day"]),
                day["received"],
                day["resolved"],
                *(day.get(rate) for rate in rates),
            ]
            for day in snapshot["trend"]
        ],
        freeze=True,
    )
    _fit_columns(sheet)


# --- 研判 -------------------------------------------------------------------------------------


def _rising_sheet(sheet: Worksheet, snapshot: dict[str, Any]) -> None:
    found = snapshot["judgment"]
    end = _table(
        sheet,
        1,
        [
            Column(_("Kind")),
            Column(_("Code")),
            Column(_("Category or county")),
            Column(snapshot["metric_names"]["received"]),
            Column(_("Daily mean, previous 7 days"), DECIMAL),
            Column(_("Ratio"), DECIMAL),
            Column("z", DECIMAL),
        ],
        [
            [
                dimension_title(r["dimension"]),
                r["key"],
                r["name"],
                r["count"],
                r["baseline_mean"],
                r["ratio"],
                r["z"],
            ]
            for r in found["rising"]
        ],
        freeze=True,
    )
    _fit_columns(sheet)
    if not found["rising"]:
        end = _note(sheet, end, _("No category or county rose above its recent level."))
    _note(sheet, end + 1, _("Test: %(test)s.") % {"test": found["rising_test"]})


def _hot_words_sheet(sheet: Worksheet, snapshot: dict[str, Any]) -> None:
    hot = snapshot["judgment"]["hot_words"]
    end = _table(
        sheet,
        1,
        [
            Column(_("Word")),
            Column(_("Requests in the sample")),
            Column(_("Estimated requests")),
            Column(_("Share of requests"), PERCENT),
        ],
        [[w["word"], w["count"], w["estimate"], w["share"]] for w in hot["words"]],
        freeze=True,
    )
    _fit_columns(sheet)
    end = _note(sheet, end + 1, hot_words_note(hot))
    _note(
        sheet,
        end,
        _("Requests received: %(total)d; read: %(sampled)d (every %(step)dth).")
        % {"total": hot["total"], "sampled": hot["sampled"], "step": hot["step"]},
    )


def _clusters_sheet(sheet: Worksheet, snapshot: dict[str, Any]) -> None:
    found = snapshot["judgment"]
    end = _table(
        sheet,
        1,
        [
            Column(_("Place")),
            Column(_("Category")),
            Column(_("Number of requests")),
            Column(_("Most within the window")),
            Column(_("First"), MOMENT),
            Column(_("Last"), MOMENT),
            Column(_("Common words")),
            Column(_("Request numbers")),
        ],
        [
            [
                c["place"],
                c["category_name"],
                c["count"],
                c["densest"],
                _moment(c["first"]),
                _moment(c["last"]),
                "、".join(c["words"]),
                ", ".join(c["numbers"]),
            ]
            for c in found["clusters"]
        ],
        freeze=True,
    )
    _fit_columns(sheet)
    if not found["clusters"]:
        end = _note(sheet, end, _("No cluster was found."))
    _note(sheet, end + 1, _("Test: %(test)s.") % {"test": found["cluster_test"]})


def _key_cases_sheet(sheet: Worksheet, snapshot: dict[str, Any]) -> None:
    cases = snapshot["judgment"]["key_cases"]
    rows = [
        [
            key_case_title(kind),
            c["number"],
            _moment(c["received_at"]),
            c["category"],
            urgency_label(c["urgency"]),
            status_label(c["status"]),
            c["county"],
            c["group"],
            _moment(c["resolve_due_at"]),
            c["summary"],
        ]
        for kind in KEY_CASE_KINDS
        for c in cases[kind]["cases"]
    ]
    end = _table(
        sheet,
        1,
        [
            Column(_("Kind")),
            Column(_("Number")),
            Column(_("Received at"), MOMENT),
            Column(_("Category")),
            Column(_("Urgency")),
            Column(_("Status")),
            Column(_("County")),
            Column(_("Lead group")),
            Column(_("Resolve by"), MOMENT),
            Column(_("Summary")),
        ],
        rows,
        freeze=True,
    )
    # How many of each kind there are, and how many are listed (at most the first 50).
    _table(
        sheet,
        end + 1,
        [Column(_("Kind")), Column(_("Number of requests")), Column(_("Listed"))],
        [
            [key_case_title(kind), cases[kind]["count"], len(cases[kind]["cases"])]
            for kind in KEY_CASE_KINDS
        ],
    )
    _fit_columns(sheet)


def _groups_sheet(sheet: Worksheet, snapshot: dict[str, Any]) -> None:
    groups = snapshot["judgment"]["groups"]
    end = _table(
        sheet,
        1,
        [
            Column(_("Rank")),
            Column(_("Code")),
            Column(_("Working group")),
            Column(_("Received")),
            Column(_("Accepted")),
            Column(_("Mean minutes to accept"), DECIMAL),
            Column(_("Resolved")),
            Column(_("Mean minutes to resolve"), DECIMAL),
            Column(_("Overdue")),
            Column(_("Ratings")),
            Column(_("Satisfied ratings")),
            Column(_("Satisfaction rate"), PERCENT),
        ],
        [
            [
                g["rank"],
                g["group"],
                g["name"],
                g["received"],
                g["accepted"],
                g["accept_minutes"],
                g["resolved"],
                g["resolve_minutes"],
                g["overdue"],
                g["rated"],
                g["satisfied"],
                g["satisfaction"],
            ]
            for g in groups
        ],
        freeze=True,
    )
    _fit_columns(sheet)
    _note(
        sheet,
        end + 1,
        _(
            "Ranked by fewest overdue at the cut-off, then the highest satisfaction rate, then the fastest acceptance."
        ),
    )
