"""``manage.py purge_personal_data``: personal data of finished requests goes, figures stay."""

from __future__ import annotations

import io
import json
import os
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from PIL import Image

from core.access import Actor
from core.models import (
    Attachment,
    HelpRequest,
    OutboundMessage,
    PersonalDataPurge,
    Requester,
    Satisfaction,
    phone_lookup_hash,
)
from core.services import (
    request_close,
    request_create,
    request_merge,
    request_resolve_at_intake,
)
from lib.uploads import clean_photo
from reports.figures import count_breakdowns, rate_parts, totals_only
from reports.periods import day_period
from tests.conftest import new_request

pytestmark = pytest.mark.django_db

DAY = date(2022, 1, 10)


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def at(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=ZoneInfo(django_settings.TIME_ZONE))


def photo() -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (20, 20), (10, 120, 30)).save(out, "JPEG")
    return SimpleUploadedFile("张丽的处方.jpg", out.getvalue(), content_type="image/jpeg")


def filed(actor: Actor, when: datetime, **overrides) -> HelpRequest:
    with time_machine.travel(when, tick=False):
        help_request, _ = request_create(actor=actor, new=new_request(**overrides))
    return help_request


def closed(actor: Actor, when: datetime, **overrides) -> HelpRequest:
    help_request = filed(actor, when, **overrides)
    with time_machine.travel(when + timedelta(minutes=20), tick=False):
        help_request = request_resolve_at_intake(
            help_request, actor=actor, answer="已联系社区送药上门。"
        )
    with time_machine.travel(when + timedelta(hours=1), tick=False):
        return request_close(help_request, actor=actor, satisfaction=Satisfaction.SATISFIED)


@pytest.fixture
def city(operator, dispatcher):
    """Requests of the 10th (closed, merged, one caller still waiting) and one of the 20th."""
    staff, chief = Actor(user=operator), Actor(user=dispatcher)
    alone = closed(staff, at(DAY, 9), attachments=(clean_photo(photo(), max_bytes=100_000),))
    OutboundMessage.objects.create(
        help_request=alone, phone="13812341234", body="您的求助已办结。", backend="log"
    )
    shared_done = closed(
        staff,
        at(DAY, 10),
        requester_name="李强",
        requester_phone="13900001111",
        requester_id_number="",
        address="李强家楼下",
        description="李强的母亲缺降压药",
    )
    shared_open = filed(
        staff,
        at(DAY, 11),
        requester_name="李强",
        requester_phone="13900001111",
        requester_id_number="",
    )
    duplicate = filed(staff, at(DAY, 12), requester_name="王五", requester_phone="13700002222")
    with time_machine.travel(at(DAY, 13), tick=False):
        duplicate = request_merge(duplicate, actor=chief, into=shared_done)
    later = closed(
        staff, at(date(2022, 1, 20), 9), requester_name="赵六", requester_phone="13600003333"
    )
    return {
        "alone": alone,
        "shared_done": shared_done,
        "shared_open": shared_open,
        "duplicate": duplicate,
        "later": later,
    }


def purge(*args: str) -> dict[str, Any]:
    out = io.StringIO()
    call_command("purge_personal_data", *args, stdout=out)
    result: dict[str, Any] = json.loads(out.getvalue())
    return result


def figures(day: date) -> tuple[Any, ...]:
    period = day_period(day)
    return count_breakdowns(period), totals_only(period), rate_parts(period)


def test_it_removes_the_personal_data_of_finished_requests_only(city, admin_user):
    attachment = Attachment.objects.get(help_request=city["alone"])
    stored = attachment.file.path
    result = purge("--closed-before", "2022-01-15", "--by", "数据保护专员")
    assert result == {
        "closed_before": "2022-01-15",
        "requests": 3,  # alone, shared_done, duplicate
        "requesters": 2,  # 张丽 and 王五; 李强 still has an open request
        "requesters_kept": 1,
        "attachments": 1,
        "messages": 1,
        "dry_run": False,
    }
    for key in ("alone", "shared_done", "duplicate"):
        hr = HelpRequest.objects.get(pk=city[key].pk)
        assert (hr.summary, hr.description, hr.address, hr.answer) == ("", "", "", "")
    gone = Requester.objects.get(pk=city["alone"].requester_id)
    assert (gone.name, gone.phone, gone.id_number, gone.phone_hash, gone.id_number_hash) == (
        "",
        "",
        "",
        "",
        "",
    )
    assert gone.purged_at is not None
    kept = Requester.objects.get(pk=city["shared_open"].requester_id)
    assert (kept.name, kept.phone, kept.purged_at) == ("李强", "13900001111", None)
    assert Requester.objects.filter(phone_hash=phone_lookup_hash("13900001111")).exists()
    assert HelpRequest.objects.get(pk=city["shared_open"].pk).description != ""
    later = HelpRequest.objects.get(pk=city["later"].pk)
    assert later.description != "" and later.requester.name == "赵六"
    # The file is deleted from storage; the row keeps only what is not personal.
    attachment.refresh_from_db()
    assert not attachment.file and attachment.original_name == ""
    assert attachment.kind == Attachment.Kind.PHOTO and attachment.size > 0
    assert not os.path.exists(stored)
    message = OutboundMessage.objects.get(help_request=city["alone"])
    assert (message.phone, message.body) == ("", "")
    record = PersonalDataPurge.objects.get()
    assert (record.run_by, record.closed_before, record.requests, record.requesters) == (
        "数据保护专员",
        date(2022, 1, 15),
        3,
        2,
    )
    # What was counted stays: statuses, categories, events.
    hr = HelpRequest.objects.get(pk=city["alone"].pk)
    assert hr.status == "closed" and hr.category_id == "medical" and hr.events.count() == 3


def test_the_daily_figures_are_the_same_before_and_after(city):
    before = figures(DAY), figures(date(2022, 1, 20))
    assert before[0][1]["received"] == 4  # the fixture made real days, not empty ones
    assert before[1][1]["resolved"] == 1
    assert purge("--closed-before", "2022-01-21")["requests"] == 4
    assert (figures(DAY), figures(date(2022, 1, 20))) == before


def test_a_purged_file_is_no_longer_served(city, client, dispatcher):
    attachment = Attachment.objects.get(help_request=city["alone"])
    purge("--closed-before", "2022-01-15")
    client.force_login(dispatcher)
    assert client.get(f"/attachments/{attachment.pk}/").status_code == 404


def test_a_dry_run_counts_and_changes_nothing(city):
    result = purge("--closed-before", "2022-01-15", "--dry-run")
    assert result["dry_run"] is True and result["requests"] == 3 and result["requesters"] == 2
    assert HelpRequest.objects.get(pk=city["alone"].pk).description != ""
    assert Requester.objects.get(pk=city["alone"].requester_id).name == "张丽"
    assert Attachment.objects.get(help_request=city["alone"]).file
    assert not PersonalDataPurge.objects.exists()


def test_running_it_again_finds_nothing_new(city):
    purge("--closed-before", "2022-01-15")
    again = purge("--closed-before", "2022-01-15")
    assert (again["requests"], again["requesters"], again["attachments"], again["messages"]) == (
        0,
        0,
        0,
        0,
    )
    assert PersonalDataPurge.objects.count() == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "--closed-before DATE is required"),
        (("--closed-before", "15/01/2022"), "is not a date"),
        (("--closed-before", "2022-02-30"), "is not a date"),
        (("--closed-before", ""), "--closed-before DATE is required"),
    ],
)
def test_bad_input_is_a_clear_error_and_changes_nothing(city, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("purge_personal_data", *args, stdout=io.StringIO())
    assert HelpRequest.objects.get(pk=city["alone"].pk).description != ""
    assert not PersonalDataPurge.objects.exists()


def test_a_date_in_the_future_is_refused(city):
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    with pytest.raises(CommandError, match="in the future"):
        call_command("purge_personal_data", "--closed-before", tomorrow, stdout=io.StringIO())
    assert Requester.objects.get(pk=city["alone"].requester_id).name == "张丽"
    assert not PersonalDataPurge.objects.exists()
