"""Accounts of the people who ask for help themselves: citizens and enterprise contacts, each
known by a phone confirmed with a one-time code."""

from __future__ import annotations

import pytest
from django.utils import timezone

from accounts import otp
from accounts.models import PhoneCode, Role, User
from accounts.services import (
    add_enterprise_contact,
    register_citizen,
    register_enterprise,
    sign_in_by_code,
    update_workforce,
)
from core.errors import Forbidden, InvalidInput
from core.models import Division, Enterprise
from tests.portal_helpers import last_code

pytestmark = pytest.mark.django_db

PHONE = "13903910168"
ID_NUMBER = "410802199001011232"
USCC = "91410800MA4ABCDE1Q"
OTHER_USCC = "91410800MA4ABCDE2U"
IP = "10.1.2.3"


def code_for(phone: str, purpose: str = PhoneCode.Purpose.SIGN_UP) -> str:
    # Each test sends one code per phone and purpose, so the resend limit never applies.
    otp.send_code(phone=phone, purpose=purpose, client_ip=IP)
    return last_code(phone)


def citizen(phone: str = PHONE, id_number: str = ID_NUMBER, name: str = "李娟") -> User:
    return register_citizen(name=name, id_number=id_number, phone=phone, code=code_for(phone))


def company(phone: str = "13513916688", uscc: str = USCC, code: str | None = None) -> User:
    return register_enterprise(
        uscc=uscc,
        name="焦作市丰源机械有限公司",
        workforce=160,
        division=Division.objects.get(code="410802001"),
        address="焦南街道工业路8号",
        contact_name="郭建军",
        phone=phone,
        code=code or code_for(phone),
    )


def field_errors(error: pytest.ExceptionInfo[InvalidInput]) -> dict[str, list[str]]:
    return error.value.details


def test_a_citizen_signs_up_under_a_real_name():
    user = citizen()

    assert user.role == Role.CITIZEN
    assert user.username == f"app-{PHONE}"
    assert (user.first_name, user.phone, user.id_number) == ("李娟", PHONE, ID_NUMBER)
    assert user.phone_confirmed_at is not None
    assert not user.has_usable_password()
    assert PhoneCode.objects.get(phone=PHONE).used_at is not None


def test_a_wrong_code_makes_no_account():
    code = code_for(PHONE)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"

    with pytest.raises(InvalidInput) as error:
        register_citizen(name="李娟", id_number=ID_NUMBER, phone=PHONE, code=wrong)

    assert "code" in field_errors(error)
    assert not User.objects.filter(phone=PHONE).exists()


def test_two_sign_ups_for_one_phone_make_one_account():
    citizen()

    with pytest.raises(InvalidInput) as error:
        register_citizen(name="李娟", id_number="410802198807150026", phone=PHONE, code="000000")

    assert "Sign in instead" in field_errors(error)["phone"][0]
    assert User.objects.filter(role=Role.CITIZEN, phone=PHONE).count() == 1


def test_one_id_number_has_one_account():
    citizen()

    with pytest.raises(InvalidInput) as error:
        citizen(phone="13698765432")

    assert "id_number" in field_errors(error)


def test_the_sign_up_code_is_not_used_up_by_a_refused_sign_up():
    citizen()
    other = "13698765432"
    code = code_for(other)

    with pytest.raises(InvalidInput):
        register_citizen(name="王芳", id_number=ID_NUMBER, phone=other, code=code)

    # The same code still works once the mistake is corrected.
    register_citizen(name="王芳", id_number="410802198807150026", phone=other, code=code)


def test_a_citizen_signs_in_with_a_code():
    user = citizen()

    signed_in = sign_in_by_code(
        role=Role.CITIZEN, phone=PHONE, code=code_for(PHONE, PhoneCode.Purpose.SIGN_IN)
    )

    assert signed_in == user


def test_signing_in_needs_an_account_of_that_kind():
    citizen()

    with pytest.raises(InvalidInput) as error:
        sign_in_by_code(
            role=Role.ENTERPRISE, phone=PHONE, code=code_for(PHONE, PhoneCode.Purpose.SIGN_IN)
        )

    assert "Sign up first" in field_errors(error)["phone"][0]


def test_a_deactivated_account_cannot_sign_in():
    user = citizen()
    User.objects.filter(pk=user.pk).update(is_active=False)

    with pytest.raises(InvalidInput):
        sign_in_by_code(
            role=Role.CITIZEN, phone=PHONE, code=code_for(PHONE, PhoneCode.Purpose.SIGN_IN)
        )


def test_an_account_made_by_hand_signs_in_by_its_phone():
    # The demo's ``citizen`` and accounts an administrator made are not named after the phone.
    user = User.objects.create(
        username="citizen", role=Role.CITIZEN, phone=PHONE, first_name="李娟"
    )

    signed_in = sign_in_by_code(
        role=Role.CITIZEN, phone=PHONE, code=code_for(PHONE, PhoneCode.Purpose.SIGN_IN)
    )

    assert signed_in == user
    user.refresh_from_db()
    assert user.phone_confirmed_at is not None


def test_the_first_contact_registers_the_enterprise():
    contact = company()

    enterprise = Enterprise.objects.get(uscc=USCC)
    assert contact.enterprise == enterprise
    assert contact.role == Role.ENTERPRISE
    assert contact.username == "ent-13513916688"
    assert (enterprise.name, enterprise.workforce, enterprise.division_id) == (
        "焦作市丰源机械有限公司",
        160,
        "410802001",
    )


def test_an_enterprise_registered_already_names_its_contact_masked():
    company()

    with pytest.raises(InvalidInput) as error:
        company(phone="13698765432")

    message = field_errors(error)["uscc"][0]
    assert "郭*" in message
    assert "郭建军" not in message
    assert Enterprise.objects.count() == 1
    assert not User.objects.filter(phone="13698765432").exists()


def test_one_phone_is_the_contact_of_one_enterprise():
    company()

    with pytest.raises(InvalidInput) as error:
        company(uscc=OTHER_USCC, code="000000")

    assert "Sign in instead" in field_errors(error)["phone"][0]
    assert Enterprise.objects.count() == 1


def test_a_contact_adds_a_colleague_who_then_signs_in_with_their_own_phone():
    first = company()

    colleague = add_enterprise_contact(by=first, name="崔丽华", phone="13513916699")

    assert colleague.enterprise_id == first.enterprise_id
    assert colleague.phone_confirmed_at is None
    signed_in = sign_in_by_code(
        role=Role.ENTERPRISE,
        phone="13513916699",
        code=code_for("13513916699", PhoneCode.Purpose.SIGN_IN),
    )
    assert signed_in == colleague
    signed_in.refresh_from_db()
    assert signed_in.phone_confirmed_at is not None


def test_a_colleague_is_added_once():
    first = company()
    add_enterprise_contact(by=first, name="崔丽华", phone="13513916699")

    with pytest.raises(InvalidInput) as error:
        add_enterprise_contact(by=first, name="崔丽华", phone="13513916699")

    assert "contact already" in field_errors(error)["phone"][0]


def test_a_contact_of_another_enterprise_cannot_be_added():
    first = company()
    elsewhere = Enterprise.objects.create(
        uscc=OTHER_USCC, name="别家公司", workforce=3, division_id="410802"
    )
    other = User.objects.create(
        username="ent-13600000000", role=Role.ENTERPRISE, phone="13600000000", enterprise=elsewhere
    )

    with pytest.raises(InvalidInput) as error:
        add_enterprise_contact(by=first, name="某人", phone=other.phone)

    assert "another enterprise" in field_errors(error)["phone"][0]


def test_only_a_contact_adds_contacts():
    person = citizen()

    with pytest.raises(Forbidden):
        add_enterprise_contact(by=person, name="某人", phone="13600000000")


def test_a_contact_updates_the_head_count():
    contact = company()

    update_workforce(by=contact, workforce=420)

    assert Enterprise.objects.get(uscc=USCC).workforce == 420


def test_confirmed_at_is_recent():
    user = citizen()

    assert user.phone_confirmed_at is not None
    assert (timezone.now() - user.phone_confirmed_at).total_seconds() < 60
