"""The report's documents: the Word bulletin, the Excel workbook and their charts.

Headings are checked through gettext of their English msgids (the Chinese catalogue may not
have them yet); the words and numbers are checked against the snapshot the report carries.
"""

from __future__ import annotations

import copy
import io
import os
import shutil
import struct
import subprocess
import warnings
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation
from django.utils.translation import gettext
from docx import Document
from matplotlib.figure import Figure
from matplotlib.font_manager import fontManager
from openpyxl import load_workbook

from core.access import Actor
from reports.documents import charts, date_text, render_docx, render_xlsx
from reports.models import DailyReport
from reports.services import report_generate

RESULTS = Path(__file__).resolve().parents[2] / "test-results" / "reports"
SECTIONS = ("1. Overview", "2. Analysis", "3. Key cases", "4. The working groups", "5. Next steps")
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

pytestmark = pytest.mark.django_db


def zh(msgid: str) -> str:
    """A heading as the documents print it: the msgid in the report's language."""
    with translation.override("zh-hans"):
        return gettext(msgid)


#: The seeded day's report, generated once per test process: seeding the day takes seconds,
#: and the tests only read the report's documents and snapshot, which never change.
_ISSUED: dict[str, DailyReport] = {}


def issue(dispatcher: Any, day: date, reason: str = "") -> DailyReport:
    with warnings.catch_warnings():
        # A Chinese word drawn as empty boxes fails the test (see the chart tests below).
        warnings.filterwarnings("error", message=r".*missing from font")
        return report_generate(day, actor=Actor(user=dispatcher), reason=reason)


@pytest.fixture
def report(request: pytest.FixtureRequest, seeded_day: date) -> DailyReport:
    if "seeded" not in _ISSUED:
        # The persona after the seed: it takes over the seed's "dispatcher" account.
        _ISSUED["seeded"] = issue(request.getfixturevalue("dispatcher"), seeded_day)
    return _ISSUED["seeded"]


def paragraphs(report: DailyReport) -> list[str]:
    return [p.text for p in Document(io.BytesIO(report.docx)).paragraphs]


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == PNG_MAGIC
    width, height = struct.unpack(">II", data[16:24])
    return width, height


# --- The Word bulletin ------------------------------------------------------------------------


def test_docx_carries_the_masthead_and_the_five_sections_in_order(report: DailyReport) -> None:
    texts = paragraphs(report)
    joined = "\n".join(texts)
    assert zh("Epidemic help requests daily report") in texts[0]
    assert zh("Issue %(issue)d") % {"issue": report.issue} in joined
    assert zh(" (version %(version)d)") % {"version": 1} not in joined
    masthead = next(t for t in texts if report.issuer in t)
    with translation.override("zh-hans"):
        assert date_text(report.day) in masthead
    positions = [texts.index(zh(heading)) for heading in SECTIONS]
    assert positions == sorted(positions)
    assert report.data["words"]["overview"] in texts
    for line in report.data["words"]["judgment"] + report.data["words"]["next_steps"]:
        assert any(line in t for t in texts)
    assert report.generated_by_name in texts[-1]


def test_docx_tables_agree_with_the_snapshot(report: DailyReport) -> None:
    data = report.data
    document = Document(io.BytesIO(report.docx))
    counts, rates = document.tables[0], document.tables[1]
    printed = {row.cells[0].text: row.cells[1].text for row in counts.rows[1:]}
    assert printed == {data["metric_names"][m]: str(n) for m, n in data["totals"].items()}
    assert data["totals"]["received"] == 97
    for row, rate in zip(rates.rows[1:], data["rates"].values(), strict=True):
        assert row.cells[0].text == rate["name"]
        assert row.cells[2].text == f"{rate['numerator']} / {rate['denominator']}"
        assert rate["formula"] in row.cells[5].text
    # Every working group of the ranking has its row, in rank order.
    groups = data["judgment"]["groups"]
    ranking = next(t for t in document.tables if t.rows[0].cells[0].text == zh("Rank"))
    assert [r.cells[1].text for r in ranking.rows[1:]] == [g["name"] for g in groups]
    # Each kind of key case lists its cases (at most the first 50).
    numbers = {c.text for t in document.tables for r in t.rows[1:] for c in r.cells[:1]}
    for kind in ("critical", "overdue", "reopened"):
        assert {c["number"] for c in data["judgment"]["key_cases"][kind]["cases"]} <= numbers


def test_docx_embeds_the_three_charts(report: DailyReport) -> None:
    document = Document(io.BytesIO(report.docx))
    assert len(document.inline_shapes) == 3
    images = [p for p in document.part.package.parts if p.content_type == "image/png"]
    assert len(images) == 3
    for image in images:
        width, height = png_size(image.blob)
        assert width >= 900 and height >= 300


def test_second_version_shows_its_number_and_reason(dispatcher: Any, seeded_day: date) -> None:
    report = issue(dispatcher, seeded_day)
    again = issue(dispatcher, seeded_day, reason="补录两件漏报诉求")
    joined = "\n".join(paragraphs(again))
    assert again.issue == report.issue and again.version == 2
    assert (
        zh("Issue %(issue)d") % {"issue": report.issue}
        + zh(" (version %(version)d)") % {"version": 2}
        in joined
    )
    assert "补录两件漏报诉求" in joined
    workbook = load_workbook(io.BytesIO(again.xlsx))
    overview = workbook.worksheets[0]
    assert "补录两件漏报诉求" in [c.value for c in overview["B"]]


def test_an_empty_day_still_makes_both_documents(dispatcher: Any) -> None:
    report = issue(dispatcher, date(2022, 1, 10))
    assert report.data["empty"]
    texts = paragraphs(report)
    assert report.data["words"]["overview"] in texts
    assert all(zh(heading) in texts for heading in SECTIONS)
    document = Document(io.BytesIO(report.docx))
    assert len(document.inline_shapes) == 0
    assert texts.count(zh("None.")) == 3
    assert zh("No working group had a request to handle in this period.") in texts
    workbook = load_workbook(io.BytesIO(report.xlsx))
    channel = workbook[report.data["dimension_names"]["channel"]]
    assert [c.value for c in channel[2]][:3] == [zh("Total"), None, 0]


def test_docx_says_when_a_list_is_cut_and_prints_clusters(report: DailyReport) -> None:
    data = copy.deepcopy(report.data)
    overdue = data["judgment"]["key_cases"]["overdue"]
    overdue["count"] = len(overdue["cases"]) + 70
    data["judgment"]["clusters"] = [
        {
            "place": "解放区 焦南街道 幸福小区",
            "category_name": "生活物资",
            "count": 4,
            "densest": 3,
            "first": "2022-01-14 08:00",
            "last": "2022-01-14 11:30",
            "words": ["买菜", "配送"],
            "numbers": ["20220114-0001"],
        }
    ]
    edited = DailyReport(
        issue=report.issue,
        version=report.version,
        day=report.day,
        cutoff=report.cutoff,
        issuer=report.issuer,
        generated_by_name=report.generated_by_name,
        generated_at=report.generated_at,
        reason="",
        data=data,
    )
    document = Document(io.BytesIO(render_docx(edited)))
    texts = [p.text for p in document.paragraphs]
    assert zh("Only the first %(n)d are listed.") % {"n": len(overdue["cases"])} in texts
    assert zh("No cluster was found.") not in texts
    cells = {c.text for t in document.tables for r in t.rows for c in r.cells}
    assert {"解放区 焦南街道 幸福小区", "买菜、配送"} <= cells
    clusters = load_workbook(io.BytesIO(render_xlsx(edited)))[zh("Clusters")]
    assert [c.value for c in clusters[2]][:4] == ["解放区 焦南街道 幸福小区", "生活物资", 4, 3]


# --- The Excel workbook -----------------------------------------------------------------------


def test_xlsx_breakdowns_sum_to_their_total_row(report: DailyReport) -> None:
    data = report.data
    workbook = load_workbook(io.BytesIO(report.xlsx))
    metrics = list(data["totals"])
    for dimension, rows in data["breakdowns"].items():
        sheet = workbook[data["dimension_names"][dimension]]
        assert sheet.freeze_panes == "A2"
        values = list(sheet.iter_rows(values_only=True))
        header, body, total = values[0], values[1:-1], values[-1]
        assert list(header[2:]) == [data["metric_names"][m] for m in metrics]
        assert total[0] == zh("Total")
        assert len(body) == len(rows)
        for index, metric in enumerate(metrics, start=2):
            assert total[index] == data["totals"][metric]
            assert sum(row[index] for row in body) == total[index]


def test_xlsx_rates_are_their_numerator_over_their_denominator(report: DailyReport) -> None:
    workbook = load_workbook(io.BytesIO(report.xlsx))
    overview = workbook.worksheets[0]
    names = {rate["name"]: rate for rate in report.data["rates"].values()}
    found = 0
    for row in overview.iter_rows():
        if row[0].value in names:
            numerator, denominator, value = row[1].value, row[2].value, row[3]
            assert denominator > 0
            assert value.value == pytest.approx(numerator / denominator, abs=5e-5)
            assert value.number_format == "0.0%"
            assert row[6].value == names[row[0].value]["formula"]
            found += 1
    assert found == 3


def test_xlsx_has_every_table_behind_the_numbers(report: DailyReport) -> None:
    data = report.data
    workbook = load_workbook(io.BytesIO(report.xlsx))
    expected = [
        zh("Overview"),
        *(data["dimension_names"][d] for d in data["breakdowns"]),
        zh("Trend"),
        zh("Rising"),
        zh("Hot words"),
        zh("Clusters"),
        zh("Key cases"),
        zh("Group ranking"),
    ]
    assert workbook.sheetnames == expected
    for sheet in workbook.worksheets:
        assert sheet.freeze_panes == "A2"
    trend = list(workbook[zh("Trend")].iter_rows(min_row=2, values_only=True))
    assert [(r[1], r[2]) for r in trend] == [(d["received"], d["resolved"]) for d in data["trend"]]
    assert trend[-1][1] == 97
    cases = data["judgment"]["key_cases"]
    listed = sum(len(cases[k]["cases"]) for k in cases)
    numbers = [
        r[1]
        for r in workbook[zh("Key cases")].iter_rows(
            min_row=2, max_row=1 + listed, values_only=True
        )
    ]
    assert numbers == [
        c["number"] for k in ("critical", "overdue", "reopened") for c in cases[k]["cases"]
    ]
    ranking = list(workbook[zh("Group ranking")].iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in ranking[: len(data["judgment"]["groups"])]] == list(
        range(1, len(data["judgment"]["groups"]) + 1)
    )
    words = list(workbook[zh("Hot words")].iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in words[: len(data["judgment"]["hot_words"]["words"])]] == [
        w["word"] for w in data["judgment"]["hot_words"]["words"]
    ]


# --- Charts -----------------------------------------------------------------------------------

SNAPSHOT = {
    "metric_names": {"received": "已受理", "resolved": "已办结"},
    "dimension_names": {"category": "诉求类别", "county": "县区"},
    "trend": [
        {"day": f"2022-01-{n:02d}", "received": n * 3 % 17, "resolved": n * 5 % 13}
        for n in range(1, 31)
    ],
    "breakdowns": {
        "category": [
            {"name": "就医需求（含配药）", "received": 31},
            {"name": "生活物资", "received": 44},
            {"name": "健康码转码", "received": 0},
            {"name": "疫情政策咨询", "received": 12},
        ],
        "county": [
            {"name": name, "received": n}
            for n, name in enumerate(
                [
                    "解放区",
                    "中站区",
                    "马村区",
                    "山阳区",
                    "修武县",
                    "博爱县",
                    "武陟县",
                    "温县",
                    "沁阳市",
                    "孟州市",
                    "示范区",
                ],
                start=1,
            )
        ],
    },
}


@pytest.mark.parametrize(
    "draw",
    [charts.snapshot_trend_chart, charts.category_chart, charts.county_chart],
    ids=["trend", "category", "county"],
)
def test_charts_draw_every_chinese_glyph(draw: Any) -> None:
    with warnings.catch_warnings():
        # matplotlib only warns when a glyph is missing and draws an empty box instead.
        warnings.filterwarnings("error", message=r".*missing from font")
        png = draw(SNAPSHOT)
    assert png is not None
    width, height = png_size(png)
    assert width == int(charts.WIDTH_INCHES * charts.DPI)
    assert height >= 200


def test_the_glyph_check_catches_a_font_without_chinese() -> None:
    figure = Figure()
    figure.text(0.5, 0.5, "诉求", fontfamily="DejaVu Sans")
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=r".*missing from font")
        with pytest.raises(UserWarning, match="missing from font"):
            figure.savefig(io.BytesIO(), format="png")


def test_bar_chart_leaves_out_zeros_and_nothing_to_draw_is_none() -> None:
    assert charts.bar_chart([{"name": "生活物资", "received": 0}], "诉求类别") is None
    assert charts.trend_chart([{"day": "2022-01-01", "received": 0, "resolved": 0}], {}) is None


def test_a_machine_without_a_chinese_font_gets_a_clear_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(fontManager, "ttflist", [])
    monkeypatch.setattr(charts, "_fontconfig_choice", lambda: None)
    charts.chinese_font.cache_clear()
    try:
        with pytest.raises(charts.ChineseFontMissing, match="fonts-noto-cjk"):
            charts.chinese_font()
    finally:
        charts.chinese_font.cache_clear()


def test_without_a_chinese_font_the_report_is_issued_without_its_charts(
    report: DailyReport, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At 00:30 a missing font must not cost the day its report: the charts are left out."""
    monkeypatch.setattr(fontManager, "ttflist", [])
    monkeypatch.setattr(charts, "_fontconfig_choice", lambda: None)
    charts.chinese_font.cache_clear()
    try:
        with translation.override("en"):
            document = Document(io.BytesIO(render_docx(report)))
    finally:
        charts.chinese_font.cache_clear()
    assert not document.inline_shapes
    assert any("fonts-noto-cjk" in p.text for p in document.paragraphs)
    assert any(report.data["words"]["overview"] in p.text for p in document.paragraphs)


# --- The first page, as printed ---------------------------------------------------------------


# How LibreOffice prints the document (fonts, layout) does not depend on the database the
# figures came from: one pass.
@pytest.mark.db_independent
def test_docx_first_page_prints_with_a_chinese_font(report: DailyReport, tmp_path: Path) -> None:
    tools = {name: shutil.which(name) for name in ("soffice", "pdftoppm", "pdffonts", "pdftotext")}
    missing = [name for name, path in tools.items() if path is None]
    if missing:
        message = (
            f"{', '.join(missing)} not installed (Debian: libreoffice-writer-nogui, poppler-utils)."
        )
        if os.environ.get("HUYING_REQUIRE_BROWSER"):
            pytest.fail(message)
        pytest.skip(message)
    source = tmp_path / "report.docx"
    source.write_bytes(report.docx)
    # A private profile: LibreOffice refuses to share one between processes (parallel tests),
    # and the default one may not be writable.
    subprocess.run(  # noqa: S603 - fixed arguments and paths of our own making
        [
            str(tools["soffice"]),
            f"-env:UserInstallation=file://{tmp_path / 'profile'}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    pdf = tmp_path / "report.pdf"
    assert pdf.exists()
    RESULTS.mkdir(parents=True, exist_ok=True)
    subprocess.run(  # noqa: S603 - as above
        [
            str(tools["pdftoppm"]),
            "-png",
            "-r",
            "80",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            str(pdf),
            str(RESULTS / "docx-page1"),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    assert (RESULTS / "docx-page1.png").read_bytes()[:8] == PNG_MAGIC

    fonts = subprocess.run(  # noqa: S603 - as above
        [str(tools["pdffonts"]), str(pdf)], check=True, capture_output=True, text=True, timeout=60
    ).stdout.splitlines()[2:]
    chinese = [
        line
        for line in fonts
        if any(k in line for k in ("CJK", "Noto", "Han", "Hei", "Song", "Fang"))
    ]
    assert chinese, fonts
    assert any(" yes " in line and "Type 3" not in line for line in chinese), chinese

    text = subprocess.run(  # noqa: S603 - as above
        [str(tools["pdftotext"]), "-f", "1", "-l", "1", str(pdf), "-"],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    flat = "".join(text.split())
    assert "".join(report.data["words"]["overview"].split())[:60] in flat
    assert report.issuer in flat
