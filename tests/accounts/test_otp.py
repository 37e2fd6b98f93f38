"""One-time codes: six digits by text message, ten minutes, five tries, and limits on asking."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from accounts import otp
from accounts.models import PhoneCode
from core.errors import InvalidInput, RateLimited
from core.models import OutboundMessage
from tests.portal_helpers import last_code

pytestmark = pytest.mark.django_db

PHONE = "13903910168"
OTHER_PHONE = "13698765432"
IP = "10.1.2.3"
SIGN_UP = PhoneCode.Purpose.SIGN_UP
SIGN_IN = PhoneCode.Purpose.SIGN_IN
#: The start of an hour, so that a test's codes all fall in one rate-limit window.
START = datetime(2022, 1, 14, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def code_error(error: pytest.ExceptionInfo[InvalidInput]) -> str:
    return " ".join(error.value.details["code"])


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_it_texts_a_six_digit_code_and_keeps_only_its_hash():
    with time_machine.travel(START, tick=False):
        record = otp.send_code(phone=PHONE, purpose=SIGN_UP, client_ip=IP)

    message = OutboundMessage.objects.get(phone=PHONE)
    code = last_code(PHONE)
    assert len(code) == 6
    assert code in message.body
    assert message.help_request is None
    assert code not in record.code_hash
    assert record.client_ip == IP
    assert record.expires_at - record.created_at == timedelta(minutes=10)


def test_the_right_code_is_accepted_once():
    otp.send_code(phone=PHONE, purpose=SIGN_UP, client_ip=IP)
    code = last_code(PHONE)

    otp.check_code(phone=PHONE, purpose=SIGN_UP, code=code)

    with pytest.raises(InvalidInput) as error:
        otp.check_code(phone=PHONE, purpose=SIGN_UP, code=code)
    assert "No valid code" in code_error(error)


def test_spaces_around_the_code_do_not_matter():
    otp.send_code(phone=PHONE, purpose=SIGN_UP, client_ip=IP)

    otp.check_code(phone=PHONE, purpose=SIGN_UP, code=f" {last_code(PHONE)} ")


def test_a_wrong_code_counts_a_try_and_says_how_many_are_left():
    otp.send_code(phone=PHONE, purpose=SIGN_UP, client_ip=IP)

    with pytest.raises(InvalidInput) as error:
        otp.check_code(phone=PHONE, purpose=SIGN_UP, code=wrong(last_code(PHONE)))

    assert "4 tries left" in code_error(error)
    assert PhoneCode.objects.get(phone=PHONE).attempts == 1


def test_after_five_wrong_tries_even_the_right_code_is_refused():
    otp.send_code(phone=PHONE, purpose=SIGN_UP, client_ip=IP)
    code = last_code(PHONE)
    for _ in range(otp.MAX_ATTEMPTS - 1):
        with pytest.raises(InvalidInput):
            otp.check_code(phone=PHONE, purpose=SIGN_UP, code=wrong(code))
    with pytest.raises(InvalidInput) as error:
        otp.check_code(phone=PHONE, purpose=SIGN_UP, code=wrong(code))
    assert "no tries are left" in code_error(error)

    with pytest.raises(InvalidInput) as error:
        otp.check_code(phone=PHONE, purpose=SIGN_UP, code=code)
    assert "No valid code" in code_error(error)


def test_after_a_lockout_the_phone_waits_before_a_new_code():
    with time_machine.travel(START, tick=False) as clock:
        otp.send_code(phone=PHONE, purpose=SIGN_UP, client_ip=IP)
        code = last_code(PHONE)
        for _ in range(otp.MAX_ATTEMPTS):
            with pytest.raises(InvalidInput):
                otp.check_code(phone=PHONE, purpose=SIGN_UP, code=wrong(code))

        clock.shift(timedelta(minutes=2))
        with pytest.raises(RateLimited) as error:
            otp.send_code(phone=PHONE, purpose=SIGN_UP, client_ip=IP)
        assert error.value.retry_after == 13 * 60
        assert error.value.details["phone"]

        clock.shift(otp.LOCKOUT)
        otp.send_code(phone=PHONE, purpose=SIGN_UP, client_ip=IP)
        otp.check_code(phone=PHONE, purpose=SIGN_UP, code=last_code(PHONE))


def test_an_expired_code_is_refused():
    with time_machine.travel(START, tick=False) as clock:
        otp.send_code(phone=PHONE, purpose=SIGN_UP, client_ip=IP)
        clock.shift(otp.CODE_LIFETIME + timedelta(seconds=1))

        with pytest.raises(InvalidInput) as error:
            otp.check_code(phone=PHONE, purpose=SIGN_UP, code=last_code(PHONE))

    assert "expired" in code_error(error)


def test_a_code_is_good_only_for_its_phone():
    otp.send_code(phone=PHONE, purpose=SIGN_UP, client_ip=IP)
    otp.send_code(phone=OTHER_PHONE, purpose=SIGN_UP, client_ip=IP)

    with pytest.raises(InvalidInput):
        otp.check_code(phone=OTHER_PHONE, purpose=SIGN_UP, code=last_code(PHONE))


def test_a_sign_up_code_does_not_sign_in():
    otp.send_code(phone=PHONE, purpose=SIGN_UP, client_ip=IP)

    with pytest.raises(InvalidInput):
        otp.check_code(phone=PHONE, purpose=SIGN_IN, code=last_code(PHONE))


def test_a_new_code_replaces_the_one_before():
    with time_machine.travel(START, tick=False) as clock:
        otp.send_code(phone=PHONE, purpose=SIGN_UP, client_ip=IP)
        first = last_code(PHONE)
        clock.shift(otp.RESEND_AFTER)
        otp.send_code(phone=PHONE, purpose=SIGN_UP, client_ip=IP)
        second = last_code(PHONE)

        if first != second:
            with pytest.raises(InvalidInput):
                otp.check_code(phone=PHONE, purpose=SIGN_UP, code=first)
        otp.check_code(phone=PHONE, purpose=SIGN_UP, code=second)


def test_a_second_code_within_a_minute_is_refused_with_the_wait():
    with time_machine.travel(START, tick=False) as clock:
        otp.send_code(phone=PHONE, purpose=SIGN_UP, client_ip=IP)
        clock.shift(timedelta(seconds=20))

        with pytest.raises(RateLimited) as error:
            otp.send_code(phone=PHONE, purpose=SIGN_UP, client_ip=IP)

    assert error.value.retry_after == 40
    assert error.value.http_status == 429
    assert "phone" in error.value.details
    assert OutboundMessage.objects.filter(phone=PHONE).count() == 1


def test_a_phone_gets_at_most_five_codes_an_hour():
    with time_machine.travel(START, tick=False) as clock:
        for _ in range(otp.CODES_PER_PHONE_PER_HOUR):
            otp.send_code(phone=PHONE, purpose=SIGN_UP, client_ip=IP)
            clock.shift(otp.RESEND_AFTER)

        with pytest.raises(RateLimited) as error:
            otp.send_code(phone=PHONE, purpose=SIGN_UP, client_ip=IP)

    # The rest of the hour: five minutes have gone.
    assert error.value.retry_after == 55 * 60
    assert OutboundMessage.objects.filter(phone=PHONE).count() == otp.CODES_PER_PHONE_PER_HOUR


def test_one_address_gets_at_most_twenty_codes_an_hour_whatever_the_phones():
    with time_machine.travel(START, tick=False):
        for n in range(otp.CODES_PER_CLIENT_PER_HOUR):
            otp.send_code(phone=f"1390391{n:04d}", purpose=SIGN_UP, client_ip=IP)

        with pytest.raises(RateLimited):
            otp.send_code(phone="13800000000", purpose=SIGN_UP, client_ip=IP)
        otp.send_code(phone="13800000000", purpose=SIGN_UP, client_ip="10.9.9.9")
