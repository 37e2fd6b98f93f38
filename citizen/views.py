"""Pages of the citizen app, under /app/. What it shares with the enterprise portal is in
``public.portal``; here are the real-name sign-up and the request form with photos."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import PhoneCode, Role
from accounts.services import register_citizen
from citizen.forms import RequestForm, SignUpForm
from core.errors import HuyingError
from core.intake import add_error_details
from core.models import Channel
from core.services import NewRequest
from public import portal
from public.portal import PortalRequest, signed_in

APP = portal.Portal(
    namespace="citizen",
    role=Role.CITIZEN,
    channel=Channel.APP,
    title=gettext_lazy("Help during the epidemic"),
)


@never_cache
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The person's requests once signed in; what the app is for, before."""
    if portal.is_portal_user(request, APP):
        return portal.request_list(cast(PortalRequest, request), APP)
    return portal.render_page(request, APP, "citizen/landing.html")


@never_cache
@require_http_methods(["GET", "POST"])
def sign_up(request: HttpRequest) -> HttpResponse:
    if portal.is_portal_user(request, APP):
        return redirect(APP.url("home"))
    template = "citizen/sign_up.html"
    if request.method != "POST":
        return portal.render_page(request, APP, template, {"form": SignUpForm()})
    if request.POST.get("action") == "send_code":
        form = SignUpForm(request.POST, sending_code=True)
        outcome = portal.send_code(request, form, purpose=PhoneCode.Purpose.SIGN_UP)
        return portal.render_page(
            request,
            APP,
            template,
            {"form": form, "code": outcome},
            status=portal.code_status(outcome),
            error=outcome.error,
        )
    form = SignUpForm(request.POST)
    if not form.is_valid():
        return portal.render_page(request, APP, template, {"form": form}, status=422)
    data = form.cleaned_data
    try:
        user = register_citizen(
            name=data["name"], id_number=data["id_number"], phone=data["phone"], code=data["code"]
        )
    except HuyingError as error:
        add_error_details(form, error)
        return portal.render_page(request, APP, template, {"form": form}, error=error)
    portal.sign_in_account(request, user)
    messages.success(
        request, _("Welcome, %(name)s. Your account is ready.") % {"name": user.first_name}
    )
    return redirect(APP.url("request_new"))


def sign_in(request: HttpRequest) -> HttpResponse:
    return portal.sign_in(request, APP)


def sign_out(request: HttpRequest) -> HttpResponse:
    return portal.sign_out(request, APP)


@never_cache
@require_http_methods(["GET", "POST"])
@signed_in(APP)
def request_new(request: PortalRequest) -> HttpResponse:
    template = "citizen/request_new.html"
    location = portal.location_kwargs(APP)
    if request.method != "POST":
        return portal.render_page(request, APP, template, {"form": RequestForm(**location)})
    form = RequestForm(request.POST, request.FILES, **location)
    if not form.is_valid():
        return portal.render_page(request, APP, template, {"form": form}, status=422)
    data = form.cleaned_data
    user = request.user
    new = NewRequest(
        channel=APP.channel,
        category=data["category"],
        urgency=portal.raised_urgency(data["urgency"], data["description"]),
        description=data["description"],
        division=form.division,
        address=data["address"],
        requester_name=user.first_name or user.get_username(),
        requester_phone=user.phone,
        requester_id_number=user.id_number,
        attachments=data["photos"],
    )
    try:
        help_request = portal.file_request(request, new)
    except HuyingError as error:
        add_error_details(form, error)
        return portal.render_page(request, APP, template, {"form": form}, error=error)
    return portal.after_filing(request, APP, help_request, chosen_urgency=data["urgency"])


@never_cache
@require_GET
@signed_in(APP)
def request_detail(request: PortalRequest, number: str) -> HttpResponse:
    return portal.request_detail(request, APP, number)


@require_POST
@signed_in(APP)
def request_rate(request: PortalRequest, number: str) -> HttpResponse:
    return portal.request_rate(request, APP, number)
