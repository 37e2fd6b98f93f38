"""The request queue: filters, order, who sees what, keyset "load more", and its query count."""

from __future__ import annotations

import re

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.access import Actor
from core.models import Urgency
from core.services import request_close, request_dispatch, request_resolve_at_intake
from tests.console.conftest import htmx

pytestmark = pytest.mark.django_db

LIST = reverse("console:request_list")
NUMBER_LINK = re.compile(r'href="/console/requests/(\d{8}-\d{4,})/"')


def numbers(response) -> list[str]:
    return NUMBER_LINK.findall(response.content.decode())


def test_it_lists_requests_with_the_requester_masked(client, operator, make_request):
    hr = make_request()
    client.force_login(operator)
    response = client.get(LIST)
    page = response.content.decode()
    assert response.status_code == 200
    assert numbers(response) == [hr.number]
    assert "张*" in page and "138****1234" in page
    assert "张丽" not in page and "13812341234" not in page
    assert "Medical care and medicine" in page  # the category, in the chosen language
    assert "Jiefang District" in page


def test_it_puts_critical_first_then_the_nearest_deadline(client, operator, make_request):
    normal = make_request(urgency=Urgency.NORMAL)
    urgent = make_request(urgency=Urgency.URGENT)
    critical = make_request(urgency=Urgency.CRITICAL)
    client.force_login(operator)
    assert numbers(client.get(LIST)) == [critical.number, urgent.number, normal.number]


def test_it_shows_open_requests_unless_asked_for_all(client, operator, make_request):
    open_one = make_request()
    done = make_request()
    request_resolve_at_intake(done, actor=Actor(user=operator), answer="已告知政策")
    request_close(done, actor=Actor(user=operator), satisfaction="satisfied")
    client.force_login(operator)
    assert numbers(client.get(LIST)) == [open_one.number]
    assert sorted(numbers(client.get(LIST, {"status": "all"}))) == sorted(
        [open_one.number, done.number]
    )
    assert numbers(client.get(LIST, {"status": "closed"})) == [done.number]
    both = client.get(LIST, {"status": "closed,received"})
    assert sorted(numbers(both)) == sorted([open_one.number, done.number])
    assert '<option value="closed,received" selected>' in both.content.decode()


def test_it_finds_a_request_by_its_number_whatever_its_state(client, operator, make_request):
    done = make_request()
    request_resolve_at_intake(done, actor=Actor(user=operator), answer="已告知政策")
    make_request()
    client.force_login(operator)
    assert numbers(client.get(LIST, {"q": done.number})) == [done.number]


def test_a_member_of_group_b_does_not_see_group_a_requests(
    client, dispatcher, group_a, member_a, member_b, make_request
):
    hr = request_dispatch(make_request(), actor=Actor(user=dispatcher), group=group_a)
    client.force_login(member_b)
    assert numbers(client.get(LIST, {"status": "all"})) == []
    client.force_login(member_a)
    assert numbers(client.get(LIST)) == [hr.number]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"urgency": "urgent"}, ["urgent"]),
        ({"category": "supplies"}, ["supplies"]),
        ({"division": "410802"}, ["critical", "urgent"]),  # the county finds its streets too
        ({"division": "410883001"}, ["supplies"]),
        ({"channel": "app"}, ["supplies"]),
        ({"q": "透析"}, ["critical"]),
        ({"group": "medical"}, ["urgent"]),
    ],
)
def test_it_filters(client, dispatcher, group_a, make_request, params, expected):
    from core.models import Category, Division

    made = {
        "critical": make_request(),
        "urgent": make_request(
            urgency=Urgency.URGENT, description="家里老人需要降压药，药快吃完了"
        ),
        "supplies": make_request(
            urgency=Urgency.NORMAL,
            channel="app",
            category=Category.objects.get(code="supplies"),
            division=Division.objects.get(code="410883001"),
            description="隔离在家，缺少婴儿奶粉",
        ),
    }
    request_dispatch(made["urgent"], actor=Actor(user=dispatcher), group=group_a)
    client.force_login(dispatcher)
    response = client.get(LIST, params)
    assert response.status_code == 200
    assert numbers(response) == [made[name].number for name in expected]


def test_it_filters_overdue(client, dispatcher, make_request):
    with time_machine.travel("2022-01-14 09:00:00+08:00", tick=False):
        late = make_request(urgency=Urgency.CRITICAL)
        waiting = make_request(urgency=Urgency.NORMAL)
    client.force_login(dispatcher)
    with time_machine.travel("2022-01-14 09:30:00+08:00", tick=False):
        overdue = client.get(LIST, {"overdue": "true"})
        assert numbers(overdue) == [late.number]
        assert "is-overdue" in overdue.content.decode()
        assert numbers(client.get(LIST, {"overdue": "false"})) == [waiting.number]


def test_it_filters_by_received_dates(client, dispatcher, make_request):
    with time_machine.travel("2022-01-14 23:30:00+08:00", tick=False):
        first = make_request()
    with time_machine.travel("2022-01-15 00:30:00+08:00", tick=False):
        second = make_request()
    client.force_login(dispatcher)
    assert numbers(client.get(LIST, {"received_from": "2022-01-15"})) == [second.number]
    assert numbers(
        client.get(LIST, {"received_from": "2022-01-14", "received_to": "2022-01-14"})
    ) == [first.number]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"urgency": "apocalyptic"}, "urgency"),
        ({"category": "nope"}, "category"),
        ({"division": "999999"}, "division"),
        ({"status": "sleeping"}, "status"),
        ({"received_from": "14/01/2022x"}, "received_from"),
        ({"overdue": "maybe"}, "overdue"),
    ],
)
def test_bad_filter_values_show_field_errors_not_a_500(
    client, dispatcher, make_request, params, field
):
    make_request()
    client.force_login(dispatcher)
    response = client.get(LIST, params)
    assert response.status_code == 400
    page = response.content.decode()
    assert f'id="id_{field}_error"' in page
    assert 'aria-invalid="true"' in page
    assert numbers(response) == []
    assert "Correct the filters above to see requests." in page


def test_reversed_dates_are_an_error_on_the_end_date(client, dispatcher):
    client.force_login(dispatcher)
    response = client.get(LIST, {"received_from": "2022-01-15", "received_to": "2022-01-14"})
    assert response.status_code == 400
    assert 'id="id_received_to_error"' in response.content.decode()
    assert "The end date is before the start date." in response.content.decode()


def test_a_bad_cursor_says_so_and_offers_the_first_page(client, dispatcher):
    client.force_login(dispatcher)
    response = client.get(
        LIST, {"cursor": "not-a-cursor", "urgency": "critical"}, headers=htmx("load-more")
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "This cursor is not valid" in page
    assert 'href="/console/requests/?urgency=critical"' in page


def test_an_htmx_filter_gets_the_queue_fragment_and_a_tidy_address(
    client, dispatcher, make_request
):
    hr = make_request()
    client.force_login(dispatcher)
    response = client.get(
        LIST, {"q": "", "urgency": "critical", "category": ""}, headers=htmx("queue")
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "<html" not in page
    assert 'id="filters"' in page and numbers(response) == [hr.number]
    assert response["HX-Push-Url"] == "/console/requests/?urgency=critical"
    assert "HX-Request" in response["Vary"]


def test_it_loads_more_by_cursor_until_all_are_shown(client, dispatcher, make_request, monkeypatch):
    monkeypatch.setattr("console.views.PAGE_SIZE", 2)
    made = [
        make_request(urgency=urgency)
        for urgency in ["normal", "critical", "urgent", "critical", "normal"]
    ]
    client.force_login(dispatcher)
    first = client.get(LIST, {"urgency": ""})
    seen = numbers(first)
    assert len(seen) == 2
    more = re.search(r'id="load-more".*?hx-get="([^"]+)"', first.content.decode(), re.S)
    while more:
        url = more.group(1).replace("&amp;", "&")
        assert "urgency=" not in url  # empty filters are not carried along
        page = client.get(url, headers=htmx("load-more"))
        assert page.status_code == 200
        assert "<table" not in page.content.decode()
        seen += numbers(page)
        more = re.search(r'id="load-more".*?hx-get="([^"]+)"', page.content.decode(), re.S)
    assert len(seen) == len(set(seen)) == 5
    assert set(seen) == {hr.number for hr in made}
    assert "That is all." in page.content.decode()


def test_without_javascript_load_more_is_a_next_page_link(
    client, dispatcher, make_request, monkeypatch
):
    monkeypatch.setattr("console.views.PAGE_SIZE", 1)
    make_request()
    make_request()
    client.force_login(dispatcher)
    first = client.get(LIST)
    link = re.search(r'<a class="button" href="([^"]+)"', first.content.decode())
    assert link is not None
    second = client.get(link.group(1).replace("&amp;", "&"))
    assert second.status_code == 200
    assert "<html" in second.content.decode()
    assert len(numbers(second)) == 1 and numbers(second) != numbers(first)


def _count_list_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(LIST)
    assert response.status_code == 200
    return len(queries)


def test_the_list_takes_the_same_few_queries_for_3_rows_or_30(
    client, make_request, member_a, dispatcher, group_a
):
    client.force_login(member_a)

    def file(count: int) -> None:
        for _ in range(count):
            request_dispatch(make_request(), actor=Actor(user=dispatcher), group=group_a)

    file(3)
    client.get(LIST)  # the process reads the filter's categories, divisions and groups once
    few = _count_list_queries(client)
    file(27)
    many = _count_list_queries(client)
    assert few == many
    # session, user, the member's groups, the queue itself, and the newest event's id, where
    # the page's live stream starts
    assert many <= 5


def test_the_filter_offers_a_group_added_since_the_last_page(client, dispatcher, group_a):
    from core.models import Group

    client.force_login(dispatcher)
    assert 'value="night-shelter"' not in client.get(LIST).content.decode()
    Group.objects.create(
        code="night-shelter", name="夜间安置组", name_en="Night shelter", kind=Group.Kind.TASK_FORCE
    )
    assert (
        '<option value="night-shelter">Night shelter</option>' in client.get(LIST).content.decode()
    )
