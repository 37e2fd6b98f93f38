"""A request filed through Open311 is an ordinary request: the dispatcher's queue has it."""

from __future__ import annotations

import pytest

from core.access import Actor
from core.models import Channel, HelpRequest
from core.selectors import RequestFilters, request_queue

pytestmark = pytest.mark.django_db


def test_it_is_in_the_dispatchers_queue(filed, dispatcher):
    page = request_queue(actor=Actor(user=dispatcher), filters=RequestFilters())
    assert [help_request.number for help_request in page.items] == [filed]
    [help_request] = page.items
    assert help_request.channel == Channel.APP
    assert help_request.category_id == "supplies"


def test_it_is_in_the_console_list(filed, dispatcher, client):
    client.force_login(dispatcher)
    page = client.get("/console/requests/")
    assert page.status_code == 200
    assert filed in page.content.decode()


def test_the_filing_key_sees_it_through_the_json_api_too(filed, app_key, client):
    response = client.get(f"/api/v1/requests/{filed}", headers={"X-API-Key": app_key[1]})
    assert response.status_code == 200
    assert response.json()["number"] == filed
    assert HelpRequest.objects.get(number=filed).api_key == app_key[0]
