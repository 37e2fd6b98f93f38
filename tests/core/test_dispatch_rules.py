"""Dispatch rules: which rule wins, what filing does with it, and the rules refused."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.utils import timezone, translation

from accounts.models import ApiKey
from core.access import Actor
from core.dispatching import check_rule, matching_rule, rule_save
from core.errors import InvalidInput
from core.models import (
    Category,
    DispatchRule,
    Division,
    Event,
    Group,
    HelpRequest,
    Status,
    Urgency,
)
from core.selectors import RequestFilters, request_queue
from core.services import request_create_answered, request_dispatch, request_return
from tests.api.conftest import Api, valid_intake
from tests.conftest import new_request

pytestmark = pytest.mark.django_db

JIAOFANG = "410802"  # 解放区
JIAONAN = "410802001"  # 解放区 焦南街道, where ``new_request`` files by default
SHANYANG_DINGHE = "410811001"  # 山阳区 定和街道


def _group(code: str, **extra: Any) -> Group:
    return Group.objects.create(code=code, name=code, kind=Group.Kind.TASK_FORCE, **extra)


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    # The assertions read the source (English) messages; Chinese is the default language.
    with translation.override("en"):
        yield


@pytest.fixture
def transfer(db: Any) -> Group:
    return _group("transfer")


@pytest.fixture
def green(db: Any) -> Group:
    return _group("green-channel")


def rule(
    category: str = "medical",
    *,
    lead: Group,
    division: str | None = None,
    urgency: str = "",
    assisting: tuple[Group, ...] = (),
    position: int = 0,
) -> DispatchRule:
    return rule_save(
        DispatchRule(
            category=Category.objects.get(code=category),
            division=Division.objects.get(code=division) if division else None,
            urgency=urgency,
            lead_group=lead,
            position=position,
        ),
        assisting=assisting,
    )


def refused(**kwargs: Any) -> dict[str, list[str]]:
    with pytest.raises(InvalidInput) as caught:
        check_rule(**kwargs)
    return caught.value.details


# --- Which rule wins ---------------------------------------------------------------------------


def test_the_most_specific_rule_wins(make_request, group_a, group_b, transfer, green):
    category_only = rule(lead=group_a, position=0)
    by_urgency = rule(lead=group_b, urgency=Urgency.CRITICAL)
    by_division = rule(lead=transfer, division=JIAOFANG)
    both = rule(lead=green, division=JIAOFANG, urgency=Urgency.CRITICAL)
    # Filed in 解放区 焦南街道, critical: every rule matches; division and urgency win.
    assert make_request().lead_group == green
    both.is_active = False
    rule_save(both, assisting=())
    assert make_request().lead_group == transfer
    by_division.is_active = False
    rule_save(by_division, assisting=())
    assert make_request().lead_group == group_b
    # An urgent request matches only the category's own rule.
    assert make_request(urgency=Urgency.URGENT).lead_group == group_a
    assert category_only.pk and by_urgency.pk


def test_a_street_rule_beats_its_countys_whatever_the_position(make_request, group_a, group_b):
    rule(lead=group_a, division=JIAOFANG, position=0)
    rule(lead=group_b, division=JIAONAN, position=9)
    assert make_request().lead_group == group_b
    assert make_request(division=Division.objects.get(code="410802002")).lead_group == group_a


def test_between_equal_rules_the_lowest_position_wins(make_request, group_a, group_b):
    # ``check_rule`` refuses such twins; rows written around it still give one answer.
    medical = Category.objects.get(code="medical")
    DispatchRule.objects.create(category=medical, lead_group=group_a, position=7)
    DispatchRule.objects.create(category=medical, lead_group=group_b, position=3)
    assert make_request().lead_group == group_b


def test_a_county_rule_matches_its_streets_and_no_other_county(make_request, group_a):
    rule(lead=group_a, division=JIAOFANG)
    assert make_request(division=Division.objects.get(code=JIAONAN)).status == Status.DISPATCHED
    assert make_request(division=Division.objects.get(code=JIAOFANG)).lead_group == group_a
    elsewhere = make_request(division=Division.objects.get(code=SHANYANG_DINGHE))
    assert elsewhere.status == Status.RECEIVED and elsewhere.lead_group is None


def test_an_urgency_only_rule_matches_that_urgency_only(make_request, group_a):
    rule(lead=group_a, urgency=Urgency.URGENT)
    assert make_request(urgency=Urgency.URGENT).lead_group == group_a
    assert make_request(urgency=Urgency.CRITICAL).status == Status.RECEIVED


def test_without_a_matching_rule_the_request_waits_with_its_clock_running(make_request, group_a):
    rule("supplies", lead=group_a)
    inactive_lead = _group("closed-down", is_active=False)
    DispatchRule.objects.create(
        category=Category.objects.get(code="medical"), lead_group=inactive_lead
    )  # written before the group closed: skipped, not an error
    with time_machine.travel("2022-01-14 10:00:00+08:00", tick=False):
        hr = make_request()
        assert hr.status == Status.RECEIVED and hr.lead_group is None
        assert hr.due_at == hr.dispatch_due_at == timezone.now() + timedelta(minutes=5)
    assert list(hr.events.values_list("kind", flat=True)) == [Event.Kind.CREATED]
    assert matching_rule(hr) is None


# --- What filing does with the rule -------------------------------------------------------------


def test_automatic_dispatch_writes_one_event_by_the_system_with_the_rule(
    make_request, group_a, transfer, green
):
    green.is_active = False
    green.save()
    the_rule = rule(lead=group_a, assisting=(transfer,))
    the_rule.assisting_groups.add(green)  # closed since: left out, the request still files
    with time_machine.travel("2022-01-14 10:00:00+08:00", tick=False):
        hr = make_request()
    hr.refresh_from_db()
    assert hr.status == Status.DISPATCHED and hr.lead_group == group_a
    assert list(hr.assisting_groups.all()) == [transfer]
    assert hr.due_at == hr.accept_due_at
    events = list(hr.events.order_by("id"))
    assert [e.kind for e in events] == [Event.Kind.CREATED, Event.Kind.DISPATCHED]
    dispatched = events[1]
    assert dispatched.actor is None and dispatched.actor_name == "system"
    assert (dispatched.from_status, dispatched.to_status) == (Status.RECEIVED, Status.DISPATCHED)
    assert dispatched.data == {
        "rule": the_rule.pk,
        "automatic": True,
        "group": "medical",
        "assisting": ["transfer"],
    }
    # The request was filed by the operator, not by the system.
    assert events[0].actor_name == "operator"


def test_the_system_actor_may_dispatch_and_nothing_else(make_request, group_a):
    from core.access import may_act

    hr = make_request()
    system = Actor(system=True)
    assert system.name == "system"
    assert may_act(system, "dispatch", hr)
    assert not any(
        may_act(system, action, hr)
        for action in ("merge", "accept", "return", "resolve", "close", "reopen")
    )


def test_an_answer_given_on_the_line_is_not_dispatched(operator, group_a):
    rule(lead=group_a)
    hr = request_create_answered(
        actor=Actor(user=operator), new=new_request(), answer="已告知就近透析点的预约电话"
    )
    assert hr.status == Status.RESOLVED and hr.lead_group is None


def test_a_returned_request_goes_back_to_the_dispatcher_who_dispatches_again(
    make_request, member_a, dispatcher, group_a, group_b
):
    rule(lead=group_a)
    hr = make_request()
    hr = request_return(hr, actor=Actor(user=member_a), reason="需物资组送药上门")
    assert hr.status == Status.RECEIVED and hr.lead_group is None
    hr = request_dispatch(hr, actor=Actor(user=dispatcher), group=group_b)
    assert hr.lead_group == group_b
    assert list(hr.events.values_list("kind", "actor_name").order_by("id")) == [
        ("created", "operator"),
        ("dispatched", "system"),
        ("returned", "member_a"),
        ("dispatched", "dispatcher"),
    ]


def test_a_returned_request_heads_the_dispatchers_queue(
    make_request, dispatcher, member_a, group_a
):
    with time_machine.travel("2022-01-14 10:00:00+08:00", tick=False):
        waiting = [make_request(urgency=Urgency.URGENT) for _ in range(3)]
    with time_machine.travel("2022-01-14 10:05:00+08:00", tick=False):
        later = make_request(urgency=Urgency.URGENT)
        later = request_dispatch(later, actor=Actor(user=dispatcher), group=group_a)
    with time_machine.travel("2022-01-14 10:20:00+08:00", tick=False):
        later = request_return(later, actor=Actor(user=member_a), reason="不属于本组职责")
        assert later.due_at == timezone.now()
        # The dispatcher still has the full window before the step counts against them.
        assert later.dispatch_due_at == timezone.now() + timedelta(minutes=30)
        page = request_queue(
            actor=Actor(user=dispatcher), filters=RequestFilters(statuses=[Status.RECEIVED])
        )
    numbers = [hr.number for hr in page.items]
    assert numbers == [later.number] + [hr.number for hr in waiting]
    # Dispatched again, it waits on the group's accept clock as usual.
    with time_machine.travel("2022-01-14 10:21:00+08:00", tick=False):
        later = request_dispatch(later, actor=Actor(user=dispatcher), group=group_a)
    assert later.due_at == later.accept_due_at


def test_filing_through_the_api_dispatches_by_rule(integration_key: tuple[ApiKey, str], group_b):
    integration = Api(Client(), {"X-API-Key": integration_key[1]})
    rule("supplies", lead=group_b, division="410811")
    response = integration.post("/requests", valid_intake(channel="app"))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == Status.DISPATCHED
    hr = HelpRequest.objects.get(number=body["number"])
    assert hr.lead_group == group_b
    dispatched = hr.events.get(kind=Event.Kind.DISPATCHED)
    assert dispatched.actor_name == "system" and dispatched.data["automatic"] is True


# --- Rules refused ------------------------------------------------------------------------------


def test_a_rule_for_an_inactive_group_is_refused(group_a, group_b):
    medical = Category.objects.get(code="medical")
    group_a.is_active = False
    group_a.save()
    assert set(refused(category=medical, lead_group=group_a)) == {"lead_group"}
    details = refused(category=medical, lead_group=group_b, assisting=[group_a])
    assert set(details) == {"assisting_groups"}
    assert not DispatchRule.objects.exists()


def test_the_lead_group_cannot_also_assist(group_a):
    medical = Category.objects.get(code="medical")
    details = refused(category=medical, lead_group=group_a, assisting=[group_a])
    assert details == {"assisting_groups": ["The lead group cannot also assist."]}


def test_a_rule_with_the_same_conditions_as_an_active_one_is_refused(group_a, group_b):
    first = rule(lead=group_a, division=JIAOFANG, urgency=Urgency.CRITICAL)
    with pytest.raises(InvalidInput) as caught:
        rule(lead=group_b, division=JIAOFANG, urgency=Urgency.CRITICAL)
    assert set(caught.value.details) == {"category"}
    assert "never be used" in caught.value.details["category"][0]
    assert DispatchRule.objects.count() == 1
    # The rule itself may be saved again, and a switched-off twin is allowed.
    rule_save(first, assisting=[group_b])
    twin = DispatchRule(
        category=first.category,
        division=first.division,
        urgency=first.urgency,
        lead_group=group_b,
        is_active=False,
    )
    rule_save(twin)
    # Other conditions are not duplicates.
    rule(lead=group_b, division=JIAOFANG)
    rule(lead=group_b, division=JIAONAN, urgency=Urgency.CRITICAL)


def test_a_rule_that_could_never_match_is_refused(group_a):
    medical = Category.objects.get(code="medical")
    nowhere = Division(code="419999", name="不存在区", level=Division.Level.COUNTY)
    assert set(refused(category=medical, lead_group=group_a, division=nowhere)) == {"division"}
    assert set(refused(category=medical, lead_group=group_a, urgency="someday")) == {"urgency"}
    Category.objects.filter(code="medical").update(is_active=False)
    medical.refresh_from_db()
    assert set(refused(category=medical, lead_group=group_a)) == {"category"}


def test_the_admin_form_shows_the_refusals_by_field(group_a, group_b):
    from core.admin import DispatchRuleForm

    rule(lead=group_a)
    form = DispatchRuleForm(
        data={
            "category": "medical",
            "division": "",
            "urgency": "",
            "lead_group": group_b.pk,
            "assisting_groups": [group_b.pk],
            "position": 0,
            "is_active": "on",
        }
    )
    assert not form.is_valid()
    assert set(form.errors) == {"category", "assisting_groups"}
    form = DispatchRuleForm(
        data={
            "category": "supplies",
            "division": JIAOFANG,
            "urgency": Urgency.URGENT,
            "lead_group": group_b.pk,
            "assisting_groups": [group_a.pk],
            "position": 0,
            "is_active": "on",
        }
    )
    assert form.is_valid(), form.errors
    saved = form.save()
    assert list(saved.assisting_groups.all()) == [group_a]


def test_the_admin_lists_and_adds_rules(client, group_a):
    from accounts.models import Role, User

    User.objects.create_superuser(username="root", password="x", role=Role.ADMIN)
    client.login(username="root", password="x")
    rule(lead=group_a)
    assert client.get("/admin/core/dispatchrule/").status_code == 200
    assert client.get("/admin/core/dispatchrule/add/").status_code == 200


# --- Demo --------------------------------------------------------------------------------------


def test_the_demo_rules_leave_policy_and_other_to_the_dispatcher():
    from core.demo import DISPATCH_RULES, ensure_demo_organisation

    ensure_demo_organisation()
    count = DispatchRule.objects.count()
    assert count == len(DISPATCH_RULES)
    ensure_demo_organisation()
    assert DispatchRule.objects.count() == count
    ruled = set(DispatchRule.objects.values_list("category_id", flat=True))
    assert "policy" not in ruled and "other" not in ruled
    critical_trip = DispatchRule.objects.get(category="travel", urgency=Urgency.CRITICAL)
    assert critical_trip.lead_group.code == "traffic"
    assert [g.code for g in critical_trip.assisting_groups.all()] == ["green-channel"]
