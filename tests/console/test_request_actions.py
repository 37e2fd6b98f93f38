"""Acting on a request from its page: one form per action, one service per form."""

from __future__ import annotations

import pytest
from django.urls import reverse

from core.access import Actor
from core.models import Event, Group, HelpRequest, Status
from core.services import request_accept, request_dispatch, request_resolve
from tests.console.conftest import htmx

pytestmark = pytest.mark.django_db


def act(number: str, action: str) -> str:
    return reverse("console:request_action", args=[number, action])


def kinds(hr: HelpRequest) -> list[str]:
    return list(hr.events.order_by("id").values_list("kind", flat=True))


def test_it_dispatches_with_htmx_and_re_renders_the_panel(
    client, dispatcher, group_a, group_b, make_request
):
    hr = make_request()
    client.force_login(dispatcher)
    response = client.post(
        act(hr.number, "dispatch"),
        {"group": "medical", "assisting_groups": ["supplies"], "note": "危急，请10分钟内受理"},
        headers=htmx("request-panel"),
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert page.startswith('<div id="request-panel"')
    assert "Dispatched to the group." in page
    assert 'data-status="dispatched"' in page
    hr.refresh_from_db()
    assert hr.status == Status.DISPATCHED and hr.lead_group == group_a
    assert list(hr.assisting_groups.all()) == [group_b]
    assert kinds(hr) == [Event.Kind.CREATED, Event.Kind.DISPATCHED]


def test_without_javascript_an_action_redirects_and_says_what_happened(
    client, dispatcher, group_a, make_request
):
    hr = make_request()
    client.force_login(dispatcher)
    response = client.post(act(hr.number, "dispatch"), {"group": "medical"})
    assert response.status_code == 302
    assert response.url == reverse("console:request_detail", args=[hr.number])
    assert "Dispatched to the group." in client.get(response.url).content.decode()


def test_a_missing_answer_shows_the_error_at_the_field_and_changes_nothing(
    client, dispatcher, member_a, group_a, make_request
):
    hr = request_dispatch(make_request(), actor=Actor(user=dispatcher), group=group_a)
    hr = request_accept(hr, actor=Actor(user=member_a))
    client.force_login(member_a)
    response = client.post(
        act(hr.number, "resolve"), {"answer": "  ", "answer_method": "phone"}, headers=htmx()
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert 'id="id_resolve_answer_error"' in page
    hr.refresh_from_db()
    assert hr.status == Status.ACCEPTED and hr.answer == ""
    assert kinds(hr) == [Event.Kind.CREATED, Event.Kind.DISPATCHED, Event.Kind.ACCEPTED]


def test_a_bad_answer_method_keeps_the_typed_answer(
    client, dispatcher, member_a, group_a, make_request
):
    hr = request_dispatch(make_request(), actor=Actor(user=dispatcher), group=group_a)
    hr = request_accept(hr, actor=Actor(user=member_a))
    client.force_login(member_a)
    response = client.post(
        act(hr.number, "resolve"), {"answer": "已安排120转运", "answer_method": "pigeon"}
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert 'id="id_resolve_answer_method_error"' in page
    assert "已安排120转运</textarea>" in page
    assert "<html" in page  # without JavaScript, the whole page comes back


def test_acting_in_the_wrong_state_shows_why_and_writes_nothing(
    client, dispatcher, group_a, group_b, make_request
):
    hr = request_dispatch(make_request(), actor=Actor(user=dispatcher), group=group_a)
    client.force_login(dispatcher)
    # The dispatcher's page was stale: someone dispatched it meanwhile.
    response = client.post(act(hr.number, "dispatch"), {"group": "supplies"}, headers=htmx())
    assert response.status_code == 409
    page = response.content.decode()
    assert f"Request {hr.number} has the status “Dispatched”; it cannot be dispatched now." in page
    hr.refresh_from_db()
    assert hr.lead_group == group_a
    assert kinds(hr) == [Event.Kind.CREATED, Event.Kind.DISPATCHED]


def test_a_role_that_may_not_act_is_refused_with_a_message(
    client, dispatcher, member_a, group_a, make_request
):
    hr = request_dispatch(make_request(), actor=Actor(user=dispatcher), group=group_a)
    client.force_login(member_a)
    for action, data in [("merge", {"into": "20220114-0001"}), ("dispatch", {"group": "medical"})]:
        response = client.post(act(hr.number, action), data, headers=htmx())
        assert response.status_code == 403
        assert "You may not do this to request" in response.content.decode()
    assert HelpRequest.objects.get(pk=hr.pk).status == Status.DISPATCHED
    assert kinds(hr) == [Event.Kind.CREATED, Event.Kind.DISPATCHED]


def test_a_member_of_group_b_gets_404_and_cannot_act(
    client, dispatcher, group_a, member_b, make_request
):
    hr = request_dispatch(make_request(), actor=Actor(user=dispatcher), group=group_a)
    client.force_login(member_b)
    response = client.post(act(hr.number, "accept"), {}, headers=htmx())
    assert response.status_code == 404
    assert HelpRequest.objects.get(pk=hr.pk).status == Status.DISPATCHED
    assert kinds(hr) == [Event.Kind.CREATED, Event.Kind.DISPATCHED]


def test_an_inactive_group_cannot_be_chosen(client, dispatcher, group_a, make_request):
    Group.objects.filter(pk=group_a.pk).update(is_active=False)
    hr = make_request()
    client.force_login(dispatcher)
    response = client.post(act(hr.number, "dispatch"), {"group": "medical"}, headers=htmx())
    assert response.status_code == 422
    assert 'id="id_dispatch_group_error"' in response.content.decode()
    assert HelpRequest.objects.get(pk=hr.pk).status == Status.RECEIVED


@pytest.mark.parametrize(
    ("into", "message"),
    [
        ("20991231-0001", "No request numbered 20991231-0001."),
        ("banana", "Enter a request number such as 20220114-0097."),
    ],
)
def test_merging_into_a_request_that_is_not_there_is_a_field_error(
    client, dispatcher, make_request, into, message
):
    hr = make_request()
    client.force_login(dispatcher)
    response = client.post(act(hr.number, "merge"), {"into": into}, headers=htmx())
    assert response.status_code == 422
    page = response.content.decode()
    assert 'id="id_merge_into_error"' in page and message in page
    assert '<details class="more-action" open>' in page  # the folded form opens to show it
    assert HelpRequest.objects.get(pk=hr.pk).status == Status.RECEIVED


def test_merging_into_itself_is_refused(client, dispatcher, make_request):
    hr = make_request()
    client.force_login(dispatcher)
    response = client.post(act(hr.number, "merge"), {"into": hr.number}, headers=htmx())
    assert response.status_code == 422
    assert "A request cannot be merged into itself." in response.content.decode()


def test_it_merges_a_duplicate(client, dispatcher, make_request):
    original, duplicate = make_request(), make_request()
    client.force_login(dispatcher)
    response = client.post(
        act(duplicate.number, "merge"), {"into": original.number}, headers=htmx()
    )
    assert response.status_code == 200
    duplicate.refresh_from_db()
    assert duplicate.status == Status.MERGED and duplicate.merged_into == original
    page = client.get(reverse("console:request_detail", args=[original.number])).content.decode()
    assert f'href="/console/requests/{duplicate.number}/"' in page


def test_a_group_that_returns_a_request_goes_back_to_its_queue(
    client, dispatcher, member_a, group_a, make_request
):
    hr = request_dispatch(make_request(), actor=Actor(user=dispatcher), group=group_a)
    client.force_login(member_a)
    response = client.post(
        act(hr.number, "return"), {"reason": "不属于本组职责，应由物资组办理"}, headers=htmx()
    )
    # The group no longer sees it, so its page cannot be shown again.
    assert response.status_code == 200
    assert response["HX-Redirect"] == reverse("console:request_list")
    assert (
        "Returned to the dispatcher."
        in client.get(reverse("console:request_list")).content.decode()
    )
    assert HelpRequest.objects.get(pk=hr.pk).status == Status.RECEIVED


def test_a_first_unsatisfied_rating_says_the_request_is_reopened(
    client, operator, dispatcher, member_a, group_a, make_request
):
    hr = request_dispatch(make_request(), actor=Actor(user=dispatcher), group=group_a)
    hr = request_accept(hr, actor=Actor(user=member_a))
    hr = request_resolve(hr, actor=Actor(user=member_a), answer="已联系", answer_method="phone")
    client.force_login(operator)
    response = client.post(act(hr.number, "close"), {"satisfaction": "unsatisfied"}, headers=htmx())
    assert "the request is reopened" in response.content.decode()
    assert HelpRequest.objects.get(pk=hr.pk).status == Status.IN_PROGRESS


def test_an_unknown_action_is_404_and_get_is_405(client, dispatcher, make_request):
    hr = make_request()
    client.force_login(dispatcher)
    assert client.post(act(hr.number, "explode"), {}).status_code == 404
    assert client.get(act(hr.number, "dispatch")).status_code == 405


def test_the_whole_life_of_a_request_through_the_console(
    client, operator, dispatcher, member_a, group_a, make_request
):
    hr = make_request()
    steps = [
        (dispatcher, "dispatch", {"group": "medical"}, Status.DISPATCHED),
        (member_a, "accept", {"note": "已受理"}, Status.ACCEPTED),
        (member_a, "start", {}, Status.IN_PROGRESS),
        (
            member_a,
            "resolve",
            {"answer": "已安排120于今晚转运至市人民医院透析", "answer_method": "phone"},
            Status.RESOLVED,
        ),
        (operator, "close", {"satisfaction": "satisfied"}, Status.CLOSED),
    ]
    for user, action, data, status in steps:
        client.force_login(user)
        response = client.post(act(hr.number, action), data, headers=htmx())
        assert response.status_code == 200, (action, response.content.decode()[:2000])
        hr.refresh_from_db()
        assert hr.status == status
    assert kinds(hr) == [
        Event.Kind.CREATED,
        Event.Kind.DISPATCHED,
        Event.Kind.ACCEPTED,
        Event.Kind.STARTED,
        Event.Kind.RESOLVED,
        Event.Kind.CLOSED,
    ]
    assert hr.satisfaction == "satisfied"
