"""The console's sign-in with its second step (the authenticator code) and the two-factor pages.

Sign-in is two steps when the account has an authenticator app, or its role must have one:
the password page keeps the user's id in the session as *pending* and sends them to the code
page; only a right code signs them in. A pending sign-in lasts five minutes. Wrong codes count
toward the same lock-out as wrong passwords.
"""

from __future__ import annotations

import time
from typing import Any

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.views import LoginView, redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from accounts.backends import LOCKOUT_ATTRIBUTE
from accounts.forms import CodeForm
from accounts.lockout import (
    lockout_message,
    login_failure_record,
    login_lockout_active,
)
from accounts.models import TotpDevice, User
from accounts.twofactor import (
    base32_secret,
    device_secret,
    provisioning_uri,
    qr_svg,
    totp_code_check,
    totp_device_confirm,
    totp_device_remove,
    totp_device_start,
    totp_enabled,
    totp_required,
)
from console.forms import ConsoleAuthenticationForm
from lib.ratelimit import client_ip

#: Session key of a sign-in that passed the password and waits for its code.
PENDING_KEY = "huying_pending_login"
PENDING_SECONDS = 300


class ConsoleLoginView(LoginView):
    """The password step. Accounts with a second factor go on to ``login_code``."""

    authentication_form = ConsoleAuthenticationForm
    redirect_authenticated_user = True

    def form_valid(self, form: ConsoleAuthenticationForm) -> HttpResponse:  # type: ignore[override]
        user = form.get_user()
        if not (totp_enabled(user) or totp_required(user)):
            return super().form_valid(form)
        self.request.session.cycle_key()
        self.request.session[PENDING_KEY] = {
            "user": user.pk,
            "backend": getattr(user, "backend", ""),
            "at": time.time(),
            "next": self.get_success_url(),
        }
        return redirect("console:login_code")


def _pending_user(request: HttpRequest) -> tuple[User, dict[str, Any]] | None:
    pending = request.session.get(PENDING_KEY)
    if not isinstance(pending, dict) or time.time() - float(pending.get("at", 0)) > PENDING_SECONDS:
        return None
    user = User.objects.filter(pk=int(pending.get("user") or 0), is_active=True).first()
    return (user, pending) if user is not None else None


def _confirmed_device(user: User) -> TotpDevice | None:
    return TotpDevice.objects.filter(user=user, confirmed_at__isnull=False).first()


@sensitive_post_parameters("code")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def login_code(request: HttpRequest) -> HttpResponse:
    """The second step: the code, or (for a role that must have one) setting the app up."""
    found = _pending_user(request)
    if found is None:
        request.session.pop(PENDING_KEY, None)
        return redirect("console:login")
    user, pending = found
    address = client_ip(request)
    confirmed = _confirmed_device(user)
    enrolling = confirmed is None
    if confirmed is not None:
        device = confirmed
    else:
        # A role that must use a second factor and has none yet sets it up right here.
        pending_device = TotpDevice.objects.filter(user=user, confirmed_at=None).first()
        if pending_device is None or request.method == "GET":
            pending_device, _secret = totp_device_start(user=user)
        device = pending_device
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        lockout = login_lockout_active(username=user.get_username(), client_ip=address)
        if lockout is None:
            code = form.cleaned_data["code"]
            ok = (
                totp_device_confirm(device=device, code=code)
                if enrolling
                else totp_code_check(device=device, code=code)
            )
            if ok:
                del request.session[PENDING_KEY]
                user.backend = pending.get("backend") or "accounts.backends.ThrottledModelBackend"
                login(request, user)
                return HttpResponseRedirect(pending.get("next") or reverse("console:request_list"))
            login_failure_record(username=user.get_username(), client_ip=address, reason="totp")
            lockout = login_lockout_active(username=user.get_username(), client_ip=address)
        if lockout is not None:
            request.session.pop(PENDING_KEY, None)
            setattr(request, LOCKOUT_ATTRIBUTE, lockout)
            form.add_error(None, lockout_message(lockout.until))
            status = 429
        else:
            form.add_error("code", _("This code is not right, or it has been used already."))
    context: dict[str, Any] = {"form": form, "enrolling": enrolling}
    if enrolling:
        secret = device_secret(device)
        context |= {
            "secret": base32_secret(secret),
            "qr": qr_svg(provisioning_uri(user, secret)),
        }
    return render(request, "accounts/login_code.html", context, status=status)


def console_user(request: HttpRequest) -> User | HttpResponse:
    """The signed-in console user, or the answer for anyone else: the login page or a 403."""
    user = request.user
    if not user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not (isinstance(user, User) and user.is_console_user):
        return render(request, "console/forbidden.html", status=403)
    return user


@sensitive_post_parameters("code")
@never_cache
@require_http_methods(["GET", "POST"])
def two_factor(request: HttpRequest) -> HttpResponse:
    """Set up an authenticator app: scan the code, type one code to confirm it."""
    user = console_user(request)
    if isinstance(user, HttpResponse):
        return user
    if _confirmed_device(user) is not None:
        return render(
            request,
            "accounts/two_factor.html",
            {"enabled": True, "form": CodeForm(), "required": totp_required(user)},
        )
    device = TotpDevice.objects.filter(user=user, confirmed_at=None).first()
    if device is None or request.method == "GET":
        device, _secret = totp_device_start(user=user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if totp_device_confirm(device=device, code=form.cleaned_data["code"]):
            messages.success(request, _("Two-factor sign-in is on."))
            return redirect("console:two_factor")
        form.add_error("code", _("This code is not right, or it has been used already."))
    secret = device_secret(device)
    return render(
        request,
        "accounts/two_factor.html",
        {
            "enabled": False,
            "form": form,
            "secret": base32_secret(secret),
            "qr": qr_svg(provisioning_uri(user, secret)),
        },
        status=400 if form.errors else 200,
    )


@sensitive_post_parameters("code")
@require_POST
def two_factor_disable(request: HttpRequest) -> HttpResponse:
    """Turn two-factor sign-in off: needs a current code, and is refused where it is required."""
    user = console_user(request)
    if isinstance(user, HttpResponse):
        return user
    device = _confirmed_device(user)
    if device is None:
        return redirect("console:two_factor")
    form = CodeForm(request.POST)
    if totp_required(user):
        form.add_error(None, _("Your role must sign in with a second factor."))
    elif form.is_valid() and totp_code_check(device=device, code=form.cleaned_data["code"]):
        totp_device_remove(user=user)
        messages.success(request, _("Two-factor sign-in is off."))
        return redirect("console:two_factor")
    else:
        login_failure_record(
            username=user.get_username(), client_ip=client_ip(request), reason="totp"
        )
        form.add_error("code", _("This code is not right, or it has been used already."))
    return render(
        request,
        "accounts/two_factor.html",
        {"enabled": True, "form": form, "required": totp_required(user)},
        status=400,
    )
