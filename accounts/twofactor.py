"""Two-factor sign-in for staff: time-based codes (TOTP, RFC 6238) from an authenticator app.

Optional for everyone on the console, required for the roles in ``HUYING_REQUIRE_TOTP_ROLES``.
Codes have six digits and a 30-second step; one step either side is accepted for clock drift,
and each code works once (``TotpDevice.last_step``), so a code read over a shoulder cannot be
replayed. The shared secret is encrypted with a key derived from ``SECRET_KEY``: a copy of
the database alone does not give the codes away. Changing ``SECRET_KEY`` therefore means
every user sets their app up again (an administrator resets them in the admin).
"""

from __future__ import annotations

import base64
import hashlib
import io
import secrets
import time

import segno
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives.hashes import SHA1
from cryptography.hazmat.primitives.twofactor.totp import TOTP
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from accounts.models import TotpDevice, User

STEP_SECONDS = 30
DIGITS = 6
#: Steps accepted either side of now: a phone's clock may be a little off.
DRIFT_STEPS = 1
ISSUER = "huying"


def _fernet() -> Fernet:
    key = hashlib.sha256(b"huying.totp:" + settings.SECRET_KEY.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def _totp(secret: bytes) -> TOTP:
    # SHA-1 is what every authenticator app speaks; for HMAC it is still sound.
    return TOTP(secret, DIGITS, SHA1(), STEP_SECONDS, enforce_key_length=False)  # noqa: S303


def device_secret(device: TotpDevice) -> bytes:
    return _fernet().decrypt(bytes(device.secret_encrypted))


def base32_secret(secret: bytes) -> str:
    return base64.b32encode(secret).decode().rstrip("=")


def totp_code_at(secret: bytes, at: float) -> str:
    """The code an authenticator app shows at ``at`` (seconds since the epoch)."""
    return _totp(secret).generate(int(at)).decode()


def totp_required(user: User) -> bool:
    return user.effective_role in settings.HUYING_REQUIRE_TOTP_ROLES


def totp_enabled(user: User) -> bool:
    return TotpDevice.objects.filter(user=user, confirmed_at__isnull=False).exists()


def totp_device_start(*, user: User) -> tuple[TotpDevice, bytes]:
    """A new, unconfirmed secret for ``user`` (replacing an unconfirmed one); not yet in force."""
    secret = secrets.token_bytes(20)
    with transaction.atomic():
        TotpDevice.objects.filter(user=user, confirmed_at=None).delete()
        device = TotpDevice.objects.create(user=user, secret_encrypted=_fernet().encrypt(secret))
    return device, secret


def totp_code_check(*, device: TotpDevice, code: str, now: float | None = None) -> bool:
    """Whether ``code`` is right now (± one step) and not used before; uses it up if so."""
    code = "".join(code.split())
    if len(code) != DIGITS or not code.isdigit():
        return False
    at = time.time() if now is None else now
    current = int(at) // STEP_SECONDS
    secret = device_secret(device)
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if step <= device.last_step:
            continue
        expected = totp_code_at(secret, step * STEP_SECONDS)
        if secrets.compare_digest(expected, code):
            # Of two sign-ins with one code at the same moment, only one moves last_step.
            used = TotpDevice.objects.filter(pk=device.pk, last_step__lt=step).update(
                last_step=step
            )
            device.last_step = step
            return used == 1
    return False


def totp_device_confirm(*, device: TotpDevice, code: str) -> bool:
    """Put ``device`` in force if ``code`` is right; a confirmed device replaces an older one."""
    if not totp_code_check(device=device, code=code):
        return False
    with transaction.atomic():
        TotpDevice.objects.filter(user_id=device.user_id).exclude(pk=device.pk).delete()
        device.confirmed_at = timezone.now()
        device.save(update_fields=["confirmed_at"])
    return True


def totp_device_remove(*, user: User) -> int:
    """Turn two-factor sign-in off for ``user`` (after a code, or by an administrator)."""
    deleted, _ = TotpDevice.objects.filter(user=user).delete()
    return deleted


def provisioning_uri(user: User, secret: bytes) -> str:
    return _totp(secret).get_provisioning_uri(user.get_username(), ISSUER)


def qr_svg(uri: str) -> SafeString:
    """The ``otpauth://`` address as an inline SVG QR code (no script, no inline style)."""
    out = io.BytesIO()
    segno.make(uri, error="m").save(out, kind="svg", xmldecl=False, scale=4, border=2)
    # segno's own output: markup we generated from a URI we built, nothing from a user.
    return mark_safe(out.getvalue().decode())  # noqa: S308
