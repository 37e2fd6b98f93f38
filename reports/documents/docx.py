"""The daily report as a Word bulletin (日报), laid out like a government briefing.

A red masthead (title, issue, issuing body and date over a red rule), then five numbered
sections: overview, analysis, key cases, working groups, next steps; a closing line says who
generated it and when. The page follows GB/T 9704 (A4, 37/35/28/26 mm margins) and names the
usual government fonts for Chinese text; a machine without them substitutes its own, which is
why every run names its East Asian font explicitly rather than relying on the Latin one.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Sequence
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from docx.table import Table
from docx.text.paragraph import Paragraph
from docx.text.run import Run

from reports.documents import (
    KEY_CASE_KINDS,
    NONE_TEXT,
    charts,
    date_text,
    difference_text,
    dimension_title,
    hot_words_note,
    issue_text,
    localtime_label,
    percent,
    snapshot_of,
    status_label,
)
from reports.models import DailyReport

# Fonts: (Latin, East Asian). The East Asian names are those Chinese offices have installed.
TITLE_FONT = ("Times New Roman", "方正小标宋简体")
HEAD_FONT = ("Times New Roman", "黑体")
SUBHEAD_FONT = ("Times New Roman", "楷体_GB2312")
BODY_FONT = ("Times New Roman", "仿宋_GB2312")

RED = RGBColor(0xE6, 0x00, 0x12)
RED_HEX = "E60012"
TITLE_SIZE = Pt(36)  # 小初
HEAD_SIZE = Pt(16)  # 三号
BODY_SIZE = Pt(14)  # 四号
TABLE_SIZE = Pt(10.5)  # 五号
SMALL_SIZE = Pt(9)  # 小五

PAGE_WIDTH, PAGE_HEIGHT = Cm(21.0), Cm(29.7)
MARGINS = {"top": Cm(3.7), "bottom": Cm(3.5), "left": Cm(2.8), "right": Cm(2.6)}
TEXT_WIDTH = Cm(21.0 - 2.8 - 2.6)
#: Charts fill the text width less a little, so they never push into the margin.
CHART_WIDTH = Cm(15.4)
#: Paragraph styles of table cells: name -> (fonts, size, bold, centred).
TABLE_STYLES: dict[str, tuple[tuple[str, str], Pt, bool, bool]] = {
    "Report table head": (HEAD_FONT, TABLE_SIZE, False, True),
    "Report table": (BODY_FONT, TABLE_SIZE, False, False),
    "Report table number": (BODY_FONT, TABLE_SIZE, False, True),
    "Report small table head": (HEAD_FONT, SMALL_SIZE, False, True),
    "Report small table": (BODY_FONT, SMALL_SIZE, False, False),
    "Report small table number": (BODY_FONT, SMALL_SIZE, False, True),
}
#: Two characters of first-line indent, the Chinese paragraph convention.
INDENT = Pt(28)

logger = logging.getLogger(__name__)


def build_docx(report: DailyReport) -> bytes:
    snapshot = snapshot_of(report)
    document = Document()
    _set_up_page(document)
    _set_up_styles(document)
    _set_properties(document, report)
    _masthead(document, report)
    _overview_section(document, snapshot)
    _analysis_section(document, snapshot)
    _key_cases_section(document, snapshot)
    _groups_section(document, snapshot)
    _next_steps_section(document, snapshot)
    _closing_line(document, report)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


# --- Page, styles, fonts ----------------------------------------------------------------------


def _set_up_page(document: DocumentObject) -> None:
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = PAGE_WIDTH, PAGE_HEIGHT
    section.top_margin = MARGINS["top"]
    section.bottom_margin = MARGINS["bottom"]
    section.left_margin = MARGINS["left"]
    section.right_margin = MARGINS["right"]
    section.footer_distance = Cm(2.2)
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    # "— 1 —": the page number between dashes, as printed on government documents.
    _run(footer, "— ", font=BODY_FONT, size=SMALL_SIZE)
    _page_number_field(_run(footer, "", font=BODY_FONT, size=SMALL_SIZE))
    _run(footer, " —", font=BODY_FONT, size=SMALL_SIZE)


def _page_number_field(run: Run) -> None:
    """A PAGE field in ``run``: Word and LibreOffice put the page's number in its place."""

    def field_char(kind: str) -> Any:
        char = OxmlElement("w:fldChar")
        char.set(qn("w:fldCharType"), kind)
        return char

    instruction = OxmlElement("w:instrText")
    instruction.set(qn("xml:space"), "preserve")
    instruction.text = " PAGE "
    placeholder = OxmlElement("w:t")
    placeholder.text = "1"
    for element in (
        field_char("begin"),
        instruction,
        field_char("separate"),
        placeholder,
        field_char("end"),
    ):
        run._r.append(element)


def _set_up_styles(document: DocumentObject) -> None:
    """Body text in 仿宋, Chinese as the East Asian language, and the table styles.

    The template's defaults point East Asian text at its theme font (a Japanese one) and tag
    it en-US; both are replaced in the document defaults, so that Word and LibreOffice pick a
    Chinese fallback font when the named one is missing, and break lines the Chinese way.
    Table cells get paragraph styles rather than formatting on every run: a report has
    hundreds of cells, and one style is both smaller and faster to write.
    """
    defaults = document.styles.element.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    rfonts = rpr.find(qn("w:rFonts"))
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        rfonts.attrib.pop(qn(theme), None)
    _name_fonts(rpr, BODY_FONT)
    language = rpr.find(qn("w:lang"))
    language.set(qn("w:eastAsia"), "zh-CN")
    normal = document.styles["Normal"]
    normal.font.size = BODY_SIZE
    fmt = normal.paragraph_format
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(0)
    fmt.line_spacing = 1.25
    for name, (font, size, bold, centre) in TABLE_STYLES.items():
        style = document.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = normal
        style.font.size = size
        style.font.bold = bold
        _name_fonts(style.element.get_or_add_rPr(), font)
        style.paragraph_format.line_spacing = 1.0
        style.paragraph_format.alignment = (
            WD_ALIGN_PARAGRAPH.CENTER if centre else WD_ALIGN_PARAGRAPH.LEFT
        )


def _name_fonts(rpr: Any, fonts: tuple[str, str]) -> None:
    latin, east_asian = fonts
    rfonts = rpr.get_or_add_rFonts()
    rfonts.set(qn("w:ascii"), latin)
    rfonts.set(qn("w:hAnsi"), latin)
    rfonts.set(qn("w:eastAsia"), east_asian)
    rfonts.set(qn("w:cs"), latin)


def _set_properties(document: DocumentObject, report: DailyReport) -> None:
    properties = document.core_properties
    properties.title = str(report.title)
    properties.author = report.issuer
    properties.created = report.generated_at
    properties.language = "zh-CN"
    properties.subject = date_text(report.day)


def _run(
    paragraph: Paragraph,
    text: str,
    *,
    font: tuple[str, str] = BODY_FONT,
    size: Pt | None = None,
    bold: bool = False,
    colour: RGBColor | None = None,
) -> Run:
    run = paragraph.add_run(text)
    _name_fonts(run._r.get_or_add_rPr(), font)
    if size is not None:
        run.font.size = size
    if bold:
        run.bold = True
    if colour is not None:
        run.font.color.rgb = colour
    return run


#: The paragraph properties that the schema puts after the borders.
_AFTER_PBDR = tuple(
    f"w:{name}"
    for name in (
        "shd",
        "tabs",
        "suppressAutoHyphens",
        "kinsoku",
        "wordWrap",
        "overflowPunct",
        "topLinePunct",
        "autoSpaceDE",
        "autoSpaceDN",
        "bidi",
        "adjustRightInd",
        "snapToGrid",
        "spacing",
        "ind",
        "contextualSpacing",
        "mirrorIndents",
        "suppressOverlap",
        "jc",
        "textDirection",
        "textAlignment",
        "textboxTightWrap",
        "outlineLvl",
        "divId",
        "cnfStyle",
        "rPr",
        "sectPr",
        "pPrChange",
    )
)


def _border(paragraph: Paragraph, side: str, colour: str, eighths: int) -> None:
    """A rule on one side of a paragraph; ``eighths`` is its width in eighths of a point."""
    ppr = paragraph._p.get_or_add_pPr()
    borders = ppr.find(qn("w:pBdr"))
    if borders is None:
        borders = OxmlElement("w:pBdr")
        # Word rejects a file whose paragraph properties are out of the schema's order.
        ppr.insert_element_before(borders, *_AFTER_PBDR)
    line = OxmlElement(f"w:{side}")
    line.set(qn("w:val"), "single")
    line.set(qn("w:sz"), str(eighths))
    line.set(qn("w:space"), "4")
    line.set(qn("w:color"), colour)
    borders.append(line)


# --- Building blocks --------------------------------------------------------------------------


def _text(
    document: DocumentObject, text: str, *, indent: bool = True, size: Pt | None = None
) -> Paragraph:
    paragraph = document.add_paragraph()
    if indent:
        paragraph.paragraph_format.first_line_indent = INDENT if size is None else Pt(size.pt * 2)
    paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    _run(paragraph, text, size=size)
    return paragraph


def _heading(document: DocumentObject, text: str) -> None:
    paragraph = document.add_paragraph()
    paragraph.paragraph_format.first_line_indent = INDENT
    paragraph.paragraph_format.space_before = Pt(10)
    paragraph.paragraph_format.space_after = Pt(4)
    paragraph.paragraph_format.keep_with_next = True
    _run(paragraph, text, font=HEAD_FONT, size=HEAD_SIZE)


def _subheading(document: DocumentObject, text: str) -> None:
    paragraph = document.add_paragraph()
    paragraph.paragraph_format.first_line_indent = INDENT
    paragraph.paragraph_format.space_before = Pt(6)
    paragraph.paragraph_format.keep_with_next = True
    _run(paragraph, text, font=SUBHEAD_FONT, size=BODY_SIZE, bold=True)


def _note(document: DocumentObject, text: str) -> None:
    paragraph = document.add_paragraph()
    paragraph.paragraph_format.space_before = Pt(2)
    paragraph.paragraph_format.space_after = Pt(4)
    _run(paragraph, text, size=SMALL_SIZE)


def _chart(document: DocumentObject, png: bytes | None) -> None:
    if png is None:
        return
    document.add_picture(io.BytesIO(png), width=CHART_WIDTH)
    picture = document.paragraphs[-1]
    picture.alignment = WD_ALIGN_PARAGRAPH.CENTER
    picture.paragraph_format.space_before = Pt(6)
    picture.paragraph_format.space_after = Pt(6)


def _table(
    document: DocumentObject,
    headers: Sequence[str],
    rows: Sequence[Sequence[Any]],
    widths_cm: Sequence[float],
    *,
    small: bool = False,
    numeric: Sequence[int] = (),
) -> Table:
    """A ruled table with a repeated, shaded header row; ``numeric`` columns are centred."""
    prefix = "Report small table" if small else "Report table"
    head, text, number = (
        document.styles[f"{prefix} head"].style_id,
        document.styles[prefix].style_id,
        document.styles[f"{prefix} number"].style_id,
    )
    table: Table = document.add_table(rows=1 + len(rows), cols=len(headers))
    table.style = document.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for index, width in enumerate(widths_cm):
        table.columns[index].width = Cm(width)
    header = table.rows[0]
    _repeat_as_header(header._tr)
    for index, title in enumerate(headers):
        cell = header.cells[index]
        _shade(cell._tc, "E7E6E6")
        _cell_text(cell.paragraphs[0], title, head)
    for row_index, values in enumerate(rows, start=1):
        cells = table.rows[row_index].cells
        for index, value in enumerate(values):
            shown = NONE_TEXT if value is None else str(value)
            _cell_text(cells[index].paragraphs[0], shown, number if index in numeric else text)
    # Word lays a table out by its cells' widths, LibreOffice by the column grid: set both.
    for row in table.rows:
        for index, cell in enumerate(row.cells):
            cell.width = Cm(widths_cm[index])
    return table


def _cell_text(paragraph: Paragraph, text: str, style_id: str) -> None:
    # The style by its id, straight into the XML: python-docx's ``paragraph.style = …`` looks
    # the style up among all of them for every cell, which made a report's tables take a second.
    paragraph._p.style = style_id
    paragraph.add_run(text)


def _repeat_as_header(tr: Any) -> None:
    properties = tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    properties.append(repeat)


def _shade(tc: Any, fill: str) -> None:
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    tc.get_or_add_tcPr().append(shading)


def _after_table(document: DocumentObject) -> None:
    """A little air below a table: Word glues the next paragraph to the table's last rule."""
    spacer = document.add_paragraph()
    spacer.paragraph_format.line_spacing = Pt(6)


# --- The masthead -----------------------------------------------------------------------------


def _masthead(document: DocumentObject, report: DailyReport) -> None:
    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.paragraph_format.space_before = Pt(12)
    title.paragraph_format.space_after = Pt(12)
    title.paragraph_format.line_spacing = 1.0
    _run(
        title,
        _("Epidemic help requests daily report"),
        font=TITLE_FONT,
        size=TITLE_SIZE,
        bold=True,
        colour=RED,
    )

    issue = document.add_paragraph()
    issue.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(issue, issue_text(report), size=HEAD_SIZE)
    if report.version > 1 and report.reason:
        reason = document.add_paragraph()
        reason.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _run(
            reason,
            _("Reason for this version: %(reason)s") % {"reason": report.reason},
            size=Pt(12),
        )

    # The issuing body at the left margin and the date at the right, on one line over the rule.
    line = document.add_paragraph()
    line.paragraph_format.space_before = Pt(12)
    line.paragraph_format.space_after = Pt(18)
    line.paragraph_format.tab_stops.add_tab_stop(TEXT_WIDTH, WD_TAB_ALIGNMENT.RIGHT)
    _run(line, report.issuer, size=HEAD_SIZE)
    _run(line, "\t" + date_text(report.day), size=HEAD_SIZE)
    _border(line, "bottom", RED_HEX, 18)


# --- 一、总体情况 ------------------------------------------------------------------------------


def _overview_section(document: DocumentObject, snapshot: dict[str, Any]) -> None:
    _heading(document, _("1. Overview"))
    _text(document, snapshot["words"]["overview"])
    _text(
        document,
        _("Period: %(period)s; cut-off %(cutoff)s.")
        % {
            "period": snapshot["period"]["label"],
            "cutoff": snapshot["period"]["cutoff"],
        },
        size=Pt(12),
    )

    _subheading(document, _("(1) The counts"))
    totals = snapshot["totals"]
    before = snapshot["previous_day"]["totals"]
    week = snapshot["previous_7_days"]["daily_mean"]
    rows = [
        [
            snapshot["metric_names"][metric],
            totals[metric],
            before.get(metric),
            difference_text(totals[metric], before.get(metric, 0)),
            week.get(metric),
            snapshot["definitions"][metric],
        ]
        for metric in totals
    ]
    _table(
        document,
        [
            _("Indicator"),
            _("This period"),
            _("Previous day"),
            _("Change on the day before"),
            _("Daily mean, previous 7 days"),
            _("Definition"),
        ],
        rows,
        [2.6, 1.6, 1.6, 1.5, 2.0, 6.3],
        numeric=(1, 2, 3, 4),
    )
    _note(
        document,
        _(
            "Open and overdue are counted at the cut-off; the 7-day mean is given for counts over a period only."
        ),
    )

    _subheading(document, _("(2) The three rates"))
    previous_rates = snapshot["previous_day"]["rates"]
    week_rates = snapshot["previous_7_days"]["rates"]
    rate_rows = [
        [
            rate["name"],
            percent(rate["value"]),
            f"{rate['numerator']} / {rate['denominator']}",
            percent(previous_rates.get(name)),
            percent(week_rates.get(name)),
            rate["formula"],
        ]
        for name, rate in snapshot["rates"].items()
    ]
    _table(
        document,
        [
            _("Rate"),
            _("This period"),
            _("Numerator / denominator"),
            _("Previous day"),
            _("Previous 7 days"),
            _("Formula"),
        ],
        rate_rows,
        [2.2, 1.6, 2.2, 1.6, 1.6, 6.4],
        numeric=(1, 2, 3, 4),
    )
    _note(document, _("A rate with nothing to count (0 / 0) is shown as “—”, not as 0%."))

    try:
        pictures = [
            charts.snapshot_trend_chart(snapshot),
            charts.category_chart(snapshot),
            charts.county_chart(snapshot),
        ]
    except charts.ChineseFontMissing:
        # A report without its charts beats no report at 00:30; the note says what to install.
        logger.warning("Daily report rendered without charts: no font can draw Chinese.")
        _note(
            document,
            _(
                "The charts are left out: this server has no font that can draw Chinese "
                "(install one, e.g. the package fonts-noto-cjk)."
            ),
        )
        pictures = []
    for picture in pictures:
        _chart(document, picture)


# --- 二、研判分析 ------------------------------------------------------------------------------


def _analysis_section(document: DocumentObject, snapshot: dict[str, Any]) -> None:
    found = snapshot["judgment"]
    _heading(document, _("2. Analysis"))
    for line in snapshot["words"]["judgment"]:
        _text(document, line)

    _subheading(document, _("(1) Rising categories and counties"))
    if found["rising"]:
        _table(
            document,
            [
                _("Kind"),
                _("Category or county"),
                _("Received"),
                _("Daily mean, previous 7 days"),
                _("Ratio"),
                "z",
            ],
            [
                [
                    dimension_title(r["dimension"]),
                    r["name"],
                    r["count"],
                    r["baseline_mean"],
                    r["ratio"],
                    r["z"],
                ]
                for r in found["rising"]
            ],
            [2.0, 4.6, 1.8, 3.0, 2.0, 2.2],
            numeric=(2, 3, 4, 5),
        )
    else:
        _text(document, _("No category or county rose above its recent level."))
    _note(document, _("Test: %(test)s.") % {"test": found["rising_test"]})

    _subheading(document, _("(2) Clusters"))
    if found["clusters"]:
        _table(
            document,
            [
                _("Place"),
                _("Category"),
                _("Number of requests"),
                _("First"),
                _("Last"),
                _("Common words"),
            ],
            [
                [
                    c["place"],
                    c["category_name"],
                    c["count"],
                    c["first"],
                    c["last"],
                    "、".join(c["words"]),
                ]
                for c in found["clusters"]
            ],
            [4.4, 2.4, 1.4, 2.2, 2.2, 3.0],
            numeric=(2,),
        )
    else:
        _text(document, _("No cluster was found."))
    _note(document, _("Test: %(test)s.") % {"test": found["cluster_test"]})

    _subheading(document, _("(3) Words of the day"))
    hot = found["hot_words"]
    if hot["words"]:
        _text(document, "、".join(f"{w['word']}（{w['estimate']}）" for w in hot["words"]))
    else:
        _text(document, _("No requests, so no words."))
    _note(document, hot_words_note(hot))


# --- 三、重点个案 ------------------------------------------------------------------------------


def _key_case_heading(kind: str, count: int) -> str:
    headings = {
        "critical": _("(1) Critical requests: %(count)d"),
        "overdue": _("(2) Overdue at the cut-off: %(count)d"),
        "reopened": _("(3) Reopened after an unsatisfied rating: %(count)d"),
    }
    return headings[kind] % {"count": count}


def _key_cases_section(document: DocumentObject, snapshot: dict[str, Any]) -> None:
    cases = snapshot["judgment"]["key_cases"]
    _heading(document, _("3. Key cases"))
    for kind in KEY_CASE_KINDS:
        found = cases[kind]
        _subheading(document, _key_case_heading(kind, found["count"]))
        if not found["cases"]:
            _text(document, _("None."))
            continue
        # Times without the year: the table is narrow, and the workbook has them in full.
        _table(
            document,
            [
                _("Number"),
                _("Received at"),
                _("Category"),
                _("County"),
                _("Lead group"),
                _("Status"),
                _("Resolve by"),
                _("Summary"),
            ],
            [
                [
                    c["number"],
                    c["received_at"][5:],
                    c["category"],
                    c["county"],
                    c["group"] or NONE_TEXT,
                    status_label(c["status"]),
                    c["resolve_due_at"][5:],
                    c["summary"],
                ]
                for c in found["cases"]
            ],
            [2.6, 1.4, 1.9, 1.4, 2.0, 1.4, 1.4, 3.5],
            small=True,
        )
        if found["count"] > len(found["cases"]):
            _note(document, _("Only the first %(n)d are listed.") % {"n": len(found["cases"])})
        else:
            _after_table(document)


# --- 四、工作组办理情况 -------------------------------------------------------------------------


def _groups_section(document: DocumentObject, snapshot: dict[str, Any]) -> None:
    groups = snapshot["judgment"]["groups"]
    _heading(document, _("4. The working groups"))
    if not groups:
        _text(document, _("No working group had a request to handle in this period."))
        return
    _table(
        document,
        [
            _("Rank"),
            _("Working group"),
            _("Received"),
            _("Accepted"),
            _("Mean minutes to accept"),
            _("Resolved"),
            _("Mean minutes to resolve"),
            _("Overdue"),
            _("Satisfaction rate"),
        ],
        [
            [
                g["rank"],
                g["name"],
                g["received"],
                g["accepted"],
                g["accept_minutes"],
                g["resolved"],
                g["resolve_minutes"],
                g["overdue"],
                percent(g["satisfaction"]),
            ]
            for g in groups
        ],
        [1.2, 3.2, 1.3, 1.3, 1.9, 1.3, 1.9, 1.3, 2.2],
        numeric=(0, 2, 3, 4, 5, 6, 7, 8),
    )
    _note(
        document,
        _(
            "Ranked by fewest overdue at the cut-off, then the highest satisfaction rate, then the fastest acceptance."
        ),
    )


# --- 五、下一步工作 ----------------------------------------------------------------------------


def _next_steps_section(document: DocumentObject, snapshot: dict[str, Any]) -> None:
    _heading(document, _("5. Next steps"))
    for number, step in enumerate(snapshot["words"]["next_steps"], start=1):
        _text(document, f"{number}. {step}")


def _closing_line(document: DocumentObject, report: DailyReport) -> None:
    """The record line at the end (版记): who generated this issue, and when, between rules."""
    document.add_paragraph()
    line = document.add_paragraph()
    line.paragraph_format.tab_stops.add_tab_stop(TEXT_WIDTH, WD_TAB_ALIGNMENT.RIGHT)
    _run(line, _("Submitted by: %(name)s") % {"name": report.generated_by_name}, size=Pt(12))
    generated = localtime_label(report.generated_at or timezone.now())
    _run(line, "\t" + _("Generated at %(at)s") % {"at": generated}, size=Pt(12))
    _border(line, "top", "000000", 8)
    _border(line, "bottom", "000000", 8)
