"""Sign-in forms that explain a lock-out, and the forms of the two-factor pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.backends import LOCKOUT_ATTRIBUTE
from accounts.lockout import lockout_message
from accounts.models import LoginLockout, User
from accounts.twofactor import totp_enabled, totp_required


class LockoutMessageMixin:
    """Say "too many attempts, try again in N minutes" instead of "wrong password"."""

    request: Any

    def get_invalid_login_error(self) -> ValidationError:
        lockout: LoginLockout | None = getattr(self.request, LOCKOUT_ATTRIBUTE, None)
        if lockout is not None:
            return ValidationError(lockout_message(lockout.until), code="locked_out")
        return super().get_invalid_login_error()  # type: ignore[misc, no-any-return]


class AdminLoginForm(LockoutMessageMixin, AdminAuthenticationForm):
    """The admin's sign-in: lock-outs explained, and no way around the second factor.

    The admin page asks only for a password, so an account with two-factor sign-in must
    sign in at the console (which asks for the code); the session then serves the admin too.
    """

    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "use_console": _(
            "This account signs in with a second factor: sign in at the staff console first."
        ),
    }

    def confirm_login_allowed(self, user: User) -> None:  # type: ignore[override]
        super().confirm_login_allowed(user)
        if totp_enabled(user) or totp_required(user):
            raise ValidationError(self.error_messages["use_console"], code="use_console")


class CodeForm(forms.Form):
    """One six-digit code from the authenticator app."""

    code = forms.CharField(
        label=_("Code from the authenticator app"),
        max_length=10,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )
