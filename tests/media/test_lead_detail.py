"""A lead's page: its steps in plain words and, once answered, a summary the paper may print."""

from __future__ import annotations

import re

import pytest

from core.access import Actor
from core.models import AnswerMethod, Satisfaction
from core.services import (
    request_accept,
    request_close,
    request_dispatch,
    request_resolve,
    request_return,
)
from tests.media.conftest import file_lead

pytestmark = pytest.mark.django_db

#: What the group told the person: it names them, their phone, ID number and home.
ANSWER = (
    "已联系王建国（电话139 1234 5678，身份证410802199001011232），"
    "网格员已将氯吡格雷送到幸福里小区3号楼2单元501，王大爷已收到，可用7天。"
)
PERSONAL = [
    "王建国",
    "王大爷",
    "13912345678",
    "139 1234 5678",
    "410802199001011232",
    "幸福里",
    "3号楼",
    "2单元",
    "501",
]


@pytest.fixture
def resolved_lead(editor, dispatcher, member_a, group_a):
    lead = file_lead(editor)
    request_dispatch(lead, actor=Actor(user=dispatcher), group=group_a, note="内部备注：优先")
    request_accept(lead, actor=Actor(user=member_a), note="组内备注")
    return request_resolve(
        lead, actor=Actor(user=member_a), answer=ANSWER, answer_method=AnswerMethod.PHONE
    )


def page(client, user, number: str) -> str:
    client.force_login(user)
    response = client.get(f"/media/leads/{number}/")
    assert response.status_code == 200
    return str(response.content.decode())


def test_an_open_lead_shows_its_steps_and_no_summary_yet(client, editor, dispatcher, group_a):
    lead = file_lead(editor)
    request_dispatch(lead, actor=Actor(user=dispatcher), group=group_a, note="内部备注：优先")
    body = page(client, editor, lead.number)
    assert 'data-status="dispatched"' in body
    assert "The team responsible has been given your request." in body
    assert "Received" in body and "Dispatched" in body
    assert 'id="public-summary"' not in body
    assert "Once the team has answered" in body
    # No staff and no internal notes.
    assert "dispatcher" not in body
    assert "内部备注" not in body


def test_the_other_editor_of_the_outlet_sees_it_too(client, editor, editor2):
    lead = file_lead(editor)
    assert lead.number in page(client, editor2, lead.number)


def test_another_outlets_lead_is_not_found(client, editor, other_editor):
    lead = file_lead(other_editor)
    client.force_login(editor)
    assert client.get(f"/media/leads/{lead.number}/").status_code == 404
    assert client.get("/media/leads/20220101-9999/").status_code == 404


def test_the_person_is_masked_on_the_page(client, editor):
    lead = file_lead(editor)
    body = page(client, editor, lead.number)
    assert "王**" in body and "139****5678" in body
    assert "王建国" not in body and "13912345678" not in body
    assert "410802199001011232" not in body


def test_a_resolved_lead_has_a_summary_without_the_person(client, editor, resolved_lead):
    body = page(client, editor, resolved_lead.number)
    start = body.index('id="public-summary"')
    summary = body[start : body.index("</blockquote>", start)]
    assert "Medical care and medicine" in summary
    assert "Jiefang District" in summary
    assert "医疗救治组" in summary or "Medical care group" in summary
    assert "氯吡格雷" in summary and "7天" in summary
    for personal in PERSONAL:
        assert personal not in summary, personal
    # Nor anywhere else on the page: the raw answer is not shown to the newsroom. The
    # machine-readable times go first: "501" turns up in their microseconds now and then.
    shown = re.sub(r'datetime="[^"]*"', "", body.replace(resolved_lead.description, ""))
    for personal in PERSONAL:
        assert personal not in shown, personal
    assert "组内备注" not in body and "member_a" not in body
    assert 'data-copy="#public-summary"' in body


def test_a_closed_lead_keeps_its_summary(client, editor, operator, resolved_lead):
    request_close(resolved_lead, actor=Actor(user=operator), satisfaction=Satisfaction.SATISFIED)
    body = page(client, editor, resolved_lead.number)
    assert 'data-status="closed"' in body
    assert 'id="public-summary"' in body


def test_a_returned_lead_has_no_summary(client, editor, dispatcher, member_a, group_a):
    lead = file_lead(editor)
    request_dispatch(lead, actor=Actor(user=dispatcher), group=group_a)
    request_return(lead, actor=Actor(user=member_a), reason="不属于本组")
    body = page(client, editor, lead.number)
    assert 'data-status="received"' in body
    assert 'id="public-summary"' not in body
    assert "不属于本组" not in body
