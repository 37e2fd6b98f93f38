"""Real-name sign-up on the citizen app: name, ID card number, and a phone confirmed by code."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.test import Client

from accounts import otp
from accounts.models import PhoneCode, Role, User
from core.models import OutboundMessage
from tests.citizen.conftest import RESIDENT_ID, RESIDENT_PHONE
from tests.portal_helpers import last_code

pytestmark = pytest.mark.django_db

URL = "/app/sign-up/"
START = datetime(2022, 1, 14, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def form(**overrides: Any) -> dict[str, Any]:
    data = {"name": "李娟", "id_number": RESIDENT_ID, "phone": RESIDENT_PHONE, "code": ""}
    data.update(overrides)
    return data


def send_code(client: Client, **overrides: Any):
    return client.post(URL, {**form(**overrides), "action": "send_code"})


def sign_up(client: Client, **overrides: Any):
    return client.post(URL, {**form(**overrides), "action": "submit"})


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_the_page_speaks_chinese_by_default(client: Client):
    del client.cookies[settings.LANGUAGE_COOKIE_NAME]

    response = client.get(URL)

    assert response.status_code == 200
    assert '<html lang="zh-Hans">' in response.content.decode()


def test_it_signs_up_with_a_code_and_is_signed_in(client: Client):
    response = send_code(client)

    assert response.status_code == 200
    page = response.content.decode()
    assert "A code has been sent to 139****0168" in page
    assert 'value="李娟"' in page  # what was typed stays
    assert f'value="{RESIDENT_ID}"' in page
    assert 'data-wait="60"' in page

    response = sign_up(client, code=last_code(RESIDENT_PHONE))

    assert response.status_code == 302
    assert response["Location"] == "/app/requests/new/"
    user = User.objects.get(role=Role.CITIZEN, phone=RESIDENT_PHONE)
    assert (user.first_name, user.id_number) == ("李娟", RESIDENT_ID)
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "Welcome, 李娟. Your account is ready." in page.content.decode()


def test_the_id_number_may_end_in_a_small_x(client: Client):
    send_code(client, id_number="11010519491231002x")

    response = sign_up(client, id_number="11010519491231002x", code=last_code(RESIDENT_PHONE))

    assert response.status_code == 302
    assert User.objects.get(phone=RESIDENT_PHONE).id_number == "11010519491231002X"


def test_a_wrong_id_checksum_is_refused_on_its_field_keeping_what_was_typed(client: Client):
    send_code(client)

    response = sign_up(client, id_number="410802198807150027", code=last_code(RESIDENT_PHONE))

    assert response.status_code == 422
    errors = response.context["form"].errors
    assert "not a valid resident ID card number" in errors["id_number"][0]
    page = response.content.decode()
    assert 'id="id_id_number_error"' in page
    assert 'value="410802198807150027"' in page
    assert not User.objects.filter(phone=RESIDENT_PHONE).exists()
    # The code was not used up by a form that never reached the service.
    assert PhoneCode.objects.get(phone=RESIDENT_PHONE).used_at is None


def test_missing_fields_are_named(client: Client):
    response = sign_up(client, name="", id_number="", phone="", code="")

    assert response.status_code == 422
    assert set(response.context["form"].errors) == {"name", "id_number", "phone", "code"}


@pytest.mark.parametrize("typed", ["+86 139 0391 0168", "0086 13903910168", "139 0391 0168"])
def test_a_mobile_number_is_read_in_the_ways_people_type_it(client: Client, typed: str):
    response = send_code(client, phone=typed)

    assert response.status_code == 200
    assert OutboundMessage.objects.filter(phone=RESIDENT_PHONE).exists()


@pytest.mark.parametrize("landline", ["0391-3569999", "03913569999"])
def test_a_landline_cannot_receive_a_code(client: Client, landline: str):
    response = send_code(client, phone=landline)

    assert response.status_code == 422
    assert "mobile number" in response.context["form"].errors["phone"][0]
    assert not OutboundMessage.objects.exists()


def test_a_phone_that_is_no_phone_is_refused(client: Client):
    response = send_code(client, phone="12345")

    assert response.status_code == 422
    assert "11 digits" in response.context["form"].errors["phone"][0]
    assert not OutboundMessage.objects.exists()


def test_asking_again_within_a_minute_is_refused_with_the_wait(client: Client):
    with time_machine.travel(START, tick=False) as clock:
        send_code(client)
        clock.shift(timedelta(seconds=15))

        response = send_code(client)

    assert response.status_code == 429
    assert response["Retry-After"] == "45"
    page = response.content.decode()
    assert "Try again in 1 minute" in page
    assert "Please wait before asking for another code." in response.context["form"].errors["phone"]
    assert 'data-wait="45"' in page
    assert OutboundMessage.objects.count() == 1


def test_wrong_codes_are_counted_then_the_phone_must_pause(client: Client):
    with time_machine.travel(START, tick=False) as clock:
        send_code(client)
        code = last_code(RESIDENT_PHONE)

        response = sign_up(client, code=wrong(code))
        assert response.status_code == 422
        assert "4 tries left" in response.context["form"].errors["code"][0]
        for _ in range(otp.MAX_ATTEMPTS - 1):
            response = sign_up(client, code=wrong(code))
        assert "no tries are left" in response.context["form"].errors["code"][0]

        response = sign_up(client, code=code)
        assert "No valid code" in response.context["form"].errors["code"][0]

        clock.shift(timedelta(minutes=2))
        response = send_code(client)
        assert response.status_code == 429
        assert int(response["Retry-After"]) == 13 * 60
    assert not User.objects.filter(phone=RESIDENT_PHONE).exists()


def test_an_expired_code_is_refused(client: Client):
    with time_machine.travel(START, tick=False) as clock:
        send_code(client)
        clock.shift(otp.CODE_LIFETIME + timedelta(seconds=1))

        response = sign_up(client, code=last_code(RESIDENT_PHONE))

    assert response.status_code == 422
    assert "expired" in response.context["form"].errors["code"][0]


def test_a_code_sent_to_another_phone_does_not_confirm_this_one(client: Client):
    send_code(client, phone="13698765432")

    response = sign_up(client, code=last_code("13698765432"))

    assert response.status_code == 422
    assert "No valid code" in response.context["form"].errors["code"][0]
    assert not User.objects.exists()


def test_a_phone_with_an_account_is_sent_to_sign_in(client: Client, resident: User):
    response = sign_up(client, id_number="410802199001011232", code="123456")

    assert response.status_code == 422
    assert "Sign in instead" in response.context["form"].errors["phone"][0]


def test_html_in_the_name_is_kept_as_text_and_shown_escaped(client: Client):
    name = "<b>李</b><script>alert(1)</script>"
    send_code(client, name=name)
    sign_up(client, name=name, code=last_code(RESIDENT_PHONE))

    assert User.objects.get(phone=RESIDENT_PHONE).first_name == name
    page = client.get("/app/").content.decode()
    assert "&lt;b&gt;李&lt;/b&gt;&lt;script&gt;" in page
    assert "<script>alert(1)</script>" not in page


def test_a_signed_in_resident_is_not_asked_to_sign_up_again(resident_client: Client):
    response = resident_client.get(URL)

    assert response.status_code == 302
    assert response["Location"] == "/app/"


def test_the_code_may_be_asked_for_before_the_rest_is_typed(client: Client):
    response = send_code(client, name="", id_number="")

    assert response.status_code == 200
    assert response.context["form"].errors == {}
    assert OutboundMessage.objects.filter(phone=RESIDENT_PHONE).exists()
    # The fields are still marked as needed.
    assert 'class="field field-name required"' in response.content.decode()


def test_a_mistake_elsewhere_is_shown_but_the_code_still_goes(client: Client):
    response = send_code(client, id_number="410802198807150027")

    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"id_number"}
    assert "A code has been sent" in response.content.decode()
