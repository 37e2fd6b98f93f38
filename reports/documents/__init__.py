"""The report as documents: a Word bulletin with charts, and an Excel workbook of the tables.

Both are rendered from the report's snapshot only (``DailyReport.data``) plus the issue's own
fields, never from the live tables, so the documents say exactly what the snapshot says. They
are rendered in Chinese whatever the language of the person who clicked: a report is issued in
Chinese. The helpers below are shared by the two renderers so that a rate, a time or an
urgency reads the same in both.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from django.utils import translation
from django.utils.translation import gettext as _

from core.models import Status, Urgency
from reports.figures import localtime_label
from reports.judgment import KEY_CASE_KINDS
from reports.narrative import percent

__all__ = ["KEY_CASE_KINDS", "localtime_label", "percent", "render_docx", "render_xlsx"]

if TYPE_CHECKING:
    from reports.models import DailyReport

#: The language a report is issued in.
REPORT_LANGUAGE = "zh-hans"
#: Printed where a value does not exist (a rate with nothing due), never as 0.
NONE_TEXT = "—"


def render_docx(report: DailyReport) -> bytes:
    """The Word bulletin (.docx) of ``report``."""
    from reports.documents.docx import build_docx

    with translation.override(REPORT_LANGUAGE):
        return build_docx(report)


def render_xlsx(report: DailyReport) -> bytes:
    """The Excel workbook (.xlsx) with the table behind every number of ``report``."""
    from reports.documents.xlsx import build_xlsx

    with translation.override(REPORT_LANGUAGE):
        return build_xlsx(report)


def date_text(day: date) -> str:
    return _("%(year)d-%(month)02d-%(day)02d") % {
        "year": day.year,
        "month": day.month,
        "day": day.day,
    }


def issue_text(report: DailyReport) -> str:
    """第N期, and （第V版） for a corrected version."""
    text = _("Issue %(issue)d") % {"issue": report.issue}
    if report.version > 1:
        text += _(" (version %(version)d)") % {"version": report.version}
    return text


def urgency_label(key: str) -> str:
    return str(Urgency(key).label) if key in Urgency.values else key


def status_label(key: str) -> str:
    return str(Status(key).label) if key in Status.values else key


def key_case_title(kind: str) -> str:
    titles = {
        "critical": _("Critical requests"),
        "overdue": _("Overdue at the cut-off"),
        "reopened": _("Reopened after an unsatisfied rating"),
    }
    return titles[kind]


def dimension_title(dimension: str) -> str:
    """The rising test looks at categories and counties; name the dimension as the report does."""
    titles = {"category": _("Category"), "county": _("County")}
    return titles.get(dimension, dimension)


def difference_text(now: float, before: float) -> str:
    """+5, -3 or 0: a change is printed with its sign."""
    change = round(now - before, 1)
    return f"{change:+g}" if change else "0"


def hot_words_note(hot: dict[str, Any]) -> str:
    """What the hot words were counted from: all the day's requests, or a stated sample."""
    note = _(
        "The number after a word is how many requests use it, from the descriptions of %(sampled)d "
        "of the %(total)d requests received."
    ) % {"sampled": hot["sampled"], "total": hot["total"]}
    if hot["step"] > 1:
        note += _(" Every %(step)dth request was read and the counts scaled up.") % {
            "step": hot["step"]
        }
    return note


def snapshot_of(report: DailyReport) -> dict[str, Any]:
    data: dict[str, Any] = report.data
    return data
