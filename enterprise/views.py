"""Pages of the enterprise portal, under /enterprise/. What it shares with the citizen app is
in ``public.portal``; here are the company's sign-up, its contacts and its request form."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import PhoneCode, Role
from accounts.services import add_enterprise_contact, register_enterprise
from core.errors import HuyingError
from core.intake import add_error_details
from core.models import Category, Channel, Enterprise, RequesterKind
from core.services import NewRequest
from enterprise.forms import ContactForm, RequestForm, SignUpForm
from lib.masking import mask_phone
from public import portal
from public.portal import PortalRequest, signed_in

PORTAL = portal.Portal(
    namespace="enterprise",
    role=Role.ENTERPRISE,
    channel=Channel.ENTERPRISE,
    title=gettext_lazy("Help for enterprises"),
)

#: The category a company's request starts with (企业纾困).
DEFAULT_CATEGORY = "enterprise"


@never_cache
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The company's requests once signed in; what the portal is for, before."""
    if portal.is_portal_user(request, PORTAL):
        return portal.request_list(cast(PortalRequest, request), PORTAL)
    return portal.render_page(request, PORTAL, "enterprise/landing.html")


@never_cache
@require_http_methods(["GET", "POST"])
def sign_up(request: HttpRequest) -> HttpResponse:
    """The company's first contact registers it; later ones are added on the contacts page."""
    if portal.is_portal_user(request, PORTAL):
        return redirect(PORTAL.url("home"))
    template = "enterprise/sign_up.html"
    location = portal.location_kwargs(PORTAL)
    if request.method != "POST":
        return portal.render_page(request, PORTAL, template, {"form": SignUpForm(**location)})
    if request.POST.get("action") == "send_code":
        form = SignUpForm(request.POST, sending_code=True, **location)
        outcome = portal.send_code(request, form, purpose=PhoneCode.Purpose.SIGN_UP)
        return portal.render_page(
            request,
            PORTAL,
            template,
            {"form": form, "code": outcome},
            status=portal.code_status(outcome),
            error=outcome.error,
        )
    form = SignUpForm(request.POST, **location)
    if not form.is_valid():
        return portal.render_page(request, PORTAL, template, {"form": form}, status=422)
    data = form.cleaned_data
    try:
        user = register_enterprise(
            uscc=data["uscc"],
            name=data["enterprise_name"],
            workforce=data["workforce"],
            division=form.division,
            address=data["address"],
            contact_name=data["contact_name"],
            phone=data["phone"],
            code=data["code"],
        )
    except HuyingError as error:
        add_error_details(form, error)
        return portal.render_page(request, PORTAL, template, {"form": form}, error=error)
    portal.sign_in_account(request, user)
    messages.success(
        request,
        _("%(enterprise)s is registered, and you are its contact.")
        % {"enterprise": data["enterprise_name"]},
    )
    return redirect(PORTAL.url("request_new"))


def sign_in(request: HttpRequest) -> HttpResponse:
    return portal.sign_in(request, PORTAL)


def sign_out(request: HttpRequest) -> HttpResponse:
    return portal.sign_out(request, PORTAL)


def _company(request: PortalRequest) -> Enterprise:
    # ``signed_in`` let in an enterprise contact; one without a company cannot exist through
    # the services, but an administrator could make one by hand.
    enterprise = request.user.enterprise
    if enterprise is None:
        raise PermissionDenied
    return enterprise


@never_cache
@require_http_methods(["GET", "POST"])
@signed_in(PORTAL)
def contacts(request: PortalRequest) -> HttpResponse:
    """The company's contacts, phones masked; any of them adds a colleague by name and phone."""
    company = _company(request)
    form = ContactForm(request.POST if request.method == "POST" else None)
    status = 200
    if form.is_bound:
        status = 422
        if form.is_valid():
            try:
                added = add_enterprise_contact(
                    by=request.user,
                    name=form.cleaned_data["name"],
                    phone=form.cleaned_data["phone"],
                )
            except HuyingError as error:
                add_error_details(form, error)
                status = error.http_status
            else:
                messages.success(
                    request,
                    _("%(name)s is now a contact and can sign in with the phone %(phone)s.")
                    % {"name": added.first_name, "phone": mask_phone(added.phone)},
                )
                return redirect(PORTAL.url("contacts"))
    people = [
        {
            "name": person.first_name,
            "phone": mask_phone(person.phone),
            "is_me": person.pk == request.user.pk,
            "signed_in": person.phone_confirmed_at is not None,
        }
        for person in company.contacts.filter(is_active=True).order_by("date_joined", "id")
    ]
    return portal.render_page(
        request,
        PORTAL,
        "enterprise/contacts.html",
        {"company": company, "people": people, "form": form},
        status=status,
    )


@never_cache
@require_http_methods(["GET", "POST"])
@signed_in(PORTAL)
def request_new(request: PortalRequest) -> HttpResponse:
    company = _company(request)
    template = "enterprise/request_new.html"
    location = portal.location_kwargs(PORTAL)
    context: dict[str, Any] = {"company": company}
    if request.method != "POST":
        initial = {
            "category": DEFAULT_CATEGORY,
            "workforce": company.workforce,
            "address": company.address,
            **portal.location_initial(company.division),
        }
        form = RequestForm(initial=initial, **location)
        return portal.render_page(request, PORTAL, template, {**context, "form": form})
    form = RequestForm(request.POST, request.FILES, **location)
    context["form"] = form
    if not form.is_valid():
        return portal.render_page(request, PORTAL, template, context, status=422)
    data = form.cleaned_data
    category: Category = data["category"]
    user = request.user
    new = NewRequest(
        channel=PORTAL.channel,
        category=category,
        urgency=portal.raised_urgency(data["urgency"], data["description"]),
        description=data["description"],
        division=form.division,
        address=data["address"],
        requester_kind=RequesterKind.ENTERPRISE,
        requester_name=user.first_name or user.get_username(),
        requester_phone=user.phone,
        organisation=company.name,
        uscc=company.uscc,
        enterprise=company,
        workforce=data["workforce"],
        attachments=data["attachments"],
    )
    try:
        help_request = portal.file_request(request, new)
    except HuyingError as error:
        add_error_details(form, error)
        return portal.render_page(request, PORTAL, template, context, error=error)
    return portal.after_filing(request, PORTAL, help_request, chosen_urgency=data["urgency"])


@never_cache
@require_GET
@signed_in(PORTAL)
def request_detail(request: PortalRequest, number: str) -> HttpResponse:
    return portal.request_detail(request, PORTAL, number)


@require_POST
@signed_in(PORTAL)
def request_rate(request: PortalRequest, number: str) -> HttpResponse:
    return portal.request_rate(request, PORTAL, number)
