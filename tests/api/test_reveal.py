"""POST /requests/{number}/personal-data: the requester in full, for a reason, recorded."""

from __future__ import annotations

import pytest

from core.access import Actor
from core.models import Channel, LeadSource, MediaOutlet, PersonalDataAccess
from core.services import request_dispatch
from tests.api.conftest import error_of, valid_intake
from tests.media.conftest import make_editor

pytestmark = pytest.mark.django_db

FULL = {
    "kind": "person",
    "name": "张丽",
    "phone": "13812341234",
    "id_number": "410802199001011232",
    "organisation": "",
    "uscc": "",
    "masked": False,
    "may_reveal": False,
}


def reveal(api, number: str, body=None, **kwargs):
    return api.post(f"/requests/{number}/personal-data", body, **kwargs)


def test_the_dispatcher_sees_the_requester_in_full_after_giving_a_reason(
    api_as, dispatcher, make_request
):
    help_request = make_request()
    response = reveal(api_as(dispatcher), help_request.number, {"reason": "  回访核实\n地址  "})
    assert response.status_code == 200
    assert response.json() == {"number": help_request.number, "requester": FULL}
    access = PersonalDataAccess.objects.get()
    assert (access.user, access.help_request, access.via, access.reason) == (
        dispatcher,
        help_request,
        "api",
        "回访核实 地址",
    )
    # The request itself stays masked afterwards: a reveal is one view, not a mode.
    assert api_as(dispatcher).get(f"/requests/{help_request.number}").json()["requester"]["masked"]


def test_every_reveal_is_recorded(api_as, operator, make_request):
    number = make_request().number
    api = api_as(operator)
    for _ in range(2):
        assert reveal(api, number, {"reason": "来电核实身份"}).status_code == 200
    assert PersonalDataAccess.objects.filter(user=operator, via="api").count() == 2


@pytest.mark.parametrize(
    ("body", "lang", "message"),
    [
        ({}, "zh-hans", "这个字段是必填项。"),
        ({"reason": "   "}, "en", "This field is required."),
        ({"reason": "核实"}, "zh-hans", "确保该变量至少包含 4 字符(目前字符数 2)。"),
        ({"reason": "ab"}, "en", "Ensure this value has at least 4 characters (it has 2)."),
    ],
)
def test_a_reason_is_required_with_a_field_error(
    api_as, dispatcher, make_request, body, lang, message
):
    number = make_request().number
    response = reveal(api_as(dispatcher), number, body, lang=lang)
    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "invalid_input"
    assert error["details"] == {"reason": [message]}
    assert not PersonalDataAccess.objects.exists()


def test_a_reason_of_the_wrong_type_or_an_unknown_field_is_refused(
    api_as, dispatcher, make_request
):
    number = make_request().number
    api = api_as(dispatcher)
    assert "reason" in error_of(reveal(api, number, {"reason": ["a", "list"]}))["details"]
    assert "reson" in error_of(reveal(api, number, {"reson": "typo in the field"}))["details"]
    assert reveal(api, number, raw="{not json").status_code == 400
    assert not PersonalDataAccess.objects.exists()


@pytest.mark.parametrize("persona", ["commander", "auditor"])
def test_roles_that_see_masked_are_refused_even_with_a_reason(
    api_as, request, persona, make_request
):
    number = make_request().number
    response = reveal(
        api_as(request.getfixturevalue(persona)), number, {"reason": "只是想看看而已"}
    )
    assert response.status_code == 403
    assert error_of(response)["code"] == "forbidden"
    assert "13812341234" not in response.content.decode()
    assert not PersonalDataAccess.objects.exists()


def test_a_media_editor_gets_403_for_their_outlets_lead_and_404_for_others(api_as, make_request):
    outlet = MediaOutlet.objects.create(code="jiaozuo-daily", name="焦作日报")
    editor = make_editor("editor", outlet)
    lead = make_request(channel=Channel.MEDIA, media_outlet=outlet, lead_source=LeadSource.REPORTER)
    other = make_request()
    api = api_as(editor)
    assert api.get(f"/requests/{lead.number}").status_code == 200
    assert reveal(api, lead.number, {"reason": "记者回访当事人"}).status_code == 403
    assert reveal(api, other.number, {"reason": "记者回访当事人"}).status_code == 404
    assert not PersonalDataAccess.objects.exists()


def test_a_member_of_another_group_gets_404_and_the_lead_group_may_reveal(
    api_as, dispatcher, member_a, member_b, group_a, make_request
):
    help_request = request_dispatch(make_request(), actor=Actor(user=dispatcher), group=group_a)
    refused = reveal(api_as(member_b), help_request.number, {"reason": "电话联系求助人"})
    assert refused.status_code == 404
    assert "13812341234" not in refused.content.decode()
    allowed = reveal(api_as(member_a), help_request.number, {"reason": "电话联系求助人"})
    assert allowed.status_code == 200 and allowed.json()["requester"]["phone"] == "13812341234"
    assert [a.user for a in PersonalDataAccess.objects.all()] == [member_a]


def test_an_unknown_number_is_404_and_an_anonymous_caller_401(api_as, anonymous, dispatcher):
    assert reveal(api_as(dispatcher), "20220114-9999", {"reason": "回访核实"}).status_code == 404
    assert reveal(anonymous, "20220114-9999", {"reason": "回访核实"}).status_code == 401


def test_an_integration_is_refused(integration, make_request):
    own = integration.post("/requests", valid_intake()).json()["number"]
    assert reveal(integration, own, {"reason": "系统对接核实"}).status_code == 403
    assert not PersonalDataAccess.objects.exists()
