"""GET /requests/{number}: who may see a request, and how much of the requester they see."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from core.access import Actor
from core.models import PersonalDataAccess
from core.services import request_dispatch, request_merge
from tests.api.conftest import error_of, valid_intake

pytestmark = pytest.mark.django_db


def test_the_dispatcher_sees_it_masked_but_may_reveal_and_nothing_is_recorded(
    api_as, dispatcher, make_request
):
    help_request = make_request()
    response = api_as(dispatcher).get(f"/requests/{help_request.number}")
    assert response.status_code == 200
    body = response.json()
    # In full only through POST …/personal-data with a reason (tests/api/test_reveal.py).
    assert body["requester"] == {
        "kind": "person",
        "name": "张*",
        "phone": "138****1234",
        "id_number": "4108**********1232",
        "organisation": "",
        "uscc": "",
        "masked": True,
        "may_reveal": True,
    }
    assert PersonalDataAccess.objects.count() == 0


def test_roles_without_need_see_personal_data_masked_and_nothing_is_recorded(
    api_as, commander, auditor, make_request
):
    number = make_request().number
    for user in (commander, auditor):
        requester = api_as(user).get(f"/requests/{number}").json()["requester"]
        assert requester["name"] == "张*"
        assert requester["phone"] == "138****1234"
        assert requester["id_number"] == "4108**********1232"
        assert requester["masked"] is True
        assert requester["may_reveal"] is False
    assert PersonalDataAccess.objects.count() == 0


def test_it_shows_the_clocks_actions_and_group(api_as, dispatcher, group_a, make_request):
    with time_machine.travel("2022-01-14 09:30:00+08:00", tick=False):
        help_request = make_request()
        body = api_as(dispatcher).get(f"/requests/{help_request.number}", lang="en").json()
        assert body["number"] == "20220114-0001"
        assert body["allowed_actions"] == ["dispatch", "merge", "resolve_at_intake", "note"]
        assert body["lead_group"] is None
        clocks = body["clocks"]
        assert clocks["received_at"] == "2022-01-14T01:30:00Z"
        assert clocks["dispatch_due_at"] == "2022-01-14T01:35:00Z"
        assert clocks["accept_due_at"] == "2022-01-14T01:40:00Z"
        assert clocks["resolve_due_at"] == "2022-01-14T03:30:00Z"
        assert clocks["due_at"] == clocks["dispatch_due_at"]
        assert clocks["overdue"] is False
        assert body["category"] == {"code": "medical", "name": "Medical care and medicine"}
        assert body["division"]["full_name"] == "Jiefang District 焦南街道"
    with time_machine.travel("2022-01-14 09:36:00+08:00", tick=False):
        request_dispatch(help_request, actor=Actor(user=dispatcher), group=group_a)
        body = api_as(dispatcher).get(f"/requests/{help_request.number}", lang="en").json()
    assert body["lead_group"] == {"code": "medical", "name": "Medical care group"}
    assert body["status"] == "dispatched"
    assert body["allowed_actions"] == ["merge", "note"]
    assert body["clocks"]["due_at"] == body["clocks"]["accept_due_at"]
    assert body["clocks"]["overdue"] is False


def test_an_open_request_past_its_deadline_is_overdue(api_as, dispatcher, make_request):
    help_request = make_request()
    with time_machine.travel(timezone.now() + timedelta(minutes=6)):
        body = api_as(dispatcher).get(f"/requests/{help_request.number}").json()
    assert body["clocks"]["overdue"] is True


def test_a_merged_request_names_the_one_it_was_merged_into(api_as, dispatcher, make_request):
    first, duplicate = make_request(), make_request()
    request_merge(duplicate, actor=Actor(user=dispatcher), into=first)
    body = api_as(dispatcher).get(f"/requests/{duplicate.number}").json()
    assert (body["status"], body["merged_into"]) == ("merged", first.number)


def test_an_outsider_gets_the_same_404_as_for_a_number_that_does_not_exist(
    api_as, outsider, make_request
):
    number = make_request().number
    api = api_as(outsider)
    hidden = api.get(f"/requests/{number}", lang="en")
    missing = api.get("/requests/20991231-9999", lang="en")
    assert hidden.status_code == missing.status_code == 404
    assert error_of(hidden)["code"] == error_of(missing)["code"] == "not_found"
    assert error_of(hidden)["message"] == f"No request numbered {number}."


def test_group_members_see_only_their_groups_requests(
    api_as, dispatcher, member_a, member_b, group_a, group_b, make_request
):
    help_request = make_request()
    assert api_as(member_a).get(f"/requests/{help_request.number}").status_code == 404
    request_dispatch(help_request, actor=Actor(user=dispatcher), group=group_a)
    response = api_as(member_a).get(f"/requests/{help_request.number}")
    assert response.status_code == 200
    assert response.json()["allowed_actions"] == ["accept", "return", "note"]
    # Group members need to call the person: they may reveal the data (giving a reason).
    assert response.json()["requester"]["masked"] is True
    assert response.json()["requester"]["may_reveal"] is True
    assert api_as(member_b).get(f"/requests/{help_request.number}").status_code == 404


def test_an_assisting_group_sees_the_request_and_may_only_note_progress(
    api_as, dispatcher, member_b, group_a, group_b, make_request
):
    help_request = make_request()
    request_dispatch(help_request, actor=Actor(user=dispatcher), group=group_a, assisting=[group_b])
    response = api_as(member_b).get(f"/requests/{help_request.number}")
    assert response.status_code == 200
    assert response.json()["assisting_groups"] == [{"code": "supplies", "name": "物资保障组"}]
    # 协办: they add what they did to the timeline; the lead group takes the steps.
    assert response.json()["allowed_actions"] == ["note"]


def test_an_integration_sees_only_what_it_filed(integration, make_request):
    own = integration.post("/requests", valid_intake()).json()["number"]
    other = make_request().number
    response = integration.get(f"/requests/{own}")
    assert response.status_code == 200
    assert response.json()["requester"]["masked"] is True
    assert response.json()["allowed_actions"] == []
    assert integration.get(f"/requests/{other}").status_code == 404


def test_channel_details_and_files_are_shown_to_those_who_see_the_person(
    api_as, dispatcher, commander, make_request, settings, tmp_path
):
    import io

    from PIL import Image

    from core.models import Division, Enterprise, LeadSource, MediaOutlet
    from lib.uploads import clean_photo

    settings.MEDIA_ROOT = tmp_path
    company = Enterprise.objects.create(
        uscc="91410802MA9JTHJ1FU",
        name="焦作市丰源机械有限公司",
        workforce=420,
        division=Division.objects.get(code="410802"),
    )
    outlet = MediaOutlet.objects.create(code="jiaozuo-daily", name="焦作日报")
    picture = io.BytesIO()
    Image.new("RGB", (8, 8), "blue").save(picture, "PNG")
    picture.name = "药盒.png"
    picture.seek(0)
    number = make_request(
        enterprise=company,
        workforce=380,
        media_outlet=outlet,
        lead_source=LeadSource.REPORTER,
        external_ref="记者-0114",
        attachments=(clean_photo(picture, max_bytes=100_000),),
    ).number

    body = api_as(dispatcher).get(f"/requests/{number}").json()
    assert body["enterprise"] == {
        "name": "焦作市丰源机械有限公司",
        "uscc": "91410802MA9JTHJ1FU",
        "workforce": 380,
    }
    assert body["media"]["outlet"] == "焦作日报" and body["media"]["source"] == "reporter"
    assert body["media"]["reference"] == "记者-0114"
    [photo] = body["attachments"]
    assert photo["name"] == "药盒.png" and photo["content_type"] == "image/png"
    assert photo["url"].startswith("/attachments/")

    masked = api_as(commander).get(f"/requests/{number}").json()
    assert masked["requester"]["masked"] is True
    assert masked["attachments"] == []
    assert masked["enterprise"]["name"] == "焦作市丰源机械有限公司"


def test_a_plain_request_has_no_channel_details(api_as, dispatcher, make_request):
    body = api_as(dispatcher).get(f"/requests/{make_request().number}").json()
    assert (body["enterprise"], body["media"], body["attachments"]) == (None, None, [])
