"""Issuing the daily report: numbering, versions, immutability, who may, and bad input."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from django.test import override_settings
from django.utils import timezone, translation

from core.access import Actor
from core.errors import Forbidden, InvalidInput
from core.models import HelpRequest
from reports.models import DailyReport
from reports.periods import (
    MIDNIGHT,
    current_day,
    cutoff_label,
    day_period,
    last_closed_day,
    parse_cutoff,
    parse_day,
    parse_moment,
    span_period,
)
from reports.services import latest_versions, report_generate
from tests.reports.conftest import SEED_DAY, local


def _fields(exc: pytest.ExceptionInfo[InvalidInput]) -> set[str]:
    return set(exc.value.details)


# --- Periods and cut-offs ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("24:00", MIDNIGHT),
        ("00:00", MIDNIGHT),
        ("17:00", time(17, 0)),
        ("7:05", time(7, 5)),
        (" 23:59 ", time(23, 59)),
        ("１７：００", time(17, 0)),  # typed with a Chinese input method
    ],
)
def test_a_cutoff_is_a_time_of_day(text, expected):
    assert parse_cutoff(text) == expected


@pytest.mark.parametrize(
    "text", ["24:01", "25:00", "-1:00", "12:60", "7pm", "", "1700", "12:5", "17:00:00"]
)
def test_a_cutoff_outside_the_day_is_refused_with_its_field(text):
    with pytest.raises(InvalidInput) as exc:
        parse_cutoff(text)
    assert _fields(exc) == {"cutoff"}
    assert "23:59" in exc.value.details["cutoff"][0]


def test_the_cutoff_error_is_chinese_by_default_and_english_when_asked():
    with translation.override("zh-hans"), pytest.raises(InvalidInput) as chinese:
        parse_cutoff("25:00")
    with translation.override("en"), pytest.raises(InvalidInput) as english:
        parse_cutoff("25:00")
    assert "cut-off" in english.value.details["cutoff"][0]
    assert "截止" in chinese.value.details["cutoff"][0]


def test_midnight_prints_as_24_00():
    assert cutoff_label(MIDNIGHT) == "24:00"
    assert cutoff_label(time(17, 0)) == "17:00"


def test_a_day_with_a_cutoff_of_24_00_is_the_calendar_day():
    period = day_period(SEED_DAY, MIDNIGHT)
    assert (period.start, period.end) == (local(SEED_DAY), local(SEED_DAY + timedelta(days=1)))
    assert "24:00" in period.label()


def test_after_the_cutoff_it_is_already_the_next_reporting_day():
    tz = ZoneInfo(settings.TIME_ZONE)
    evening = datetime(2022, 1, 14, 18, 0, tzinfo=tz)
    assert current_day(evening, time(17, 0)) == date(2022, 1, 15)
    assert current_day(evening, MIDNIGHT) == date(2022, 1, 14)
    assert last_closed_day(evening, time(17, 0)) == date(2022, 1, 14)


def test_a_period_ending_before_it_starts_is_refused():
    with pytest.raises(InvalidInput) as exc:
        span_period(local(SEED_DAY), local(SEED_DAY) - timedelta(hours=1))
    assert _fields(exc) == {"end"}
    with pytest.raises(InvalidInput):
        span_period(local(SEED_DAY), local(SEED_DAY))


@pytest.mark.parametrize("text", ["2022-13-01", "2022/01/14", "yesterday", "", "2022-01-14T25:00"])
def test_unreadable_dates_are_refused_with_their_field(text):
    with pytest.raises(InvalidInput) as exc:
        parse_moment(text, field="start")
    assert _fields(exc) == {"start"}
    if "T" not in text:
        with pytest.raises(InvalidInput) as day_exc:
            parse_day(text)
        assert _fields(day_exc) == {"day"}


# --- Issuing ----------------------------------------------------------------------------------


def test_issues_are_numbered_and_record_who_generated_them(dispatcher, seeded_day):
    first = report_generate(seeded_day, actor=Actor(user=dispatcher))
    second = report_generate(seeded_day - timedelta(days=1), actor=Actor(user=dispatcher))
    assert (first.issue, first.version, second.issue, second.version) == (1, 1, 2, 1)
    assert first.generated_by == dispatcher and first.generated_by_name == "dispatcher"
    assert first.trigger == DailyReport.Trigger.MANUAL
    assert first.data["totals"]["received"] == 97
    assert first.period_start == local(seeded_day)
    assert first.build_seconds > 0


def test_regenerating_an_issued_day_needs_a_reason_and_keeps_the_old_version(
    dispatcher, seeded_day
):
    first = report_generate(seeded_day, actor=Actor(user=dispatcher))
    with pytest.raises(InvalidInput) as exc:
        report_generate(seeded_day, actor=Actor(user=dispatcher))
    assert _fields(exc) == {"reason"}
    assert str(first.issue) in exc.value.details["reason"][0]
    second = report_generate(seeded_day, actor=Actor(user=dispatcher), reason="补录夜间诉求")
    assert (second.issue, second.version, second.reason) == (first.issue, 2, "补录夜间诉求")
    kept = DailyReport.objects.get(pk=first.pk)
    assert kept.data == first.data and kept.version == 1
    assert list(latest_versions()) == [second]


def test_an_issued_report_cannot_be_changed_or_deleted(dispatcher, seeded_day):
    report = report_generate(seeded_day, actor=Actor(user=dispatcher))
    report.data = {"totals": {"received": 1}}
    with pytest.raises(RuntimeError):
        report.save()
    with pytest.raises(RuntimeError):
        report.delete()
    assert DailyReport.objects.get(pk=report.pk).data["totals"]["received"] == 97


def test_the_database_refuses_a_second_issue_with_the_same_number(dispatcher, seeded_day):
    report = report_generate(seeded_day, actor=Actor(user=dispatcher))
    clone = DailyReport(
        issue=report.issue,
        version=report.version,
        day=report.day - timedelta(days=3),
        cutoff=report.cutoff,
        period_start=report.period_start,
        period_end=report.period_end,
        issuer="x",
        generated_by_name="x",
        trigger="manual",
        data={},
        docx=b"",
        xlsx=b"",
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        clone.save()


def test_a_day_that_has_not_ended_is_refused(dispatcher, db):
    today = timezone.localdate()
    for day in (today, today + timedelta(days=1), today + timedelta(days=400)):
        with pytest.raises(InvalidInput) as exc:
            report_generate(day, actor=Actor(user=dispatcher))
        assert _fields(exc) == {"day"}
    assert not DailyReport.objects.exists()


def test_a_day_with_no_requests_is_a_report_that_says_so(dispatcher, db):
    report = report_generate(SEED_DAY, actor=Actor(user=dispatcher))
    assert report.data["empty"] is True
    assert report.data["totals"]["received"] == 0
    assert "没有" in report.data["words"]["overview"]
    assert "没有" in report.data["words"]["bulletin"]


def test_the_report_is_written_in_chinese_whatever_the_callers_language(dispatcher, seeded_day):
    with translation.override("en"):
        report = report_generate(seeded_day, actor=Actor(user=dispatcher))
    assert "受理" in report.data["words"]["overview"]
    assert report.data["metric_names"]["received"] == "受理"


@pytest.mark.parametrize(
    "role", ["member", "operator", "citizen", "media", "enterprise", "auditor", "leader"]
)
def test_only_headquarters_may_issue(role, django_user_model, seeded_day):
    user = django_user_model.objects.create_user(username=f"u-{role}", password="x", role=role)
    with pytest.raises(Forbidden):
        report_generate(seeded_day, actor=Actor(user=user))
    assert not DailyReport.objects.exists()


def test_a_long_reason_is_refused(dispatcher, seeded_day):
    report_generate(seeded_day, actor=Actor(user=dispatcher))
    with pytest.raises(InvalidInput) as exc:
        report_generate(seeded_day, actor=Actor(user=dispatcher), reason="x" * 501)
    assert _fields(exc) == {"reason"}


# --- The command ------------------------------------------------------------------------------


def test_the_command_issues_and_writes_the_documents(dispatcher, seeded_day, tmp_path):
    out = StringIO()
    call_command(
        "daily_report",
        "issue",
        "--day",
        seeded_day.isoformat(),
        "--user",
        "dispatcher",
        "--out",
        str(tmp_path),
        stdout=out,
    )
    assert "No. 1" in out.getvalue()
    assert sorted(p.suffix for p in tmp_path.iterdir()) == [".docx", ".xlsx"]


@pytest.mark.parametrize(
    ("argv", "field"),
    [
        (["issue", "--day", "2022-02-30", "--user", "dispatcher"], "--day"),
        (["issue", "--day", "2022-01-14", "--cutoff", "24:30", "--user", "dispatcher"], "--cutoff"),
        (["issue", "--day", "2999-01-01", "--user", "dispatcher"], "--day"),
        (["issue", "--day", "2022-01-14", "--user", "nobody"], "--user"),
        (["figures", "--start", "2022-01-15", "--end", "2022-01-14"], "--end"),
        (["figures", "--start", "2022-01-15", "--end", "tomorrow"], "--end"),
        (["figures", "--day", "2999-01-01"], "--day"),
    ],
)
def test_the_command_names_the_bad_field_and_writes_nothing(argv, field, dispatcher):
    with pytest.raises(CommandError) as exc:
        call_command("daily_report", *argv, stdout=StringIO())
    assert str(exc.value).startswith(field)
    assert not DailyReport.objects.exists()


def test_the_command_prints_the_figures_of_any_period(seeded_day):
    out = StringIO()
    call_command(
        "daily_report", "figures", "--start", "2022-01-10", "--end", "2022-01-15T00:00", stdout=out
    )
    data = json.loads(out.getvalue())
    expected = HelpRequest.objects.filter(
        received_at__gte=local(date(2022, 1, 10)), received_at__lt=local(date(2022, 1, 15))
    ).count()
    assert data["totals"]["received"] == expected > 97
    assert data["period"]["day"] is None


# --- Scheduled by the task worker -------------------------------------------------------------


@override_settings(HUYING_REPORT_AT="07:30")
def test_the_next_run_is_the_next_report_time():
    from reports.tasks import next_run

    tz = ZoneInfo(settings.TIME_ZONE)
    assert next_run(datetime(2022, 1, 14, 6, 0, tzinfo=tz)) == datetime(
        2022, 1, 14, 7, 30, tzinfo=tz
    )
    assert next_run(datetime(2022, 1, 14, 7, 30, tzinfo=tz)) == datetime(
        2022, 1, 15, 7, 30, tzinfo=tz
    )


@pytest.mark.django_db(transaction=True)
def test_the_worker_issues_the_report_of_the_day_just_closed_once(run_worker):
    from core.demo import seed_requests
    from reports.tasks import start_reporting

    yesterday = timezone.localdate() - timedelta(days=1)
    seed_requests(count=40, days=1, now=local(yesterday + timedelta(days=1)), seed=3)
    assert start_reporting() is True
    assert start_reporting() is False  # one chain only
    run_worker()
    report = DailyReport.objects.get()
    assert (report.day, report.issue, report.trigger) == (
        yesterday,
        1,
        DailyReport.Trigger.SCHEDULED,
    )
    assert report.generated_by is None and report.data["totals"]["received"] == 40
    assert len(bytes(report.docx)) > 0
    # The chain is waiting for tomorrow's run; running the task again issues nothing new.
    from reports.tasks import issue_daily_report

    assert issue_daily_report.call() is None
    assert DailyReport.objects.count() == 1


def test_just_after_midnight_the_last_closed_day_is_yesterday():
    with time_machine.travel(
        datetime(2022, 1, 15, 0, 30, tzinfo=ZoneInfo(settings.TIME_ZONE)), tick=False
    ):
        assert last_closed_day() == date(2022, 1, 14)


def test_the_comparison_reads_the_previous_day_as_it_was_issued(dispatcher, seeded_day):
    """The leaders compare today with the figures they were given yesterday."""
    from core.demo import seed_requests

    yesterday = report_generate(seeded_day - timedelta(days=1), actor=Actor(user=dispatcher))
    # A late batch of requests filed under yesterday, after yesterday's report was issued.
    seed_requests(count=5, days=0.5, now=local(seeded_day), seed=99)
    today = report_generate(seeded_day, actor=Actor(user=dispatcher))
    previous = today.data["previous_day"]
    assert previous["issued"] is True
    assert previous["totals"] == {m: yesterday.data["totals"][m] for m in previous["totals"]}
    counted_now = HelpRequest.objects.filter(
        received_at__gte=local(seeded_day - timedelta(days=1)), received_at__lt=local(seeded_day)
    ).count()
    assert counted_now == previous["totals"]["received"] + 5
    week = today.data["previous_7_days"]
    assert week["issued_days"] == 1
    trend = {row["day"]: row for row in today.data["trend"]}
    assert trend[yesterday.day.isoformat()]["received"] == yesterday.data["totals"]["received"]
    assert trend[yesterday.day.isoformat()]["issued"] is True


def test_the_seven_day_comparison_pools_the_days(seeded_day):
    """Counted or issued, the 7 days' rates pool the seven days' numerators and denominators."""
    from reports import figures, snapshot

    period = day_period(seeded_day)
    week = [seeded_day - timedelta(days=n) for n in range(7, 0, -1)]
    series = figures.daily_series(week, period.cutoff)
    compared = snapshot.comparison(period)["previous_7_days"]
    received = sum(series[d]["received"] for d in week)
    assert compared["daily_mean"]["received"] == round(received / 7, 1)
    rated = sum(series[d]["rated"] for d in week)
    satisfied = sum(series[d]["satisfied"] for d in week)
    assert rated and compared["rates"]["satisfaction"] == round(satisfied / rated, 4)
