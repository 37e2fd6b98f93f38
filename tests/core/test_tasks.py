"""Side effects run in the real task worker, after the commit that caused them."""

from __future__ import annotations

from typing import Any

import pytest
from django_tasks_db.models import DBTaskResult

from core.access import Actor
from core.models import Event, OutboundMessage
from core.services import request_accept, request_dispatch, request_resolve

pytestmark = pytest.mark.django_db(transaction=True)


def texting_tasks() -> Any:
    """The queued tasks but the duty post's page of a critical request (core.escalation)."""
    from core import tasks

    return DBTaskResult.objects.exclude(task_path=tasks.page_duty_post.module_path)


def test_filing_texts_the_number_through_the_worker(make_request, run_worker):
    hr = make_request()
    assert texting_tasks().count() == 1
    assert not OutboundMessage.objects.exists()  # queued, not yet done

    run_worker()

    message = OutboundMessage.objects.get()
    assert message.phone == hr.requester.phone
    assert hr.number in message.body and "编号" in message.body
    assert message.event is not None and message.event.kind == Event.Kind.CREATED
    assert texting_tasks().get().status == "SUCCESSFUL"


def test_resolving_texts_the_answer_through_the_worker(
    make_request, dispatcher, group_a, member_a, run_worker
):
    hr = request_dispatch(make_request(), actor=Actor(user=dispatcher), group=group_a)
    hr = request_accept(hr, actor=Actor(user=member_a))
    assert texting_tasks().count() == 1  # the receipt
    hr = request_resolve(
        hr, actor=Actor(user=member_a), answer="已安排专车，明早7点接送透析", answer_method="sms"
    )
    assert texting_tasks().count() == 2

    run_worker()

    message = OutboundMessage.objects.get(event__kind=Event.Kind.RESOLVED)
    assert message.phone == "13812341234"
    assert hr.number in message.body and "明早7点" in message.body
    assert OutboundMessage.objects.count() == 2
    assert set(texting_tasks().values_list("status", flat=True)) == {"SUCCESSFUL"}


def test_a_retried_task_texts_once(make_request, run_worker):
    from core import tasks

    hr = make_request()
    created = hr.events.get(kind=Event.Kind.CREATED)
    tasks.send_receipt.enqueue(created.pk)  # as if the worker had run it and crashed before noting
    run_worker()
    assert OutboundMessage.objects.filter(event=created).count() == 1
