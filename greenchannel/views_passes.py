"""Pass pages: the pass as the driver shows it, and the checkpoint's verify page with its data.

The verify page is public because checkpoint officers have no console accounts; it shows
only what the code in their hand already says, so it reveals nothing they could not read.
"""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_GET, require_http_methods

from accounts.models import User
from greenchannel import passes
from greenchannel.models import Pass


class VerifyForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Pass code"),
        max_length=passes.MAX_TOKEN,
        widget=forms.Textarea(
            attrs={"rows": 4, "autocomplete": "off", "spellcheck": "false", "autocapitalize": "off"}
        ),
        error_messages={
            "required": gettext_lazy("Scan or type the code printed under the QR code.")
        },
    )

    def clean_code(self) -> str:
        # A code copied from a message may carry line breaks; a token never has spaces.
        code = "".join(str(self.cleaned_data["code"]).split())
        if passes.verify_token(code).outcome == passes.Outcome.MALFORMED:
            raise forms.ValidationError(
                _(
                    "This is not a pass code: it starts with HY1 and has two dots. Check what was typed."
                ),
                code="malformed",
            )
        return code


def _labels() -> dict[str, str]:
    """The words the page's script shows, translated here so the script holds no text."""
    out = {str(value): str(label) for value, label in passes.Outcome.choices}
    out.update(
        {
            "revocation_unchecked": _("Offline: revocation not checked. Check again when online."),
            "revocation_checked": _("Revocation checked online."),
            "keys_missing": _("No keys stored yet: open this page once while online."),
            "keys_updated": _("Keys updated"),
            "camera_failed": _("The camera could not be opened; type the code instead."),
            "plate": _("Vehicle plate"),
            "driver": _("Driver"),
            "escort": _("Escort"),
            "from": _("Departs from"),
            "to": _("Goes to"),
            "route": _("Route"),
            "window": _("Valid during"),
            "iss": _("Issued by"),
            "no": _("Filing"),
        }
    )
    return out


@never_cache
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """Type or scan a code; the script answers offline, and the server when the form is sent."""
    verdict = None
    form = VerifyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        verdict = passes.verify_token(form.cleaned_data["code"])
    context: dict[str, Any] = {"form": form, "verdict": verdict, "labels": _labels()}
    return render(
        request, "greenchannel/passes/verify.html", context, status=422 if form.errors else 200
    )


@require_GET
@cache_control(max_age=300)
def keys_json(request: HttpRequest) -> JsonResponse:
    """Every public key a pass may be signed with; the verify page keeps a copy for offline use."""
    return JsonResponse(passes.public_keys())


@require_GET
@never_cache
def status_json(request: HttpRequest, pid: uuid.UUID) -> JsonResponse:
    """Whether a pass is revoked, as far as we know; only the fact and its time, not the reason."""
    known = Pass.objects.filter(pid=pid).first()
    revoked_at = known.revoked_at if known else None
    return JsonResponse(
        {
            "pid": str(pid),
            "known": known is not None,
            "revoked": revoked_at is not None,
            "revoked_at": revoked_at.isoformat() if revoked_at else None,
        }
    )


@never_cache
@require_GET
def pass_detail(request: HttpRequest, pid: uuid.UUID) -> HttpResponse:
    """The pass to print or hand to the driver: staff only, since it carries a valid token."""
    user = request.user
    if not user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not (isinstance(user, User) and user.is_console_user):
        return render(request, "console/forbidden.html", status=403)
    issued = get_object_or_404(Pass.objects.select_related("filing"), pid=pid)
    if not issued.token:
        # A pass of the other side's that we only know was revoked: nothing to show.
        raise Http404(str(pid))
    context = {
        "pass": issued,
        "filing": issued.filing,
        "qr": passes.qr_svg(issued.token),
        "verdict": passes.verify_token(issued.token),
    }
    return render(request, "greenchannel/passes/detail.html", context)


@require_GET
@cache_control(no_cache=True)
def service_worker(request: HttpRequest) -> HttpResponse:
    """The verify page's service worker, served under /passes/ so that it may answer for it."""
    return render(request, "greenchannel/passes/sw.js", content_type="text/javascript")
