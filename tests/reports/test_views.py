"""The daily report's pages: who may open them, bad input, numbers that match their lists,
the downloads, the dashboard and the public bulletin."""

from __future__ import annotations

import html
import re
from datetime import date
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from accounts.models import Role, User
from core.access import Actor
from core.models import HelpRequest, Requester
from reports.models import DailyReport
from reports.presentation import Drill
from reports.services import report_generate
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

LIST = reverse("reports:list")
FIGURES = reverse("reports:figures")
REQUESTS = reverse("reports:requests")
DASHBOARD = reverse("reports:dashboard")
FIGURE_LINK = re.compile(r'<a class="figure" data-metric="(\w+)" data-value="(\d+)" href="([^"]+)"')
TOTAL = re.compile(r'data-total="(\d+)"')


def signed_in(client: Client, user: User) -> Client:
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def report(seeded_day: date, dispatcher: User) -> DailyReport:
    return report_generate(seeded_day, actor=Actor(user=dispatcher))


def list_total(client: Client, url: str) -> int:
    response = client.get(html.unescape(url))
    assert response.status_code == 200, response.content.decode()[:500]
    found = TOTAL.search(response.content.decode())
    assert found is not None
    return int(found.group(1))


def field_error(response: Any, field: str) -> bool:
    return f'id="id_{field}_error"' in response.content.decode()


# --- Who may open the pages -------------------------------------------------------------------


STAFF_PAGES = [LIST, FIGURES, DASHBOARD, f"{REQUESTS}?metric=received&day=2022-01-14"]


@pytest.mark.parametrize("url", STAFF_PAGES)
def test_it_sends_anonymous_visitors_to_sign_in(client: Client, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("console:login"))


@pytest.mark.parametrize("url", STAFF_PAGES)
def test_it_refuses_a_group_member_and_the_operator(
    client: Client, member_a: User, operator: User, citizen: User, url: str
) -> None:
    for user in (member_a, operator, citizen):
        assert signed_in(Client(), user).get(url).status_code == 403


def test_it_refuses_a_group_member_the_report_and_its_documents(
    client: Client, report: DailyReport, member_a: User
) -> None:
    client = signed_in(client, member_a)
    assert client.get(reverse("reports:report", args=[report.issue])).status_code == 403
    url = reverse("reports:document", args=[report.issue, report.version, "docx"])
    assert client.get(url).status_code == 403


@pytest.mark.parametrize(
    "persona", ["dispatcher", "commander", "auditor", "leader_a", "admin_user"]
)
def test_it_lets_headquarters_read(
    client: Client, persona: str, request: pytest.FixtureRequest
) -> None:
    user = request.getfixturevalue(persona)
    client = signed_in(client, user)
    for url in (LIST, FIGURES, DASHBOARD):
        assert client.get(url).status_code == 200


def test_the_nav_links_the_daily_report_for_readers_only(
    client: Client, dispatcher: User, member_a: User
) -> None:
    link = f'href="{LIST}"'
    assert (
        link in signed_in(client, dispatcher).get(reverse("console:request_list")).content.decode()
    )
    other = signed_in(Client(), member_a)
    assert link not in other.get(reverse("console:workbench")).content.decode()


def test_an_auditor_reads_but_may_not_generate(
    client: Client, auditor: User, seeded_day: date
) -> None:
    client = signed_in(client, auditor)
    assert 'id="generate"' not in client.get(LIST).content.decode()
    response = client.post(LIST, {"day": seeded_day.isoformat(), "cutoff": "24:00"})
    assert response.status_code == 403
    assert not DailyReport.objects.exists()


# --- Generating -------------------------------------------------------------------------------


def test_the_form_defaults_to_the_configured_cut_off(client: Client, dispatcher: User) -> None:
    page = signed_in(client, dispatcher).get(LIST).content.decode()
    assert 'name="cutoff" value="24:00"' in page


def test_generating_issues_the_report_and_opens_it(
    client: Client, dispatcher: User, seeded_day: date
) -> None:
    client = signed_in(client, dispatcher)
    response = client.post(LIST, {"day": seeded_day.isoformat(), "cutoff": "24:00"})
    report = DailyReport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("reports:report_version", args=[report.issue, 1])
    page = client.get(response["Location"]).content.decode()
    # The snapshot's Chinese words: the issuer, the categories, the bulletin's sentence.
    assert report.issuer in page
    assert "疫情政策咨询" in page or "就医需求（含配药）" in page
    assert report.data["words"]["overview"] in html.unescape(page)
    assert 'id="report-charts"' in page and "<script>" not in page
    listing = client.get(LIST).content.decode()
    assert f'data-issue="{report.issue}" data-version="1"' in listing
    assert dispatcher.username in listing


def test_generating_with_htmx_redirects_the_browser(
    client: Client, dispatcher: User, seeded_day: date
) -> None:
    client = signed_in(client, dispatcher)
    response = client.post(
        LIST, {"day": seeded_day.isoformat(), "cutoff": "24:00"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert response["HX-Redirect"].startswith("/reports/")


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"day": "2099-01-01", "cutoff": "24:00"}, "day"),
        ({"day": "14/01/2022", "cutoff": "24:00"}, "day"),
        ({"day": "2022-01-14", "cutoff": "25:00"}, "cutoff"),
        ({"day": "2022-01-14", "cutoff": "7pm"}, "cutoff"),
    ],
)
def test_generating_answers_bad_input_by_field(
    client: Client, dispatcher: User, seeded_day: date, data: dict[str, str], field: str
) -> None:
    client = signed_in(client, dispatcher)
    response = client.post(LIST, data)
    assert response.status_code == 422
    assert field_error(response, field)
    fragment = client.post(LIST, data, headers={"HX-Request": "true"})
    assert fragment.status_code == 422
    assert field_error(fragment, field) and "<html" not in fragment.content.decode()
    assert not DailyReport.objects.exists()


def test_a_second_version_needs_a_reason(
    client: Client, dispatcher: User, report: DailyReport
) -> None:
    client = signed_in(client, dispatcher)
    day = report.day.isoformat()
    response = client.post(LIST, {"day": day, "cutoff": "24:00"})
    assert response.status_code == 422
    assert field_error(response, "reason")
    response = client.post(LIST, {"day": day, "cutoff": "24:00", "reason": "补录两条热线工单"})
    assert response.status_code == 302
    assert response["Location"] == reverse("reports:report_version", args=[report.issue, 2])
    page = client.get(reverse("reports:report", args=[report.issue])).content.decode()
    assert 'data-version="2"' in page and "补录两条热线工单" in page
    old = client.get(reverse("reports:report_version", args=[report.issue, 1])).content.decode()
    assert 'data-version="1"' in old
    listing = client.get(LIST).content.decode()
    assert 'data-version="2"' in listing and 'data-version="1"' in listing


def test_a_missing_report_is_not_found(client: Client, dispatcher: User) -> None:
    client = signed_in(client, dispatcher)
    assert client.get(reverse("reports:report", args=[99])).status_code == 404
    assert client.get(reverse("reports:report_version", args=[99, 2])).status_code == 404


# --- Every number and its list ----------------------------------------------------------------


def test_the_numbers_on_the_report_match_their_lists(
    client: Client, dispatcher: User, report: DailyReport
) -> None:
    client = signed_in(client, dispatcher)
    page = client.get(reverse("reports:report", args=[report.issue])).content.decode()
    found = FIGURE_LINK.findall(page)
    assert {metric for metric, _v, _u in found} >= {"received", "resolved", "open", "overdue"}
    for _metric, value, url in found:
        assert list_total(client, url) == int(value)
    assert report.data["totals"]["received"] == 97


def test_breakdowns_and_rates_match_their_lists(
    client: Client, dispatcher: User, report: DailyReport
) -> None:
    client = signed_in(client, dispatcher)
    data = report.data
    drill = Drill.for_stored(data["period"], report=report.pk)
    for dimension, metric in (
        ("category", "received"),
        ("county", "open"),
        ("group", "overdue"),
        ("channel", "resolved"),
        ("urgency", "received"),
    ):
        for row in data["breakdowns"][dimension][:3]:
            assert list_total(client, drill.url(metric, **{dimension: row["key"]})) == row[metric]
    for rate in data["rates"].values():
        assert list_total(client, drill.url(rate["numerator_metric"])) == rate["numerator"]
        assert list_total(client, drill.url(rate["denominator_metric"])) == rate["denominator"]
    link = drill.url("received")
    listing = client.get(link).content.decode()
    assert 'class="rp-live-note"' in listing
    assert f'href="{reverse("reports:report_version", args=[report.issue, 1])}"' in listing


def test_the_list_pages_fifty_at_a_time_and_links_the_console(
    client: Client, dispatcher: User, seeded_day: date
) -> None:
    client = signed_in(client, dispatcher)
    url = f"{REQUESTS}?metric=received&day={seeded_day.isoformat()}"
    first = client.get(url).content.decode()
    assert first.count('<tr data-number="') == 50
    second = client.get(url + "&page=2").content.decode()
    assert second.count('<tr data-number="') == 47
    number = (
        HelpRequest.objects.filter(received_at__date=seeded_day).order_by("received_at").first()
    )
    assert number is not None
    assert reverse("console:request_detail", args=[number.number]) in first


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("metric=popularity&day=2022-01-14", "metric"),
        ("day=2022-01-14", "metric"),
        ("metric=received&day=2022-01-14&colour=red", "colour"),
        ("metric=received&start=2022-01-15&end=2022-01-14", "end"),
        ("metric=received&day=2022-02-30", "day"),
    ],
)
def test_the_list_answers_a_bad_query_with_422(
    client: Client, dispatcher: User, query: str, field: str
) -> None:
    response = signed_in(client, dispatcher).get(f"{REQUESTS}?{query}")
    assert response.status_code == 422
    assert f'data-field="{field}"' in response.content.decode()


# --- Live figures -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("start=2022-01-15&end=2022-01-14", "end"),
        ("start=2022-01-14T17:00&end=2022-01-14T09:00", "end"),
        ("day=2022-1-14x", "day"),
        ("start=yesterday&end=2022-01-14", "start"),
        ("start=2022-01-14", "end"),
        ("day=2022-01-14&cutoff=25:00", "cutoff"),
        ("day=2022-01-14&cutoff=7pm", "cutoff"),
        ("cutoff=24:60", "cutoff"),
    ],
)
def test_figures_answer_bad_input_by_field_with_422(
    client: Client, dispatcher: User, query: str, field: str
) -> None:
    response = signed_in(client, dispatcher).get(f"{FIGURES}?{query}")
    assert response.status_code == 422
    assert field_error(response, field)


def test_figures_of_a_day_link_every_count_and_both_sides_of_each_rate(
    client: Client, dispatcher: User, seeded_day: date
) -> None:
    client = signed_in(client, dispatcher)
    response = client.get(f"{FIGURES}?day={seeded_day.isoformat()}&cutoff=24:00")
    page = response.content.decode()
    assert response.status_code == 200
    counts = {metric: (int(v), url) for metric, v, url in FIGURE_LINK.findall(page)}
    assert counts["received"][0] == 97
    for value, url in counts.values():
        assert list_total(client, url) == value
    parts = re.findall(r'<a class="figure" data-part="\w+" href="([^"]+)">(\d+)</a>', page)
    assert len(parts) == 6
    for url, value in parts:
        assert list_total(client, url) == int(value)


def test_figures_of_a_span_and_of_today_so_far(
    client: Client, dispatcher: User, seeded_day: date
) -> None:
    client = signed_in(client, dispatcher)
    span = client.get(f"{FIGURES}?start=2022-01-14T08:00&end=2022-01-14T20:00")
    assert span.status_code == 200
    received = int({m: v for m, v, _u in FIGURE_LINK.findall(span.content.decode())}["received"])
    assert 0 < received < 97
    today = client.get(FIGURES)
    assert today.status_code == 200
    assert 'class="rp-empty"' in today.content.decode()  # nothing was filed today


def test_a_day_without_requests_shows_zeros_and_says_so(client: Client, dispatcher: User) -> None:
    response = signed_in(client, dispatcher).get(f"{FIGURES}?day=2021-06-01")
    page = response.content.decode()
    assert response.status_code == 200
    assert 'class="rp-empty"' in page
    assert {int(v) for _m, v, _u in FIGURE_LINK.findall(page)} == {0}


# --- Documents --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "content_type"),
    [
        ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ],
)
def test_the_documents_download_with_a_chinese_name(
    client: Client, dispatcher: User, report: DailyReport, kind: str, content_type: str
) -> None:
    client = signed_in(client, dispatcher)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    response = client.get(reverse("reports:document", args=[report.issue, report.version, kind]))
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment; filename=")
    assert "filename*=UTF-8''" in disposition and disposition.endswith(f".{kind}")
    assert response.content == bytes(getattr(report, kind))
    missing = reverse("reports:document", args=[report.issue, report.version, "pdf"])
    assert client.get(missing).status_code == 404


# --- The dashboard ----------------------------------------------------------------------------


def test_the_dashboard_counts_today_and_links_the_lists(
    client: Client, commander: User, make_request: Any
) -> None:
    make_request()
    make_request()
    client = signed_in(client, commander)
    page = client.get(DASHBOARD).content.decode()
    assert 'id="dash-received" data-value="2"' in page
    assert 'id="dashboard-charts"' in page and 'data-chart="trend"' in page
    url = re.search(r'id="dash-received" data-value="2" href="([^"]+)"', page)
    assert url is not None and list_total(client, url.group(1)) == 2
    fragment = client.get(reverse("reports:dashboard_fragment")).content.decode()
    assert "<html" not in fragment and 'id="dash-received" data-value="2"' in fragment


def test_the_dashboard_trend_takes_issued_days_from_their_reports(
    client: Client, commander: User, report: DailyReport
) -> None:
    from reports import snapshot

    trend = snapshot.trend(date(2022, 1, 15), report.cutoff, days=3)
    assert [row["day"] for row in trend] == ["2022-01-13", "2022-01-14", "2022-01-15"]
    assert trend[1]["received"] == report.data["totals"]["received"] == 97
    assert trend[1]["resolution"] == report.data["rates"]["resolution"]["value"]
    assert [row["issued"] for row in trend] == [False, True, False]


# --- The public bulletin ----------------------------------------------------------------------


def test_the_bulletin_before_any_report(client: Client, db: Any) -> None:
    response = client.get(reverse("bulletin:latest"))
    assert response.status_code == 200
    assert 'class="rp-empty"' in response.content.decode()
    assert client.get(reverse("bulletin:latest_json")).json()["report"] is None


def test_the_bulletin_is_public_and_has_nothing_personal(
    client: Client, report: DailyReport
) -> None:
    page = client.get(reverse("bulletin:latest")).content.decode()
    body = client.get(reverse("bulletin:latest_json"))
    assert body.status_code == 200
    data = body.json()["report"]
    assert data["issue"] == report.issue and data["received"] == 97
    assert report.data["words"]["bulletin"] in html.unescape(page)
    assert data["bulletin"] == report.data["words"]["bulletin"]
    text = html.unescape(page) + body.content.decode()
    personal: set[str] = set()
    for name, phone in Requester.objects.values_list("name", "phone"):
        personal |= {name, phone}
    personal |= set(HelpRequest.objects.values_list("number", flat=True))
    personal |= set(HelpRequest.objects.exclude(address="").values_list("address", flat=True))
    personal |= set(HelpRequest.objects.values_list("summary", flat=True))
    leaked = sorted(p for p in personal if p and len(p) >= 2 and p in text)
    assert leaked == []


def test_the_bulletin_lists_earlier_days(
    client: Client, report: DailyReport, dispatcher: User
) -> None:
    earlier = report_generate(date(2022, 1, 13), actor=Actor(user=dispatcher))
    page = html.unescape(client.get(reverse("bulletin:latest")).content.decode())
    assert report.data["words"]["bulletin"] in page
    assert earlier.data["words"]["bulletin"] in page
    assert client.get(reverse("bulletin:latest_json")).json()["report"]["day"] == "2022-01-14"


def test_the_citizen_app_and_the_media_channel_show_the_latest_bulletin(
    client: Client, report: DailyReport
) -> None:
    from core.models import MediaOutlet

    bulletin = report.data["words"]["bulletin"]
    assert bulletin in html.unescape(client.get(reverse("citizen:home")).content.decode())
    outlet = MediaOutlet.objects.create(code="paper", name="焦作日报")
    editor = User.objects.create_user(
        username="editor", password=PASSWORD, role=Role.MEDIA, media_outlet=outlet
    )
    page = signed_in(Client(), editor).get(reverse("media:lead_list")).content.decode()
    assert bulletin in html.unescape(page)


def test_the_citizen_app_says_nothing_of_a_bulletin_before_the_first(
    client: Client, db: Any
) -> None:
    assert "bulletin-box" not in client.get(reverse("citizen:home")).content.decode()
