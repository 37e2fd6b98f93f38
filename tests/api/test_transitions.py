"""POST /requests/{number}/<action>: each calls one service; 404, 403, 409 and 422 as they apply."""

from __future__ import annotations

import pytest

from core.access import Actor
from core.models import Event, HelpRequest, PersonalDataAccess, Satisfaction, Status
from core.services import request_accept, request_dispatch, request_resolve
from tests.api.conftest import error_of, valid_intake

pytestmark = pytest.mark.django_db


def kinds(help_request: HelpRequest) -> list[str]:
    return list(help_request.events.order_by("id").values_list("kind", flat=True))


@pytest.fixture
def dispatched(make_request, dispatcher, group_a, member_a, leader_a):
    """A request the dispatcher has sent to group A (with member_a and leader_a in it)."""
    return request_dispatch(make_request(), actor=Actor(user=dispatcher), group=group_a)


@pytest.fixture
def resolved(dispatched, member_a):
    request_accept(dispatched, actor=Actor(user=member_a))
    return request_resolve(
        dispatched, actor=Actor(user=member_a), answer="已安排专车接送透析", answer_method="phone"
    )


def test_it_takes_a_request_through_its_whole_life(
    api_as, make_request, operator, dispatcher, member_a, group_a, group_b
):
    number = make_request().number
    path = f"/requests/{number}"
    steps = [
        (
            dispatcher,
            "dispatch",
            {"group": "medical", "assisting_groups": ["supplies"], "note": "请医疗组主办"},
            Status.DISPATCHED,
        ),
        (member_a, "accept", None, Status.ACCEPTED),
        (member_a, "start", {"note": "已联系社区安排车辆"}, Status.IN_PROGRESS),
        (
            member_a,
            "resolve",
            {"answer": "已安排专车接送透析", "answer_method": "phone"},
            Status.RESOLVED,
        ),
        (operator, "close", {"satisfaction": "satisfied"}, Status.CLOSED),
    ]
    for user, action, body, status in steps:
        response = api_as(user).post(f"{path}/{action}", body)
        assert response.status_code == 200, (action, response.json())
        assert response.json()["status"] == status
    detail = response.json()
    assert detail["lead_group"]["code"] == "medical"
    assert detail["assisting_groups"] == [{"code": "supplies", "name": "物资保障组"}]
    assert (detail["answer"], detail["answer_method"]) == ("已安排专车接送透析", "phone")
    assert detail["satisfaction"] == Satisfaction.SATISFIED
    assert detail["allowed_actions"] == []
    help_request = HelpRequest.objects.get(number=number)
    assert kinds(help_request) == [
        "created",
        "dispatched",
        "accepted",
        "started",
        "resolved",
        "closed",
    ]
    assert help_request.events.get(kind="started").note == "已联系社区安排车辆"
    assert help_request.accepted_by == member_a


def test_the_response_shows_what_the_caller_may_do_next(api_as, dispatched, member_a):
    body = api_as(member_a).post(f"/requests/{dispatched.number}/accept").json()
    assert body["allowed_actions"] == ["return", "start", "resolve", "note"]


def test_dispatch_to_an_unknown_group_is_a_field_error_and_changes_nothing(
    api_as, make_request, dispatcher, group_a
):
    help_request = make_request()
    api = api_as(dispatcher)
    response = api.post(
        f"/requests/{help_request.number}/dispatch", {"group": "logistics"}, lang="en"
    )
    assert response.status_code == 422
    assert error_of(response)["details"] == {"group": ["Unknown group code."]}
    response = api.post(
        f"/requests/{help_request.number}/dispatch",
        {"group": "medical", "assisting_groups": ["nope", "medical"]},
        lang="en",
    )
    assert error_of(response)["details"] == {"assisting_groups": ["Unknown group codes: nope."]}
    help_request.refresh_from_db()
    assert help_request.status == Status.RECEIVED
    assert kinds(help_request) == ["created"]


def test_dispatch_to_an_inactive_group_is_refused(api_as, make_request, dispatcher, group_a):
    group_a.is_active = False
    group_a.save()
    response = api_as(dispatcher).post(
        f"/requests/{make_request().number}/dispatch", {"group": "medical"}
    )
    assert response.status_code == 422
    assert list(error_of(response)["details"]) == ["group"]


def test_dispatch_needs_the_group_as_text(api_as, make_request, dispatcher):
    response = api_as(dispatcher).post(
        f"/requests/{make_request().number}/dispatch", {"group": 7}, lang="en"
    )
    assert response.status_code == 422
    assert error_of(response)["details"] == {"group": ["Enter text (a JSON string)."]}


def test_an_action_from_the_wrong_state_is_a_conflict(
    api_as, dispatched, dispatcher, member_a, admin_user
):
    response = api_as(dispatcher).post(
        f"/requests/{dispatched.number}/dispatch", {"group": "medical"}
    )
    assert response.status_code == 409
    assert error_of(response)["code"] == "transition_not_allowed"
    # The administrator may do anything the state allows, and nothing it does not.
    response = api_as(admin_user).post(f"/requests/{dispatched.number}/start")
    assert response.status_code == 409
    assert error_of(response)["details"] == {"status": "dispatched", "action": "start"}
    assert kinds(dispatched) == ["created", "dispatched"]


def test_a_role_that_may_not_act_is_forbidden(api_as, dispatched, dispatcher, operator):
    for user, action in ((dispatcher, "accept"), (operator, "start")):
        response = api_as(user).post(f"/requests/{dispatched.number}/{action}")
        assert response.status_code == 403, action
        assert error_of(response)["code"] == "forbidden"
    assert kinds(dispatched) == ["created", "dispatched"]


def test_a_member_of_another_group_gets_404_not_403(api_as, dispatched, member_b, outsider):
    for user in (member_b, outsider):
        response = api_as(user).post(f"/requests/{dispatched.number}/accept")
        assert response.status_code == 404
        assert error_of(response)["code"] == "not_found"
    assert kinds(dispatched) == ["created", "dispatched"]


def test_an_assisting_member_sees_but_may_not_accept(
    api_as, make_request, dispatcher, group_a, group_b, member_b
):
    help_request = request_dispatch(
        make_request(), actor=Actor(user=dispatcher), group=group_a, assisting=[group_b]
    )
    response = api_as(member_b).post(f"/requests/{help_request.number}/accept")
    assert response.status_code == 403


def test_an_integration_may_not_act_on_its_own_request(integration):
    number = integration.post("/requests", valid_intake()).json()["number"]
    response = integration.post(f"/requests/{number}/resolve-at-intake", {"answer": "好的"})
    assert response.status_code == 403


def test_the_operator_answers_on_the_line(api_as, make_request, operator):
    help_request = make_request()
    response = api_as(operator).post(
        f"/requests/{help_request.number}/resolve-at-intake",
        {"answer": "按现行政策，持48小时核酸阴性证明可通行。"},
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["answer_method"]) == (Status.RESOLVED, "phone")
    assert kinds(help_request) == ["created", "resolved_at_intake"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"answer": ""}, "answer"),
        ({"answer": "   "}, "answer"),
        ({"answer": "答" * 4001}, "answer"),
        ({"answer": "已解答", "answer_method": "pigeon"}, "answer_method"),
        ({}, "answer"),
        ({"answer": None}, "answer"),
    ],
)
def test_a_bad_answer_is_a_field_error(api_as, make_request, operator, body, field):
    help_request = make_request()
    response = api_as(operator).post(f"/requests/{help_request.number}/resolve-at-intake", body)
    assert response.status_code == 422
    assert list(error_of(response)["details"]) == [field]
    assert kinds(help_request) == ["created"]


def test_resolve_needs_an_answer_method(api_as, dispatched, member_a):
    request_accept(dispatched, actor=Actor(user=member_a))
    response = api_as(member_a).post(
        f"/requests/{dispatched.number}/resolve", {"answer": "已送药"}, lang="en"
    )
    assert response.status_code == 422
    assert error_of(response)["details"] == {"answer_method": ["This field is required."]}


def test_an_overlong_note_is_refused(api_as, dispatched, member_a):
    response = api_as(member_a).post(f"/requests/{dispatched.number}/accept", {"note": "注" * 4001})
    assert response.status_code == 422
    assert list(error_of(response)["details"]) == ["note"]
    assert kinds(dispatched) == ["created", "dispatched"]


def test_the_first_unsatisfied_rating_reopens_the_request(api_as, resolved, operator):
    response = api_as(operator).post(
        f"/requests/{resolved.number}/close", {"satisfaction": "unsatisfied", "note": "车没来"}
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["reopen_count"], body["satisfaction"]) == (
        Status.IN_PROGRESS,
        1,
        "unsatisfied",
    )
    assert kinds(resolved)[-1] == Event.Kind.REOPENED


def test_close_needs_a_known_rating(api_as, resolved, operator):
    response = api_as(operator).post(f"/requests/{resolved.number}/close", {"satisfaction": "meh"})
    assert response.status_code == 422
    assert list(error_of(response)["details"]) == ["satisfaction"]


def test_the_groups_leader_reopens_with_a_reason(api_as, resolved, leader_a, member_a):
    path = f"/requests/{resolved.number}/reopen"
    assert api_as(member_a).post(path, {"reason": "家属反映未落实"}).status_code == 403
    missing = api_as(leader_a).post(path, {})
    assert missing.status_code == 422 and list(error_of(missing)["details"]) == ["reason"]
    response = api_as(leader_a).post(path, {"reason": "家属反映未落实"})
    assert response.status_code == 200
    assert response.json()["status"] == Status.IN_PROGRESS
    assert resolved.events.order_by("-id").first().note == "家属反映未落实"


def test_the_group_returns_a_request_it_cannot_handle(api_as, dispatched, member_a, dispatcher):
    api = api_as(member_a)
    empty = api.post(f"/requests/{dispatched.number}/return", {"reason": ""})
    assert empty.status_code == 422 and list(error_of(empty)["details"]) == ["reason"]
    response = api.post(
        f"/requests/{dispatched.number}/return", {"reason": "不属于医疗组职责，应由物资组办理"}
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["lead_group"], body["return_count"]) == (Status.RECEIVED, None, 1)
    # Handed back, it is no longer the group's to see.
    assert api.get(f"/requests/{dispatched.number}").status_code == 404
    assert api_as(dispatcher).get(f"/requests/{dispatched.number}").json()["allowed_actions"] == [
        "dispatch",
        "merge",
        "resolve_at_intake",
        "note",
    ]


def test_the_dispatcher_merges_a_duplicate(api_as, make_request, dispatcher):
    original, duplicate = make_request(), make_request()
    api = api_as(dispatcher)
    response = api.post(
        f"/requests/{duplicate.number}/merge", {"into": original.number, "note": "同一户重复来电"}
    )
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["merged_into"]) == (
        Status.MERGED,
        original.number,
    )


@pytest.mark.parametrize("into", ["20991231-9999", "self"])
def test_merge_into_an_unknown_request_or_itself_is_a_field_error(
    api_as, make_request, dispatcher, into
):
    duplicate = make_request()
    target = duplicate.number if into == "self" else into
    response = api_as(dispatcher).post(f"/requests/{duplicate.number}/merge", {"into": target})
    assert response.status_code == 422
    assert list(error_of(response)["details"]) == ["into"]
    duplicate.refresh_from_db()
    assert duplicate.status == Status.RECEIVED


def test_start_with_no_body_at_all(api_as, dispatched, member_a):
    request_accept(dispatched, actor=Actor(user=member_a))
    response = api_as(member_a).post(f"/requests/{dispatched.number}/start")
    assert response.status_code == 200
    assert response.json()["status"] == Status.IN_PROGRESS


def test_a_transition_response_shows_the_requester_masked_and_records_nothing(
    api_as, make_request, operator
):
    help_request = make_request()
    response = api_as(operator).post(
        f"/requests/{help_request.number}/resolve-at-intake", {"answer": "已解答"}
    )
    assert response.json()["requester"]["masked"] is True
    assert not PersonalDataAccess.objects.filter(help_request=help_request).exists()


def test_unknown_body_fields_are_refused(api_as, dispatched, member_a):
    response = api_as(member_a).post(f"/requests/{dispatched.number}/accept", {"nite": "typo"})
    assert response.status_code == 422
    assert list(error_of(response)["details"]) == ["nite"]


def test_a_role_that_may_not_act_hears_so_before_any_input_error(api_as, make_request, operator):
    response = api_as(operator).post(
        f"/requests/{make_request().number}/dispatch", {"group": "nope"}
    )
    assert response.status_code == 403
    assert error_of(response)["code"] == "forbidden"


def test_a_progress_note_goes_into_the_timeline_and_changes_nothing_else(
    api_as, dispatcher, member_a, member_b, group_a, make_request
):
    hr = request_dispatch(make_request(), actor=Actor(user=dispatcher), group=group_a)
    api = api_as(member_a)
    response = api.post(f"/requests/{hr.number}/note", {"note": "已联系社区网格员，今晚上门核实。"})
    assert response.status_code == 200
    assert response.json()["status"] == Status.DISPATCHED
    events = api.get(f"/requests/{hr.number}/events").json()["items"]
    assert events[-1]["kind"] == "noted" and "网格员" in events[-1]["note"]

    assert api.post(f"/requests/{hr.number}/note", {"note": "  "}).status_code == 422
    # Another group neither sees it nor may write in it.
    assert api_as(member_b).post(f"/requests/{hr.number}/note", {"note": "x"}).status_code == 404
