"""The request page's "show in full": a reason first, then the requester's data, recorded."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.urls import reverse

from core.access import Actor
from core.models import PersonalDataAccess
from core.services import request_dispatch
from tests.console.conftest import htmx

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_passwords(settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def reveal_url(number: str) -> str:
    return reverse("console:request_personal_data", args=[number])


def detail(number: str) -> str:
    return reverse("console:request_detail", args=[number])


def test_the_page_offers_the_control_without_inline_script(client, dispatcher, make_request):
    hr = make_request()
    client.force_login(dispatcher)
    page = client.get(detail(hr.number)).content.decode()
    card = page[page.index('id="requester-card"') :]
    card = card[: card.index("</section>")]
    assert "Show in full" in card and 'name="reason"' in card
    assert f'hx-post="{reveal_url(hr.number)}"' in card
    # A strict Content-Security-Policy allows no inline script or handlers.
    assert not re.search(r"<script|\son[a-z]+=|hx-on", card)
    assert "13812341234" not in page


def test_a_reason_reveals_the_card_as_a_fragment_and_is_recorded(client, operator, make_request):
    hr = make_request()
    client.force_login(operator)
    response = client.post(
        reveal_url(hr.number), {"reason": "来电人要求核对身份信息"}, headers=htmx("requester-card")
    )
    assert response.status_code == 200
    fragment = response.content.decode()
    assert fragment.lstrip().startswith('<section class="card requester-card" id="requester-card"')
    assert "张丽" in fragment and "13812341234" in fragment and "410802199001011232" in fragment
    assert "<html" not in fragment
    access = PersonalDataAccess.objects.get()
    assert (access.user, access.help_request, access.via, access.reason) == (
        operator,
        hr,
        "console",
        "来电人要求核对身份信息",
    )
    # Opening the page again shows it masked: each full view needs its own reason.
    assert "13812341234" not in client.get(detail(hr.number)).content.decode()


def test_without_javascript_the_whole_page_comes_back_revealed(client, dispatcher, make_request):
    hr = make_request()
    client.force_login(dispatcher)
    response = client.post(reveal_url(hr.number), {"reason": "回访核实地址"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "<html" in page and "13812341234" in page and hr.number in page
    assert PersonalDataAccess.objects.count() == 1


@pytest.mark.parametrize(
    ("reason", "language", "message"),
    [
        ("", "en", "This field is required."),
        ("  ", "zh-hans", "这个字段是必填项。"),
        ("ab", "en", "Ensure this value has at least 4 characters (it has 2)."),
        ("核实", "zh-hans", "确保该变量至少包含 4 字符(目前字符数 2)。"),
    ],
)
def test_a_missing_or_short_reason_is_a_field_error_and_reveals_nothing(
    client, dispatcher, make_request, reason, language, message
):
    hr = make_request()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    client.force_login(dispatcher)
    response = client.post(
        reveal_url(hr.number), {"reason": reason}, headers=htmx("requester-card")
    )
    assert response.status_code == 422
    fragment = response.content.decode()
    assert 'class="field-error" id="id_reason_error"' in fragment and message in fragment
    assert '<details class="reveal" open>' in fragment
    assert "13812341234" not in fragment and "410802199001011232" not in fragment
    assert not PersonalDataAccess.objects.exists()


@pytest.mark.parametrize("persona", ["commander", "auditor"])
def test_roles_that_see_masked_have_no_control_and_are_refused(
    client, request, persona, make_request
):
    hr = make_request()
    client.force_login(request.getfixturevalue(persona))
    page = client.get(detail(hr.number)).content.decode()
    assert "Personal data is masked for your role." in page and 'name="reason"' not in page
    response = client.post(reveal_url(hr.number), {"reason": "领导要求查看"})
    assert response.status_code == 403
    assert "13812341234" not in response.content.decode()
    assert not PersonalDataAccess.objects.exists()


def test_a_member_of_another_group_gets_404(client, dispatcher, member_b, group_a, make_request):
    hr = request_dispatch(make_request(), actor=Actor(user=dispatcher), group=group_a)
    client.force_login(member_b)
    response = client.post(reveal_url(hr.number), {"reason": "电话联系求助人"})
    assert response.status_code == 404
    assert "13812341234" not in response.content.decode()
    assert not PersonalDataAccess.objects.exists()


def test_a_get_is_not_allowed_and_anonymous_users_are_sent_to_sign_in(
    client, dispatcher, make_request
):
    hr = make_request()
    assert client.post(reveal_url(hr.number), {"reason": "回访核实"}).status_code == 302
    client.force_login(dispatcher)
    # A link or a prefetch must never reveal: only a POST with a reason does.
    assert client.get(reveal_url(hr.number), {"reason": "回访核实"}).status_code == 405
    assert not PersonalDataAccess.objects.exists()
