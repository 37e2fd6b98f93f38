"""The hotline's new-request page: caller history, triage hints, possible duplicates, the policy
knowledge base and filing as answered on the line (直办)."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone, translation

from core.access import Actor
from core.models import (
    Category,
    DailySequence,
    Division,
    Event,
    HelpRequest,
    Requester,
    Satisfaction,
    Status,
)
from core.services import MAX_TEXT, request_close, request_merge, request_resolve_at_intake
from knowledge.models import PolicyEntry
from tests.console.conftest import htmx

pytestmark = pytest.mark.django_db

NEW = reverse("console:request_new")
HISTORY = reverse("console:intake_history")
TRIAGE = reverse("console:intake_triage")
DUPLICATES = reverse("console:intake_duplicates")
POLICIES = reverse("console:policy_search")

SCRIPT = '<script>alert("x")</script><img src=x onerror=alert(1)>'
ESCAPED = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"

#: (method, url, data) of each helper endpoint, with input that finds something.
ENDPOINTS = [
    ("get", HISTORY, {"requester_phone": "13812341234"}),
    ("post", TRIAGE, {"description": "母亲需要透析"}),
    ("post", DUPLICATES, {"requester_phone": "13812341234", "description": "透析"}),
    ("get", POLICIES, {"policy_q": "返乡报备"}),
]


def tag(page: str, pattern: str) -> str:
    """The first tag in ``page`` that ``pattern`` matches."""
    found = re.search(pattern, page)
    assert found is not None, pattern
    return found.group(0)


def call(client, method: str, url: str, data: dict[str, str], **headers: str):
    return getattr(client, method)(url, data, headers=headers or None)


def intake(**overrides: str) -> dict[str, str]:
    values = {
        "channel": "hotline",
        "category": "policy",
        "urgency": "normal",
        "description": "请问从郑州返乡过年需要怎么报备？要不要隔离？",
        "division": "410802001",
        "address": "",
        "requester_kind": "person",
        "requester_name": "李华",
        "requester_phone": "13700001111",
    }
    values.update(overrides)
    return values


@pytest.fixture
def policy() -> PolicyEntry:
    return PolicyEntry.objects.create(
        question="从外地返焦需要怎么报备？",
        answer="抵焦前3天通过APP或向社区报备，抵焦后落实“三天两检”。",
        source="焦作市疫情防控指挥部通告（第3号）",
        keywords="返乡 回焦 报备",
        category=Category.objects.get(code="policy"),
        valid_from=date(2022, 1, 1),
    )


def closed(help_request: HelpRequest, actor_user) -> HelpRequest:
    actor = Actor(user=actor_user)
    request_resolve_at_intake(help_request, actor=actor, answer="已电话答复。")
    return request_close(help_request, actor=actor, satisfaction=Satisfaction.SATISFIED)


# --- Who may call the helpers ------------------------------------------------------------------


@pytest.mark.parametrize(("method", "url", "data"), ENDPOINTS)
@pytest.mark.parametrize("persona", ["operator", "dispatcher", "admin_user"])
def test_those_who_file_requests_may_use_each_helper(client, request, persona, method, url, data):
    client.force_login(request.getfixturevalue(persona))
    assert call(client, method, url, data, **htmx()).status_code == 200


@pytest.mark.parametrize(("method", "url", "data"), ENDPOINTS)
@pytest.mark.parametrize("persona", ["member_a", "leader_a", "commander", "auditor"])
def test_staff_who_do_not_file_get_403(client, request, persona, method, url, data, make_request):
    make_request(requester_phone="13812341234")
    client.force_login(request.getfixturevalue(persona))
    response = call(client, method, url, data, **htmx())
    assert response.status_code == 403
    assert "13812341234" not in response.content.decode()
    assert "透析" not in response.content.decode()


@pytest.mark.parametrize(("method", "url", "data"), ENDPOINTS)
@pytest.mark.parametrize("persona", ["citizen", "outsider"])
def test_people_outside_the_console_get_403(client, request, persona, method, url, data):
    client.force_login(request.getfixturevalue(persona))
    assert call(client, method, url, data, **htmx()).status_code == 403


@pytest.mark.parametrize(("method", "url", "data"), ENDPOINTS)
def test_anonymous_callers_are_sent_to_the_login_page(client, method, url, data):
    response = call(client, method, url, data)
    assert response.status_code == 302
    assert response.url.startswith(reverse("console:login"))
    response = call(client, method, url, data, **htmx(), HX_Current_URL=f"http://testserver{NEW}")
    assert response.status_code == 200
    assert response["HX-Redirect"].startswith(reverse("console:login"))


@pytest.mark.parametrize(
    ("method", "url"), [("post", HISTORY), ("get", TRIAGE), ("get", DUPLICATES), ("post", POLICIES)]
)
def test_each_helper_answers_only_its_own_method(client, operator, method, url):
    client.force_login(operator)
    assert call(client, method, url, {}).status_code == 405


# --- The caller's earlier requests ------------------------------------------------------------


def test_typing_a_known_phone_lists_the_callers_requests_and_flags_the_open_one(
    client, operator, make_request
):
    older = closed(make_request(description="上周配药已解决", summary="配药"), operator)
    still_open = make_request(summary="透析需要车辆")
    make_request(requester_phone="13900009999", summary="别人的请求")
    client.force_login(operator)

    response = client.get(HISTORY, {"requester_phone": "138 1234 1234"}, headers=htmx())
    page = response.content.decode()
    assert response.status_code == 200
    for hr in (older, still_open):
        assert f'href="/console/requests/{hr.number}/"' in page
    assert "别人的请求" not in page
    assert "透析需要车辆" in page and "配药" in page
    # The open one is called out, with a link, in the panel and beside the phone field.
    assert "Still open — the caller may be chasing it" in page
    warning = page[page.index('class="alert warning"') : page.index("</div>")]
    assert still_open.number in warning and older.number not in warning
    assert 'id="caller-flag" hx-swap-oob="innerHTML"' in page
    assert f"Still open from this number: {still_open.number}." in page
    assert page.count('class="badge open-badge"') == 1
    assert page.index(still_open.number) < page.index(older.number)  # newest first
    for text in (
        "Received",
        "Closed",
        "Medical care and medicine",
        timezone.localdate().isoformat(),
    ):
        assert text in page


def test_a_caller_without_open_requests_is_not_flagged(client, operator, make_request):
    closed(make_request(), operator)
    client.force_login(operator)
    page = client.get(HISTORY, {"requester_phone": "+86 13812341234"}).content.decode()
    assert "Still open" not in page
    assert "Earlier requests from this number: 1, none open." in page


def test_a_new_caller_has_no_history(client, operator, make_request):
    make_request()
    client.force_login(operator)
    page = client.get(HISTORY, {"requester_phone": "13500000000"}).content.decode()
    assert "No earlier requests from 13500000000." in page


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        ("", "Type the caller's phone number"),
        ("   ", "Type the caller's phone number"),
        ("1381234", "Keep typing"),
        ("abc<b>def", "Keep typing"),
        ("1" * 500, "Keep typing"),
        ("'; DROP TABLE core_requester; --", "Keep typing"),
    ],
)
def test_an_empty_or_unfinished_phone_lists_nothing(client, operator, make_request, raw, says):
    make_request()
    client.force_login(operator)
    response = client.get(HISTORY, {"requester_phone": raw}, headers=htmx())
    page = response.content.decode()
    assert response.status_code == 200
    assert says in page
    assert "/console/requests/2" not in page
    assert "<b>" not in page


def test_a_missing_phone_parameter_is_like_an_empty_one(client, operator):
    client.force_login(operator)
    assert "Type the caller" in client.get(HISTORY).content.decode()


# --- Triage hints -----------------------------------------------------------------------------


def test_the_description_suggests_category_and_urgency_with_the_words_that_matched(
    client, operator
):
    client.force_login(operator)
    response = client.post(
        TRIAGE, {"description": "母亲尿毒症每周三次透析，小区封控出不去"}, headers=htmx()
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-category="medical"' in page
    assert 'data-urgency="critical"' in page
    assert "<mark>透析</mark>" in page
    assert "<mark>尿毒症</mark>" in page
    assert "Medical care and medicine" in page
    assert "Critical" in page


def test_an_urgent_word_suggests_urgent(client, operator):
    client.force_login(operator)
    page = client.post(TRIAGE, {"description": "孩子的奶粉只剩一顿了"}).content.decode()
    assert 'data-category="supplies"' in page
    assert 'data-urgency="urgent"' in page


@pytest.mark.parametrize("text", ["", "   ", "你好", SCRIPT, "透" * (MAX_TEXT * 3)])
def test_no_matching_word_suggests_nothing(client, operator, text):
    client.force_login(operator)
    response = client.post(TRIAGE, {"description": text})
    assert response.status_code == 200
    assert "data-urgency" not in response.content.decode()
    assert "<script>" not in response.content.decode()


def test_words_are_shown_escaped_even_next_to_markup(client, operator):
    client.force_login(operator)
    page = client.post(TRIAGE, {"description": f"{SCRIPT}胸痛"}).content.decode()
    assert "<mark>胸痛</mark>" in page
    assert "<script>" not in page and "onerror" not in page


# --- Possible duplicates ----------------------------------------------------------------------


def test_an_open_request_from_the_same_phone_is_a_possible_duplicate(
    client, operator, make_request
):
    still_open = make_request()
    closed(make_request(), operator)
    client.force_login(operator)
    response = client.post(
        DUPLICATES, {"requester_phone": "13812341234", "description": ""}, headers=htmx()
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert re.findall(r'href="/console/requests/([\d-]+)/"', page) == [still_open.number]
    assert "Same caller, still open." in page
    assert 'id="duplicate-flag" hx-swap-oob="innerHTML"' in page
    assert "Possible duplicate: see the panel before filing" in page


def similar(**overrides: str) -> dict[str, str]:
    values = {
        "requester_phone": "13600001111",
        "division": "410802001",
        "category": "medical",
        "description": "母亲尿毒症需要每周三次透析，小区封控出不去，请安排车辆去市人民医院",
    }
    values.update(overrides)
    return values


def test_a_similar_request_from_the_same_street_and_category_today_is_a_possible_duplicate(
    client, operator, make_request
):
    neighbour = make_request(requester_phone="13912345678", requester_name="刘梅")
    client.force_login(operator)
    page = client.post(DUPLICATES, similar()).content.decode()
    assert neighbour.number in page
    match = re.search(r"Same street \((.+?)\) and category, (\d+)% alike\.", page)
    assert match is not None
    with translation.override("en"):
        assert match.group(1) == Division.objects.get(code="410802001").full_name
    assert 25 <= int(match.group(2)) <= 100


@pytest.mark.parametrize(
    "overrides",
    [
        {"division": "410802002"},  # another street
        {"category": "supplies"},  # another category
        {"description": "健康码变黄码了，请帮忙转码"},  # another story
        {"division": ""},
        {"description": ""},
    ],
)
def test_a_request_elsewhere_or_about_something_else_is_not(
    client, operator, make_request, overrides
):
    make_request(requester_phone="13912345678", requester_name="刘梅")
    client.force_login(operator)
    page = client.post(DUPLICATES, similar(**overrides)).content.decode()
    assert "/console/requests/" not in page
    assert "None so far." in page


def test_a_similar_request_older_than_a_day_is_not(client, operator, make_request):
    with time_machine.travel(timezone.now() - timedelta(hours=25)):
        make_request(requester_phone="13912345678", requester_name="刘梅")
    client.force_login(operator)
    assert "/console/requests/" not in client.post(DUPLICATES, similar()).content.decode()


def test_a_similar_request_already_closed_today_is_shown_but_a_merged_one_is_not(
    client, operator, dispatcher, make_request
):
    done = closed(make_request(requester_phone="13912345678", requester_name="刘梅"), operator)
    kept = make_request(requester_phone="13912345679", requester_name="刘兰")
    merged = make_request(requester_phone="13912345670", requester_name="刘芳")
    request_merge(merged, actor=Actor(user=dispatcher), into=kept)
    client.force_login(operator)
    page = client.post(DUPLICATES, similar()).content.decode()
    assert done.number in page and kept.number in page
    assert merged.number not in page


def test_without_a_category_the_suggested_one_is_compared(client, operator, make_request):
    neighbour = make_request(requester_phone="13912345678", requester_name="刘梅")
    client.force_login(operator)
    assert neighbour.number in client.post(DUPLICATES, similar(category="")).content.decode()


def test_garbage_input_finds_no_duplicates_and_does_not_fail(client, operator, make_request):
    make_request()
    client.force_login(operator)
    for data in (
        {},
        {"requester_phone": "abc", "division": "'; --", "category": "<b>", "description": SCRIPT},
        {"requester_phone": "1" * 1000, "division": "9" * 100, "category": "x" * 100},
    ):
        response = client.post(DUPLICATES, data)
        assert response.status_code == 200
        assert "/console/requests/" not in response.content.decode()


# --- Text from requests is shown as text ------------------------------------------------------


def test_markup_in_a_request_is_shown_escaped_in_history_and_duplicates(
    client, operator, make_request
):
    make_request(summary=SCRIPT, description=f"透析 {SCRIPT}")
    client.force_login(operator)
    for response in (
        client.get(HISTORY, {"requester_phone": "13812341234"}),
        client.post(DUPLICATES, {"requester_phone": "13812341234", "description": "透析"}),
    ):
        page = response.content.decode()
        assert ESCAPED in page
        assert "<script>" not in page and "<img" not in page


def test_markup_in_a_policy_entry_and_in_the_query_is_shown_escaped(client, operator, policy):
    client.force_login(operator)
    page = client.get(POLICIES, {"policy_q": f"{SCRIPT}没有这条"}).content.decode()
    assert "No policy in force matches" in page
    assert ESCAPED in page and "<script>" not in page
    policy.answer = f"{SCRIPT}抵焦前3天报备"
    policy.save()
    page = client.get(POLICIES, {"policy_q": "报备"}).content.decode()
    assert ESCAPED in page and "<script>" not in page


# --- The policy knowledge base ----------------------------------------------------------------


def test_the_policy_search_offers_each_answer_to_use(client, operator, policy):
    client.force_login(operator)
    page = client.get(POLICIES, {"policy_q": "返乡要报备吗"}, headers=htmx()).content.decode()
    assert "从外地返焦需要怎么报备？" in page
    assert "抵焦前3天通过APP或向社区报备" in page
    assert f'name="use_policy" value="{policy.pk}"' in page
    assert "in force since 2022-01-01" in page


def test_the_policy_search_shows_only_what_is_in_force_today(client, operator, policy):
    policy.valid_to = timezone.localdate() - timedelta(days=1)
    policy.save()
    client.force_login(operator)
    page = client.get(POLICIES, {"policy_q": "报备"}).content.decode()
    assert "No policy in force matches “报备”." in page


@pytest.mark.parametrize("query", ["", "   ", "？？", "x" * 5000])
def test_an_empty_or_useless_query_finds_nothing(client, operator, policy, query):
    client.force_login(operator)
    response = client.get(POLICIES, {"policy_q": query})
    assert response.status_code == 200
    assert "use_policy" not in response.content.decode()


# --- The page and its plain-POST fallbacks ----------------------------------------------------


def test_the_page_puts_the_phone_first_with_the_focus_and_the_fields_in_typing_order(
    client, operator
):
    client.force_login(operator)
    page = client.get(NEW).content.decode()
    order = [
        'id="id_requester_phone"',
        'id="id_requester_name"',
        'id="id_description"',
        'id="id_urgency"',
        'id="id_category"',
        'id="id_division"',
        'id="id_address"',
        'id="id_answer"',
        'value="file"',
        'value="answer"',
        'id="policy-q"',
    ]
    positions = [page.index(marker) for marker in order]
    assert positions == sorted(positions)
    phone = tag(page, r"<input[^>]+id=\"id_requester_phone\"[^>]*>")
    assert "autofocus" in phone
    assert page.count("autofocus") == 1
    assert "tabindex" not in page
    # The first submit button is the form's default: a plain Enter files, never searches.
    form = page[page.index('id="intake-form"') :]
    assert 'value="file"' in tag(form, r'<button type="submit"[^>]*>')
    assert 'accesskey="k"' in page
    assert f'hx-get="{HISTORY}"' in page
    assert 'hx-trigger="input changed delay:300ms"' in page
    # The keyboard script comes from this server; there is no inline script.
    scripts = re.findall(r"<script[^>]*>", page)
    assert '<script src="/static/console/intake.js" defer>' in scripts
    assert all("src=" in tag for tag in scripts)


def test_the_keyboard_script_is_served(client, operator):
    client.force_login(operator)
    response = client.get("/static/console/intake.js")
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode()
    assert "requestSubmit" in body


def test_filing_shows_the_number_large_with_the_next_call_focused(client, operator):
    client.force_login(operator)
    response = client.post(NEW, intake(), follow=True)
    hr = HelpRequest.objects.get()
    page = response.content.decode()
    assert f'<p class="filed-number">{hr.number}</p>' in page
    link = tag(page, r'<a [^>]*id="next-call"[^>]*>')
    assert f'href="{NEW}"' in link and "autofocus" in link
    assert hr.status == Status.RECEIVED


def test_a_plain_file_with_an_answer_typed_files_it_unanswered(client, operator):
    client.force_login(operator)
    client.post(NEW, intake(intent="file", answer="已答复"))
    assert HelpRequest.objects.get().status == Status.RECEIVED


def test_file_and_mark_answered_resolves_it_with_the_policy_entry_in_the_event(
    client, operator, policy
):
    client.force_login(operator)
    response = client.post(
        NEW, intake(intent="answer", answer=policy.answer, policy_entry=str(policy.pk))
    )
    hr = HelpRequest.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("console:request_detail", args=[hr.number])
    assert hr.status == Status.RESOLVED
    assert hr.answer == policy.answer
    assert hr.answer_method == "phone"
    assert hr.lead_group is None
    events = list(hr.events.order_by("id"))
    assert [event.kind for event in events] == [Event.Kind.CREATED, Event.Kind.RESOLVED_AT_INTAKE]
    assert events[1].data == {"policy_entry": policy.pk, "answer_method": "phone"}
    assert events[1].actor == operator

    page = client.get(response.url).content.decode()
    assert "Request filed and marked answered on the line." in page
    assert f'<p class="filed-number">{hr.number}</p>' in page
    assert 'data-status="resolved"' in page


def test_file_and_mark_answered_without_a_policy_entry_is_fine(client, dispatcher):
    client.force_login(dispatcher)
    client.post(NEW, intake(intent="answer", answer="已电话解释：低风险地区返乡只需报备。"))
    hr = HelpRequest.objects.get()
    assert hr.status == Status.RESOLVED
    assert hr.events.get(kind=Event.Kind.RESOLVED_AT_INTAKE).data == {"answer_method": "phone"}


def assert_nothing_filed() -> None:
    assert HelpRequest.objects.count() == 0
    assert Event.objects.count() == 0
    assert Requester.objects.count() == 0
    assert DailySequence.objects.filter(last__gt=0).count() == 0


def test_file_and_mark_answered_needs_the_answer_and_files_nothing_without_it(client, operator):
    client.force_login(operator)
    response = client.post(NEW, intake(intent="answer", answer=""))
    page = response.content.decode()
    assert response.status_code == 422
    assert 'id="id_answer_error"' in page
    assert "Write the answer given on the line" in page
    assert_nothing_filed()
    # The focus goes to the field to fix, not back to the phone.
    answer = tag(page, r"<textarea[^>]+id=\"id_answer\"[^>]*>")
    assert "autofocus" in answer
    assert page.count("autofocus") == 1


@pytest.mark.parametrize("answer", ["   \n\t  ", "答" * (MAX_TEXT + 1)])
def test_an_answer_the_service_refuses_files_nothing_at_all(client, operator, answer):
    # The request is created first, then the answer is refused: both are rolled back together.
    client.force_login(operator)
    response = client.post(NEW, intake(intent="answer", answer=answer))
    page = response.content.decode()
    assert response.status_code in (400, 422)
    assert 'id="id_answer_error"' in page
    assert_nothing_filed()
    # What was typed is still there, to fix and send again.
    assert 'value="13700001111"' in page


def test_an_unknown_policy_entry_files_nothing(client, operator):
    client.force_login(operator)
    for bad in ("999999", "abc", "99999999999999999999999"):
        response = client.post(NEW, intake(intent="answer", answer="已答复", policy_entry=bad))
        assert response.status_code == 422
        assert_nothing_filed()


def test_errors_in_the_intake_file_nothing_even_when_answering(client, operator, policy):
    client.force_login(operator)
    response = client.post(
        NEW, intake(intent="answer", answer="已答复", requester_phone="123", description="")
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert 'id="id_requester_phone_error"' in page
    assert 'id="id_description_error"' in page
    assert_nothing_filed()
    phone = tag(page, r"<input[^>]+id=\"id_requester_phone\"[^>]*>")
    assert "autofocus" in phone


@pytest.mark.parametrize("persona", ["member_a", "commander", "auditor"])
def test_roles_that_do_not_file_cannot_answer_on_the_line_either(client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.post(NEW, intake(intent="answer", answer="已答复")).status_code == 403
    assert_nothing_filed()


def test_without_javascript_the_search_button_searches_and_files_nothing(client, operator, policy):
    client.force_login(operator)
    response = client.post(NEW, intake(intent="search", policy_q="返乡报备", description=""))
    page = response.content.decode()
    assert response.status_code == 200
    assert f'name="use_policy" value="{policy.pk}"' in page
    assert 'value="13700001111"' in page  # what was typed stays
    assert "Please correct the errors" not in page  # a search is not a failed filing
    assert_nothing_filed()


def test_without_javascript_use_this_answer_fills_the_answer_box(client, operator, policy):
    client.force_login(operator)
    response = client.post(NEW, intake(use_policy=str(policy.pk), policy_q="报备"))
    page = response.content.decode()
    assert response.status_code == 200
    textarea = page[page.index('id="id_answer"') :]
    assert textarea[textarea.index(">") + 1 :].lstrip().startswith(policy.answer)
    assert f'name="policy_entry" value="{policy.pk}"' in page
    assert_nothing_filed()
    # An entry that has gone meanwhile just leaves the box as it was.
    response = client.post(NEW, intake(use_policy="424242"))
    assert response.status_code == 200
    assert_nothing_filed()


def test_a_page_sent_back_with_errors_shows_the_helpers_without_javascript(
    client, operator, make_request
):
    still_open = make_request(requester_phone="13700001111", requester_name="李华")
    client.force_login(operator)
    page = client.post(NEW, intake(description="", category="")).content.decode()
    assert f"Still open from this number: {still_open.number}." in page
    assert "Same caller, still open." in page
    page = client.post(NEW, intake(division="", description="家里老人胸痛")).content.decode()
    assert 'data-urgency="critical"' in page
