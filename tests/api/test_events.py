"""GET /requests/{number}/events: the timeline (办理记录) of one request."""

from __future__ import annotations

import pytest
import time_machine

from core.access import Actor
from core.services import request_accept, request_dispatch
from tests.api.conftest import error_of, valid_intake

pytestmark = pytest.mark.django_db


def test_it_lists_the_timeline_in_order_with_labels(
    api_as, make_request, dispatcher, member_a, group_a
):
    with time_machine.travel("2022-01-14 09:30:00+08:00", tick=False):
        help_request = make_request()
    with time_machine.travel("2022-01-14 09:33:00+08:00", tick=False):
        request_dispatch(
            help_request, actor=Actor(user=dispatcher), group=group_a, note="医疗组主办"
        )
    with time_machine.travel("2022-01-14 09:35:00+08:00", tick=False):
        request_accept(help_request, actor=Actor(user=member_a))
    response = api_as(member_a).get(f"/requests/{help_request.number}/events", lang="en")
    assert response.status_code == 200
    assert response.json()["items"] == [
        {
            "kind": "created",
            "label": "Received",
            "from_status": "",
            "to_status": "received",
            "actor_name": "operator",
            "note": "",
            "created_at": "2022-01-14T01:30:00Z",
        },
        {
            "kind": "dispatched",
            "label": "Dispatched",
            "from_status": "received",
            "to_status": "dispatched",
            "actor_name": "dispatcher",
            "note": "医疗组主办",
            "created_at": "2022-01-14T01:33:00Z",
        },
        {
            "kind": "accepted",
            "label": "Accepted",
            "from_status": "dispatched",
            "to_status": "accepted",
            "actor_name": "member_a",
            "note": "",
            "created_at": "2022-01-14T01:35:00Z",
        },
    ]


def test_an_integrations_own_filing_is_named_after_its_key(integration):
    number = integration.post("/requests", valid_intake()).json()["number"]
    items = integration.get(f"/requests/{number}/events").json()["items"]
    assert [(e["kind"], e["actor_name"]) for e in items] == [("created", "api:citizen-app")]


def test_outsiders_and_other_groups_get_404(
    api_as, make_request, outsider, member_b, dispatcher, group_a
):
    help_request = request_dispatch(make_request(), actor=Actor(user=dispatcher), group=group_a)
    for user in (outsider, member_b):
        response = api_as(user).get(f"/requests/{help_request.number}/events")
        assert response.status_code == 404
        assert error_of(response)["code"] == "not_found"
