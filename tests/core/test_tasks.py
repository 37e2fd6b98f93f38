"""Side effects run in the real task worker, after the commit that caused them."""

from __future__ import annotations

import pytest
from django_tasks_db.models import DBTaskResult

from core.access import Actor
from core.models import OutboundMessage
from core.services import request_accept, request_dispatch, request_resolve

pytestmark = pytest.mark.django_db(transaction=True)


def test_resolving_texts_the_answer_through_the_worker(
    make_request, dispatcher, group_a, member_a, run_worker
):
    hr = request_dispatch(make_request(), actor=Actor(user=dispatcher), group=group_a)
    hr = request_accept(hr, actor=Actor(user=member_a))
    assert DBTaskResult.objects.count() == 0
    hr = request_resolve(
        hr, actor=Actor(user=member_a), answer="已安排专车，明早7点接送透析", answer_method="sms"
    )
    assert DBTaskResult.objects.count() == 1
    assert not OutboundMessage.objects.exists()  # queued, not yet done

    run_worker()

    message = OutboundMessage.objects.get()
    assert message.phone == "13812341234"
    assert hr.number in message.body and "明早7点" in message.body
    assert message.event is not None and message.event.kind == "resolved"
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"


def test_filing_alone_sends_no_message(make_request, run_worker):
    make_request()
    assert DBTaskResult.objects.count() == 0
    run_worker()
    assert not OutboundMessage.objects.exists()
