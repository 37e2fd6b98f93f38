"""A company registers on the enterprise portal through its first contact."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from accounts.models import Role, User
from core.models import Enterprise, OutboundMessage
from tests.enterprise.conftest import NEW_USCC, USCC
from tests.portal_helpers import last_code

pytestmark = pytest.mark.django_db

URL = "/enterprise/sign-up/"
PHONE = "13700001111"


def form(**overrides: Any) -> dict[str, Any]:
    data = {
        "uscc": NEW_USCC,
        "enterprise_name": "武陟县宏达纸业有限公司",
        "workforce": "420",
        "county": "410823",
        "street": "",
        "address": "木城镇工业园",
        "contact_name": "陈国庆",
        "phone": PHONE,
        "code": "",
    }
    data.update(overrides)
    return data


def send_code(client: Client, **overrides: Any):
    return client.post(URL, {**form(**overrides), "action": "send_code"})


def sign_up(client: Client, **overrides: Any):
    return client.post(URL, {**form(**overrides), "action": "submit"})


def test_the_first_contact_registers_the_company_and_is_signed_in(client: Client, db):
    response = send_code(client)
    assert response.status_code == 200
    page = response.content.decode()
    assert "A code has been sent to 137****1111" in page
    assert 'value="武陟县宏达纸业有限公司"' in page

    response = sign_up(client, code=last_code(PHONE))

    assert response.status_code == 302
    assert response["Location"] == "/enterprise/requests/new/"
    company = Enterprise.objects.get(uscc=NEW_USCC)
    assert (company.name, company.workforce, company.division_id, company.address) == (
        "武陟县宏达纸业有限公司",
        420,
        "410823",
        "木城镇工业园",
    )
    contact = User.objects.get(role=Role.ENTERPRISE, phone=PHONE)
    assert contact.enterprise == company
    assert contact.first_name == "陈国庆"
    page = client.get(response["Location"]).content.decode()
    assert "is registered, and you are its contact." in page


def test_the_credit_code_is_read_with_spaces_and_small_letters(client: Client, db):
    send_code(client)
    typed = " ".join([NEW_USCC[:6], NEW_USCC[6:12].lower(), NEW_USCC[12:]])

    response = sign_up(client, uscc=typed, code=last_code(PHONE))

    assert response.status_code == 302
    assert Enterprise.objects.filter(uscc=NEW_USCC).exists()


def test_a_wrong_credit_code_checksum_is_refused_on_its_field(client: Client, db):
    send_code(client)
    wrong = NEW_USCC[:-1] + ("K" if NEW_USCC[-1] != "K" else "L")

    response = sign_up(client, uscc=wrong, code=last_code(PHONE))

    assert response.status_code == 422
    form_ = response.context["form"]
    assert form_.errors["uscc"] == ["This is not a valid unified social credit code."]
    assert f'value="{wrong}"' in response.content.decode()
    assert not Enterprise.objects.exists()


def test_a_company_registered_already_gets_the_services_answer(client: Client, contact: User):
    send_code(client)

    response = sign_up(client, uscc=USCC, code=last_code(PHONE))

    assert response.status_code == 422
    message = response.context["form"].errors["uscc"][0]
    assert "registered already" in message
    assert "郭*" in message
    assert Enterprise.objects.count() == 1
    assert not User.objects.filter(phone=PHONE).exists()


def test_a_street_of_another_county_is_refused(client: Client, db):
    send_code(client)

    response = sign_up(client, street="410802001", code=last_code(PHONE))

    assert response.status_code == 422
    assert "is not in" in response.context["form"].errors["street"][0]


def test_every_field_is_checked(client: Client, db):
    response = sign_up(
        client,
        uscc="",
        enterprise_name="",
        workforce="-3",
        county="",
        contact_name="",
        phone="0391-3569999",
        code="",
    )

    assert response.status_code == 422
    assert set(response.context["form"].errors) == {
        "uscc",
        "enterprise_name",
        "workforce",
        "county",
        "contact_name",
        "phone",
        "code",
    }


def test_a_landline_gets_no_code(client: Client, db):
    response = send_code(client, phone="0391-3569999")

    assert response.status_code == 422
    assert "mobile number" in response.context["form"].errors["phone"][0]
    assert not OutboundMessage.objects.exists()


def test_asking_for_a_second_code_at_once_is_refused(client: Client, db):
    send_code(client)

    response = send_code(client)

    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    assert response.context["form"].errors["phone"]


def test_html_in_the_names_is_kept_as_text_and_shown_escaped(client: Client, db):
    send_code(client)
    sign_up(
        client,
        enterprise_name="<i>宏达</i>纸业",
        contact_name="<script>alert(1)</script>陈",
        code=last_code(PHONE),
    )

    page = client.get("/enterprise/contacts/").content.decode()
    assert "&lt;i&gt;宏达&lt;/i&gt;纸业" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;陈" in page
    assert "<script>alert(1)" not in page


def test_errors_speak_chinese_by_default(client: Client, db):
    del client.cookies[settings.LANGUAGE_COOKIE_NAME]

    response = sign_up(client, uscc=NEW_USCC[:-1] + "0", code="123456")

    assert response.status_code == 422
    assert "这不是有效的统一社会信用代码。" in response.content.decode()
