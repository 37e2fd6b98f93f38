"""The outlet's leads: every editor of the outlet sees them all, and no other outlet's."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from core.models import Urgency
from tests.media.conftest import file_lead

pytestmark = pytest.mark.django_db


def row(body: str, number: str) -> str:
    """The list item of the lead numbered ``number``."""
    items: list[str] = re.findall(r'<li class="lead[^"]*">.*?</li>', body, flags=re.DOTALL)
    return next(item for item in items if number in item)


def test_both_editors_see_each_others_leads_and_no_other_outlets(
    client, editor, editor2, other_editor
):
    mine = file_lead(editor, description="读者来信：奶粉只剩一天。")
    theirs = file_lead(editor2, description="热线来电：透析车辆。")
    elsewhere = file_lead(other_editor, description="电视台热线：隔离点没有热水。")

    for who in (editor, editor2):
        client.force_login(who)
        body = client.get("/media/leads/").content.decode()
        assert mine.number in body and theirs.number in body
        assert elsewhere.number not in body
        assert "隔离点没有热水" not in body

    client.force_login(other_editor)
    body = client.get("/media/leads/").content.decode()
    assert elsewhere.number in body
    assert mine.number not in body and theirs.number not in body


def test_the_person_is_masked_in_the_list(client, editor):
    file_lead(editor, requester_name="王建国", requester_phone="13912345678")
    client.force_login(editor)
    body = client.get("/media/leads/").content.decode()
    assert "王**" in body and "139****5678" in body
    assert "王建国" not in body and "13912345678" not in body


def test_a_row_shows_status_category_county_time_and_whether_it_is_late(client, editor):
    with time_machine.travel(timezone.now() - timedelta(hours=3)):
        late = file_lead(editor, urgency=Urgency.NORMAL)  # to be dispatched within 2 h
    on_time = file_lead(editor, urgency=Urgency.NORMAL)
    client.force_login(editor)
    body = client.get("/media/leads/").content.decode()
    rows = {number: row(body, number) for number in (late.number, on_time.number)}
    assert "Overdue" in rows[late.number]
    assert "Overdue" not in rows[on_time.number]
    for item in rows.values():
        assert 'data-status="received"' in item
        assert "Medical care and medicine" in item
        assert "Jiefang District" in item
    assert (
        timezone.localtime(on_time.received_at).strftime("%Y-%m-%d %H:%M") in rows[on_time.number]
    )


def test_newest_first(client, editor):
    with time_machine.travel(timezone.now() - timedelta(hours=1)):
        older = file_lead(editor)
    newer = file_lead(editor)
    client.force_login(editor)
    body = client.get("/media/leads/").content.decode()
    assert body.index(newer.number) < body.index(older.number)


def test_the_list_filters_by_status(client, editor, dispatcher, group_a):
    from core.access import Actor
    from core.services import request_dispatch

    waiting = file_lead(editor)
    sent = file_lead(editor)
    request_dispatch(sent, actor=Actor(user=dispatcher), group=group_a)
    client.force_login(editor)

    body = client.get("/media/leads/?status=dispatched").content.decode()
    assert sent.number in body and waiting.number not in body
    body = client.get("/media/leads/?status=open").content.decode()
    assert sent.number in body and waiting.number in body
    body = client.get("/media/leads/?status=answered").content.decode()
    assert sent.number not in body and waiting.number not in body
    assert "No leads here yet." in body
    # A value that is not a status shows everything rather than failing.
    body = client.get("/media/leads/?status=nonsense").content.decode()
    assert sent.number in body and waiting.number in body


def test_older_leads_are_one_link_away(client, editor, monkeypatch):
    monkeypatch.setattr("media.views.PAGE_SIZE", 2)
    start = timezone.now() - timedelta(hours=4)
    numbers = []
    for minutes in range(3):
        with time_machine.travel(start + timedelta(minutes=minutes)):
            numbers.append(file_lead(editor).number)
    client.force_login(editor)
    first = client.get("/media/leads/")
    assert numbers[2] in first.content.decode() and numbers[0] not in first.content.decode()
    more = first.context["more_cursor"]
    second = client.get("/media/leads/", {"cursor": more}).content.decode()
    assert numbers[0] in second and numbers[2] not in second
    # A broken cursor starts again at the newest.
    assert numbers[2] in client.get("/media/leads/?cursor=garbage").content.decode()


def test_the_list_costs_the_same_queries_for_one_lead_or_many(
    client, editor, django_assert_max_num_queries
):
    file_lead(editor)
    client.force_login(editor)
    client.get("/media/leads/")  # session and first-use lookups out of the way
    with django_assert_max_num_queries(8) as one:
        client.get("/media/leads/")
    for _ in range(5):
        file_lead(editor)
    with django_assert_max_num_queries(len(one.captured_queries)):
        client.get("/media/leads/")
