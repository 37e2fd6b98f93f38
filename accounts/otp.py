"""One-time codes by text message: how the citizen app and the enterprise portal know a phone.

A code is six digits, lives ten minutes, allows five tries and is kept only as a keyed hash.
Asking for codes is limited per phone and per client address; after too many wrong tries
the phone gets no new code for a while, so guessing cannot simply start over.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import PhoneCode
from core.errors import InvalidInput, RateLimited
from core.notify import send_text
from lib import ratelimit

CODE_LIFETIME = timedelta(minutes=10)
MAX_ATTEMPTS = 5
#: No new code for a phone this soon after the last one.
RESEND_AFTER = timedelta(seconds=60)
#: Codes per phone and per client address in an hour.
CODES_PER_PHONE_PER_HOUR = 5
CODES_PER_CLIENT_PER_HOUR = 20
#: After a code died of wrong tries, the phone waits this long for a new one.
LOCKOUT = timedelta(minutes=15)


def _digest(phone: str, purpose: str, code: str) -> str:
    message = f"{purpose}:{phone}:{code}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def _wait(seconds: float) -> RateLimited:
    seconds = max(1, int(seconds))
    minutes = (seconds + 59) // 60
    return RateLimited(
        ngettext(
            "Too many codes asked for. Try again in %(n)d minute.",
            "Too many codes asked for. Try again in %(n)d minutes.",
            minutes,
        )
        % {"n": minutes},
        retry_after=seconds,
        details={"phone": [_("Please wait before asking for another code.")]},
    )


def send_code(*, phone: str, purpose: str, client_ip: str) -> PhoneCode:
    """Text a new code to ``phone`` (already normalised); ``RateLimited`` when asked too often."""
    now = timezone.now()
    last = PhoneCode.objects.filter(phone=phone, purpose=purpose).order_by("-created_at").first()
    if last is not None:
        if now - last.created_at < RESEND_AFTER:
            raise _wait((last.created_at + RESEND_AFTER - now).total_seconds())
        if last.attempts >= MAX_ATTEMPTS and now - last.created_at < LOCKOUT:
            raise _wait((last.created_at + LOCKOUT - now).total_seconds())
    for scope, key, limit in (
        ("code-phone", phone, CODES_PER_PHONE_PER_HOUR),
        ("code-client", client_ip, CODES_PER_CLIENT_PER_HOUR),
    ):
        retry_after = ratelimit.hit(scope, key, limit=limit, window=3600)
        if retry_after is not None:
            raise _wait(retry_after)
    code = f"{secrets.randbelow(1_000_000):06d}"
    with transaction.atomic():
        # A new code replaces any older one still alive.
        PhoneCode.objects.filter(phone=phone, purpose=purpose, used_at=None).update(used_at=now)
        record = PhoneCode.objects.create(
            phone=phone,
            purpose=purpose,
            code_hash=_digest(phone, purpose, code),
            expires_at=now + CODE_LIFETIME,
            client_ip=client_ip if client_ip != "unknown" else None,
        )
        with translation.override("zh-hans"):
            body = _("[huying] Your code is %(code)s. It is valid for 10 minutes; tell no one.") % {
                "code": code
            }
        send_text(phone=phone, body=body)
    return record


def check_code(*, phone: str, purpose: str, code: str) -> None:
    """Use up the live code for ``phone`` if ``code`` matches; ``InvalidInput`` on ``code`` if not."""
    code = (code or "").strip()
    now = timezone.now()
    with transaction.atomic():
        record = (
            PhoneCode.objects.select_for_update()
            .filter(phone=phone, purpose=purpose, used_at=None)
            .order_by("-created_at")
            .first()
        )
        if record is None or record.attempts >= MAX_ATTEMPTS:
            raise InvalidInput.for_field(
                "code", _("No valid code for this phone. Ask for a new code.")
            )
        if record.expires_at <= now:
            raise InvalidInput.for_field("code", _("This code has expired. Ask for a new code."))
        if not hmac.compare_digest(record.code_hash, _digest(phone, purpose, code)):
            record.attempts += 1
            record.save(update_fields=["attempts"])
            left = MAX_ATTEMPTS - record.attempts
            if left <= 0:
                message = _("Wrong code, and no tries are left. Ask for a new code later.")
            else:
                message = ngettext(
                    "Wrong code. %(n)d try left.", "Wrong code. %(n)d tries left.", left
                ) % {"n": left}
            # Raised below, outside the transaction: raising here would roll back the count.
            error = InvalidInput.for_field("code", message)
        else:
            record.used_at = now
            record.save(update_fields=["used_at"])
            return
    raise error
