"""The group workbench: a group's open requests, progress notes, answer templates, and the
leader's view of the group's load."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from core.access import Actor
from core.errors import Forbidden, InvalidInput
from core.models import Category, Event, HelpRequest, Status, Urgency
from core.services import (
    MAX_TEXT,
    request_accept,
    request_dispatch,
    request_note,
    request_return,
)
from duty.models import Shift
from knowledge.models import AnswerTemplate
from tests.console.conftest import htmx

pytestmark = pytest.mark.django_db

WORKBENCH = reverse("console:workbench")
LEADER = reverse("console:workbench_leader")


def act(number: str, action: str) -> str:
    return reverse("console:request_action", args=[number, action])


def detail(number: str) -> str:
    return reverse("console:request_detail", args=[number])


@pytest.fixture
def requests(make_request, dispatcher, group_a, group_b, member_a, member_b, leader_a):
    """One request group A leads, one it assists on, and one only group B handles."""
    as_dispatcher = Actor(user=dispatcher)
    supplies = Category.objects.get(code="supplies")
    lead = request_dispatch(make_request(), actor=as_dispatcher, group=group_a)
    assisted = request_dispatch(
        make_request(urgency=Urgency.NORMAL, category=supplies, description="独居老人缺米面油"),
        actor=as_dispatcher,
        group=group_b,
        assisting=[group_a],
    )
    other = request_dispatch(
        make_request(urgency=Urgency.URGENT, category=supplies, description="婴儿奶粉只剩一顿"),
        actor=as_dispatcher,
        group=group_b,
    )
    return {"lead": lead, "assisted": assisted, "other": other}


def row_of(page: str, number: str) -> str:
    match = re.search(rf'<tr [^>]*data-number="{number}">.*?</tr>', page, re.S)
    assert match, f"no row for {number}"
    return match.group(0)


# --- The workbench ----------------------------------------------------------------------------


def test_a_member_sees_lead_and_assisting_requests_marked_and_not_other_groups(
    client, member_a, requests
):
    client.force_login(member_a)
    response = client.get(WORKBENCH)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Lead (主办)" in row_of(page, requests["lead"].number)
    assert "Assisting (协办)" in row_of(page, requests["assisted"].number)
    assert requests["other"].number not in page
    # Most urgent first: the critical lead before the normal assisted one.
    assert page.index(requests["lead"].number) < page.index(requests["assisted"].number)
    assert 'data-count="total">2<' in page
    assert 'data-count="dispatched">2<' in page
    assert f'href="{detail(requests["lead"].number)}"' in page


def test_overdue_requests_are_marked_and_counted(client, member_a, requests):
    client.force_login(member_a)
    with time_machine.travel(timezone.now() + timedelta(hours=3)):
        page = client.get(WORKBENCH).content.decode()
    # The critical one had 10 minutes to be accepted; the normal one 4 hours.
    assert "overdue-badge" in row_of(page, requests["lead"].number)
    assert "is-overdue" not in row_of(page, requests["assisted"].number)
    assert 'data-count="overdue">1<' in page


def test_the_workbench_is_only_for_group_members(client, dispatcher, member_a, leader_a):
    client.force_login(dispatcher)
    assert client.get(WORKBENCH).status_code == 403
    client.force_login(leader_a)
    assert client.get(WORKBENCH).status_code == 200


def test_the_nav_offers_the_workbench_to_members_only(client, member_a, dispatcher):
    client.force_login(member_a)
    assert f'href="{WORKBENCH}"' in client.get(reverse("console:request_list")).content.decode()
    client.force_login(dispatcher)
    assert f'href="{WORKBENCH}"' not in client.get(reverse("console:request_list")).content.decode()


def test_another_groups_member_gets_404_and_cannot_accept(client, member_b, requests):
    lead = requests["lead"]
    client.force_login(member_b)
    assert client.get(detail(lead.number)).status_code == 404
    assert client.post(act(lead.number, "accept"), {"note": ""}).status_code == 404
    with pytest.raises(Forbidden):
        request_accept(lead, actor=Actor(user=member_b))
    lead.refresh_from_db()
    assert lead.status == Status.DISPATCHED


def test_an_assisting_member_who_tries_to_accept_is_told_no_on_the_panel(
    client, member_a, requests
):
    assisted = requests["assisted"]
    client.force_login(member_a)
    response = client.post(
        act(assisted.number, "accept"), {"note": ""}, headers=htmx("request-panel")
    )
    assert response.status_code == 403
    assert f"You may not do this to request {assisted.number}." in response.content.decode()
    assisted.refresh_from_db()
    assert assisted.status == Status.DISPATCHED


# --- Progress notes ---------------------------------------------------------------------------


def test_a_note_is_one_event_and_changes_no_status(client, member_a, requests):
    lead = requests["lead"]
    client.force_login(member_a)
    response = client.post(
        act(lead.number, "note"),
        {"note": "已电话联系家属，正在协调透析床位"},
        headers=htmx("request-panel"),
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Progress note added." in page
    assert "已电话联系家属，正在协调透析床位" in page
    before = lead.due_at
    lead.refresh_from_db()
    assert lead.status == Status.DISPATCHED and lead.due_at == before
    event = lead.events.order_by("id").last()
    assert event is not None
    assert (event.kind, event.from_status, event.to_status, event.actor) == (
        Event.Kind.NOTED,
        Status.DISPATCHED,
        Status.DISPATCHED,
        member_a,
    )


def test_the_panel_offers_a_note_to_lead_and_assisting_members(client, member_a, requests):
    client.force_login(member_a)
    for key in ("lead", "assisted"):
        page = client.get(detail(requests[key].number)).content.decode()
        assert "Add a progress note" in page
        assert 'class="action action-note"' in page


def test_an_assisting_member_and_the_dispatcher_may_write_notes(member_a, dispatcher, requests):
    assisted = requests["assisted"]
    request_note(assisted, actor=Actor(user=member_a), note="协办：已送米面油")
    request_note(assisted, actor=Actor(user=dispatcher), note="请物资组今晚前答复")
    assert list(assisted.events.filter(kind=Event.Kind.NOTED).values_list("note", flat=True)) == [
        "协办：已送米面油",
        "请物资组今晚前答复",
    ]


@pytest.mark.parametrize("text", ["", "   ", "长" * (MAX_TEXT + 1)])
def test_an_empty_or_too_long_note_is_refused_by_field(member_a, requests, text):
    with pytest.raises(InvalidInput) as refused:
        request_note(requests["lead"], actor=Actor(user=member_a), note=text)
    assert list(refused.value.details) == ["note"]
    assert not requests["lead"].events.filter(kind=Event.Kind.NOTED).exists()


def test_an_empty_note_shows_the_error_at_the_field(client, member_a, requests):
    client.force_login(member_a)
    response = client.post(
        act(requests["lead"].number, "note"), {"note": " "}, headers=htmx("request-panel")
    )
    assert response.status_code == 422
    assert "This field is required." in response.content.decode()
    assert not requests["lead"].events.filter(kind=Event.Kind.NOTED).exists()


def test_an_outsider_may_not_write_a_note(client, member_b, operator, requests):
    lead = requests["lead"]
    for user in (member_b, operator):
        with pytest.raises(Forbidden):
            request_note(lead, actor=Actor(user=user), note="看一下")
    client.force_login(member_b)
    assert client.post(act(lead.number, "note"), {"note": "看一下"}).status_code == 404
    assert not lead.events.filter(kind=Event.Kind.NOTED).exists()


def test_no_note_on_a_finished_request(member_a, requests):
    lead = requests["lead"]
    HelpRequest.objects.filter(pk=lead.pk).update(status=Status.RESOLVED)
    with pytest.raises(Exception, match="cannot be noted now"):
        request_note(lead, actor=Actor(user=member_a), note="补充")


# --- Answer templates -------------------------------------------------------------------------


@pytest.fixture
def templates(group_a, group_b):
    medical = Category.objects.get(code="medical")
    return {
        "common": AnswerTemplate.objects.create(
            category=medical, title="已安排就医", text="您好，已为您安排【医院】就诊。"
        ),
        "own": AnswerTemplate.objects.create(
            category=medical, group=group_a, title="医疗组专用", text="医疗组已联系120。"
        ),
        "other_group": AnswerTemplate.objects.create(
            category=medical, group=group_b, title="物资组的", text="不该出现"
        ),
        "inactive": AnswerTemplate.objects.create(
            category=medical, title="已停用", text="不该出现", is_active=False
        ),
        "other_category": AnswerTemplate.objects.create(
            category=Category.objects.get(code="supplies"), title="物资已送达", text="不该出现"
        ),
    }


def test_the_resolve_form_offers_the_categorys_templates(client, member_a, requests, templates):
    lead = request_accept(requests["lead"], actor=Actor(user=member_a))
    client.force_login(member_a)
    page = client.get(detail(lead.number)).content.decode()
    assert 'id="answer-template-picker"' in page
    for key in ("common", "own"):
        assert f'<option value="{templates[key].pk}" data-text="{templates[key].text}"' in page
    for key in ("other_group", "inactive", "other_category"):
        assert templates[key].title not in page


def test_a_picked_template_fills_the_answer_without_javascript(
    client, member_a, requests, templates
):
    lead = request_accept(requests["lead"], actor=Actor(user=member_a))
    client.force_login(member_a)
    page = client.get(detail(lead.number), {"template": templates["own"].pk}).content.decode()
    answer = re.search(r'<textarea name="answer"[^>]*>(.*?)</textarea>', page, re.S)
    assert answer and answer.group(1).strip() == "医疗组已联系120。"
    # Another group's template, or a bad value, fills nothing.
    for value in (str(templates["other_group"].pk), "x"):
        page = client.get(detail(lead.number), {"template": value}).content.decode()
        answer = re.search(r'<textarea name="answer"[^>]*>(.*?)</textarea>', page, re.S)
        assert answer and answer.group(1).strip() == ""


def test_no_picker_before_the_request_can_be_resolved(client, member_a, requests, templates):
    client.force_login(member_a)
    assert (
        "answer-template-picker" not in client.get(detail(requests["lead"].number)).content.decode()
    )


# --- The leader's view ------------------------------------------------------------------------


def test_the_leader_sees_the_load_reconcile_and_who_is_on_duty(
    client, leader_a, member_a, dispatcher, make_request, group_a, requests
):
    as_dispatcher = Actor(user=dispatcher)
    with time_machine.travel(timezone.now() - timedelta(hours=5)):
        held = request_dispatch(
            make_request(urgency=Urgency.URGENT, description="高烧三天，需要上门看诊"),
            actor=as_dispatcher,
            group=group_a,
        )
    # Accepted in time would not matter: once accepted it waits on the 24 h resolve clock.
    held = request_accept(held, actor=Actor(user=member_a))
    with time_machine.travel(timezone.now() - timedelta(hours=1)):
        # Critical: to be accepted within 10 minutes, and nobody has.
        late = request_dispatch(
            make_request(description="孕妇腹痛出血，小区封控，急需送医"),
            actor=as_dispatcher,
            group=group_a,
        )
    now = timezone.now()
    Shift.objects.create(
        group=group_a,
        starts_at=now - timedelta(hours=2),
        ends_at=now + timedelta(hours=6),
        post_a=member_a,
        post_b=leader_a,
    )
    client.force_login(leader_a)
    response = client.get(LEADER)
    assert response.status_code == 200
    page = response.content.decode()
    counts = {
        key: int(value) for key, value in re.findall(r'<td[^>]*data-count="(\w+)">(\d+)</td>', page)
    }
    open_lead = HelpRequest.objects.filter(
        lead_group=group_a, status__in=["received", "dispatched", "accepted", "in_progress"]
    ).count()
    assert counts["total"] == open_lead == 3
    assert sum(v for k, v in counts.items() if k != "total") == counts["total"]
    assert counts["dispatched"] == 2 and counts["accepted"] == 1
    # Rows by urgency add up to the same total.
    row_totals = re.findall(r'<tr data-urgency="\w+">.*?<td class="total">(\d+)</td>', page, re.S)
    assert sum(int(n) for n in row_totals) == open_lead
    overdue = re.search(r'<ul class="overdue-list">(.*?)</ul>', page, re.S)
    assert overdue is not None
    assert late.number in overdue.group(1)
    assert held.number not in overdue.group(1)
    assert requests["lead"].number not in overdue.group(1)
    holder = re.search(r'<tr data-member="member_a">(.*?)</tr>', page, re.S)
    assert (
        holder and held.number in holder.group(1) and '<td class="held">1</td>' in holder.group(1)
    )
    assert '<dd data-post="a">member_a</dd>' in page
    assert '<dd data-post="b">leader_a</dd>' in page
    assert "It also assists on 1 open request" in page


def test_without_a_shift_the_leader_is_told_nobody_is_on_duty(client, leader_a, requests):
    client.force_login(leader_a)
    assert "Nobody is on duty for this group now." in client.get(LEADER).content.decode()


def test_admin_and_commander_pick_any_group(client, admin_user, commander, group_a, group_b):
    for user in (admin_user, commander):
        client.force_login(user)
        page = client.get(LEADER, {"group": "supplies"}).content.decode()
        assert "Load of Supplies group" in page


def test_bad_input_to_the_leader_view(client, leader_a, member_a, admin_user, group_b):
    client.force_login(admin_user)
    assert client.get(LEADER, {"group": "no-such-group"}).status_code == 404
    client.force_login(leader_a)
    assert client.get(LEADER, {"group": "no-such-group"}).status_code == 404
    # A leader sees only the groups they lead.
    assert client.get(LEADER, {"group": "supplies"}).status_code == 404
    client.force_login(member_a)
    assert client.get(LEADER).status_code == 403


def test_a_note_on_a_returned_request_keeps_it_at_the_top_of_the_queue(
    dispatcher, member_a, requests
):
    returned = request_return(requests["lead"], actor=Actor(user=member_a), reason="非本组职责")
    request_note(returned, actor=Actor(user=dispatcher), note="已联系卫健委确认承办单位")
    after = HelpRequest.objects.get(pk=returned.pk)
    assert after.status == Status.RECEIVED
    assert after.due_at == returned.due_at  # still due at once, not pushed back
