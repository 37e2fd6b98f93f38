"""The live board: who may see it, what it shows, and the stream that keeps it current."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import User
from board import views
from core.access import Actor
from core.models import OPEN_STATUSES, HelpRequest, Status, Urgency

pytestmark = pytest.mark.django_db


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("dispatcher", 200),
        ("commander", 200),
        ("admin_user", 200),
        ("operator", 200),
        ("auditor", 200),
        ("member_a", 403),
        ("leader_a", 403),
        ("citizen", 403),
    ],
)
@pytest.mark.parametrize("url", ["/board/", "/board/fragment/"])
def test_only_roles_that_see_every_request_may_open_the_board(
    request: pytest.FixtureRequest, persona: str, status: int, url: str
) -> None:
    user = request.getfixturevalue(persona)
    response = _client(user).get(url)
    assert response.status_code == status


def test_anonymous_visitors_are_sent_to_the_console_login() -> None:
    response = Client().get("/board/")
    assert response.status_code == 302
    assert response["Location"].startswith("/console/login/")


def test_the_nav_links_the_board_only_for_roles_that_may_open_it(dispatcher, member_a) -> None:
    assert b'href="/board/"' in _client(dispatcher).get("/console/requests/").content
    assert b'href="/board/"' not in _client(member_a).get("/console/requests/").content


def _rows(html: str) -> list[str]:
    return [part.split('"', 1)[0] for part in html.split('data-number="')[1:]]


def test_open_requests_are_ordered_by_urgency_then_deadline_and_overdue_ones_marked(
    dispatcher, make_request: Callable[..., HelpRequest]
) -> None:
    normal = make_request(urgency=Urgency.NORMAL)
    urgent_late = make_request(urgency=Urgency.URGENT)
    urgent_soon = make_request(urgency=Urgency.URGENT)
    critical = make_request(urgency=Urgency.CRITICAL)
    finished = make_request(urgency=Urgency.CRITICAL)
    HelpRequest.objects.filter(pk=urgent_soon.pk).update(
        due_at=timezone.now() - timedelta(minutes=5)
    )
    HelpRequest.objects.filter(pk=finished.pk).update(status=Status.RESOLVED)

    html = _client(dispatcher).get("/board/fragment/").content.decode()

    assert _rows(html) == [critical.number, urgent_soon.number, urgent_late.number, normal.number]
    overdue_row = html.split(f'data-number="{urgent_soon.number}"')[0].rsplit("<tr", 1)[1]
    assert "overdue" in overdue_row
    assert 'id="board-overdue-total">1<' in html


def test_counters_per_group_and_per_status_add_up_to_the_open_total(
    dispatcher, group_a, group_b, make_request: Callable[..., HelpRequest]
) -> None:
    requests = [make_request(urgency=Urgency.URGENT) for _ in range(7)]
    plan = [
        (group_a, Status.DISPATCHED),
        (group_a, Status.ACCEPTED),
        (group_a, Status.IN_PROGRESS),
        (group_b, Status.DISPATCHED),
        (group_b, Status.RESOLVED),
    ]
    for hr, (group, status) in zip(requests, plan, strict=False):
        HelpRequest.objects.filter(pk=hr.pk).update(lead_group=group, status=status)

    context: dict[str, Any] = views.board_context(Actor(user=dispatcher))

    open_count = HelpRequest.objects.filter(status__in=sorted(OPEN_STATUSES)).count()
    assert open_count == 6
    assert context["open_total"] == open_count
    assert sum(row.total for row in context["group_rows"]) == open_count
    assert sum(n for _status, n in context["per_status"]) == open_count
    by_name = {row.name: row.counts for row in context["group_rows"]}
    assert by_name[group_a.display_name] == [0, 1, 1, 1]
    assert by_name[group_b.display_name] == [0, 1, 0, 0]
    assert {s.value: n for s, n in context["per_status"]}[Status.RECEIVED] == 2
