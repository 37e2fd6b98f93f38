"""POST /requests: what one create asks of the database, and that its answer is what was written.

Counted like the list counts its queries: a behaviour (no statement per relation, no reading
back what was just written), not a timing.
"""

from __future__ import annotations

import pytest
from django_tasks_db.models import DBTaskResult

from core import tasks
from core.dispatching import rule_save
from core.models import Category, DispatchRule, Event, Group, HelpRequest, Status
from tests.api.conftest import valid_intake

pytestmark = pytest.mark.django_db

#: Of a create filed and dispatched by a rule: the transaction (its begin and commit or
#: savepoint), the requester found or added, the request, its events, its number, the
#: idempotency record, and the receipt queued after the commit.
MOST_QUERIES = 12


@pytest.fixture
def supplies_rule(group_b: Group) -> DispatchRule:
    """``valid_intake`` asks for supplies; this rule sends them to group B at once."""
    helper = Group.objects.create(code="logistics", name="物流专班", kind=Group.Kind.TASK_FORCE)
    return rule_save(
        DispatchRule(category=Category.objects.get(code="supplies"), lead_group=group_b),
        assisting=[helper],
    )


def test_a_create_by_an_integration_takes_a_fixed_small_number_of_queries(
    integration,
    supplies_rule,
    django_assert_max_num_queries,
    django_capture_on_commit_callbacks,
):
    # The first call reads the reference data into the process; creates after it do not.
    assert integration.post("/requests", valid_intake()).status_code == 201
    with (
        django_assert_max_num_queries(MOST_QUERIES),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = integration.post("/requests", valid_intake(requester_phone="13700001111"))
    assert response.status_code == 201
    assert response.json()["status"] == Status.DISPATCHED


def test_a_create_by_a_person_with_an_idempotency_key_takes_as_few(
    api_as,
    operator,
    supplies_rule,
    django_assert_max_num_queries,
    django_capture_on_commit_callbacks,
):
    api = api_as(operator)
    assert api.post("/requests", valid_intake()).status_code == 201
    with (
        django_assert_max_num_queries(MOST_QUERIES),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = api.post(
            "/requests",
            valid_intake(requester_phone="13700002222"),
            headers={"Idempotency-Key": "create-cost-1"},
        )
    assert response.status_code == 201


def test_the_answer_to_a_create_is_the_request_as_read_back(api_as, operator, supplies_rule):
    api = api_as(operator)
    created = api.post("/requests", valid_intake())
    assert created.status_code == 201
    body = created.json()
    assert body["lead_group"]["code"] == "supplies"
    assert [group["code"] for group in body["assisting_groups"]] == ["logistics"]
    read = api.get(f"/requests/{body['number']}").json()
    body["clocks"].pop("overdue"), read["clocks"].pop("overdue")
    assert body == read


def test_a_rule_dispatched_create_writes_both_events_in_one_go(integration, supplies_rule):
    number = integration.post("/requests", valid_intake()).json()["number"]
    help_request = HelpRequest.objects.get(number=number)
    created, dispatched = help_request.events.order_by("id")
    assert (created.kind, created.from_status, created.to_status) == (
        Event.Kind.CREATED,
        "",
        Status.RECEIVED,
    )
    assert (dispatched.kind, dispatched.from_status, dispatched.to_status) == (
        Event.Kind.DISPATCHED,
        Status.RECEIVED,
        Status.DISPATCHED,
    )
    assert dispatched.data == {
        "rule": supplies_rule.pk,
        "automatic": True,
        "group": "supplies",
        "assisting": ["logistics"],
    }
    assert help_request.dispatched_at == help_request.received_at == created.created_at
    assert help_request.due_at == help_request.accept_due_at


def test_a_create_queues_the_receipt_and_for_a_critical_request_one_page(
    integration, supplies_rule, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = integration.post("/requests", valid_intake(urgency="critical"))
    assert response.json()["status"] == Status.DISPATCHED
    # The filing's own page would find the request dispatched and do nothing: not queued.
    queued = sorted(DBTaskResult.objects.values_list("task_path", flat=True))
    assert queued == sorted([tasks.send_receipt.module_path, tasks.page_duty_post.module_path])
