"""What the citizen app (/app/) and the enterprise portal (/enterprise/) share: signing in by a
one-time code, filing under a rate limit, the person's list of requests, a request's page as
its requester sees it, the rating, and the county-then-street chooser. The files sent with a
request are served by ``public.attachments``, which checks who asks.

Each channel is described by a ``Portal``; ``citizen.views`` and ``enterprise.views`` bind
these views to theirs and add only what differs (the sign-up and the filing form).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Concatenate, ParamSpec, cast
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import login, logout
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import otp
from accounts.models import PhoneCode, User
from accounts.services import sign_in_by_code
from core import services, triage
from core.access import Actor, allowed_actions, get_request_for, visible_requests
from core.errors import HuyingError, NotFound, RateLimited
from core.intake import add_error_details
from core.models import Attachment, Division, HelpRequest, Satisfaction, Status
from lib import ratelimit
from lib.masking import mask_phone
from public.portal_forms import PhoneCodeForm, RatingForm, SignInForm
from public.views import Tracked, tracked_request

P = ParamSpec("P")

#: Requests one account may file in an hour, and all accounts behind one address. A person
#: in real need files one or two; more is a script or a mistake, and the 12345 line is open.
FILINGS_PER_ACCOUNT_PER_HOUR = 10
FILINGS_PER_CLIENT_PER_HOUR = 30

#: How Django should remember who signed in: the one backend there is.
AUTH_BACKEND = "django.contrib.auth.backends.ModelBackend"


@dataclass(frozen=True)
class Portal:
    """One channel where people ask for help themselves."""

    namespace: str
    role: str
    channel: str
    title: str | Promise

    def url(self, name: str, *args: Any) -> str:
        return reverse(f"{self.namespace}:{name}", args=args)

    def links(self) -> dict[str, str]:
        names = ("home", "sign_in", "sign_up", "sign_out", "request_new", "streets")
        return {name: self.url(name) for name in names}


class PortalRequest(HttpRequest):
    """A request that has passed ``signed_in``: the user is the channel's kind of account."""

    user: User


def signed_in(
    portal: Portal,
) -> Callable[
    [Callable[Concatenate[PortalRequest, P], HttpResponseBase]],
    Callable[Concatenate[HttpRequest, P], HttpResponseBase],
]:
    """Let in the channel's own accounts; send anyone else to its sign-in page and back."""

    def decorate(
        view: Callable[Concatenate[PortalRequest, P], HttpResponseBase],
    ) -> Callable[Concatenate[HttpRequest, P], HttpResponseBase]:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, /, *args: P.args, **kwargs: P.kwargs) -> HttpResponseBase:
            if not is_portal_user(request, portal):
                query = urlencode({"next": request.get_full_path()})
                return redirect(f"{portal.url('sign_in')}?{query}")
            return view(cast(PortalRequest, request), *args, **kwargs)

        return wrapper

    return decorate


def is_portal_user(request: HttpRequest, portal: Portal) -> bool:
    user = request.user
    return isinstance(user, User) and user.is_active and user.role == portal.role


def render_page(
    request: HttpRequest,
    portal: Portal,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status: int = 200,
    error: HuyingError | None = None,
) -> HttpResponse:
    """Render a portal page; a refusal for going too fast says when to come back."""
    full = {"portal": portal, "links": portal.links(), **(context or {})}
    if error is not None:
        status = error.http_status
    response = render(request, template, full, status=status)
    if isinstance(error, RateLimited):
        response["Retry-After"] = str(error.retry_after)
    return response


# --- Signing in by a code ---------------------------------------------------------------------


@dataclass
class CodeOutcome:
    """What asking for a code came to: sent (to a masked phone), or refused with an error."""

    sent_to: str = ""
    error: HuyingError | None = None
    #: Seconds before the "send code" button works again, for its countdown.
    wait: int = 0


def send_code(request: HttpRequest, form: PhoneCodeForm, *, purpose: str) -> CodeOutcome:
    """Text a code to the form's phone; errors go onto the form (the phone's field first)."""
    form.is_valid()
    if "phone" in form.errors:
        return CodeOutcome()
    phone = form.cleaned_data["phone"]
    try:
        otp.send_code(phone=phone, purpose=purpose, client_ip=ratelimit.client_ip(request))
    except HuyingError as error:
        add_error_details(form, error)
        wait = error.retry_after if isinstance(error, RateLimited) else 0
        return CodeOutcome(error=error, wait=wait)
    return CodeOutcome(sent_to=mask_phone(phone), wait=int(otp.RESEND_AFTER.total_seconds()))


def code_status(outcome: CodeOutcome) -> int:
    if outcome.error is not None:
        return outcome.error.http_status
    return 200 if outcome.sent_to else 422


def _safe_next(request: HttpRequest, portal: Portal) -> str:
    """Back to the page that asked for a sign-in, if it is a page of this channel."""
    home = portal.url("home")
    target = str(request.POST.get("next") or request.GET.get("next") or "")
    if target.startswith(home) and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return home


def sign_in_account(request: HttpRequest, user: User) -> None:
    login(request, user, backend=AUTH_BACKEND)


@never_cache
@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest, portal: Portal) -> HttpResponse:
    """Phone and code; the "send code" button posts the same form with ``action=send_code``."""
    context: dict[str, Any] = {"next": _safe_next(request, portal)}
    if is_portal_user(request, portal):
        return redirect(context["next"])
    if request.method != "POST":
        context["form"] = SignInForm()
        return render_page(request, portal, "portal/sign_in.html", context)
    if request.POST.get("action") == "send_code":
        form = SignInForm(request.POST, sending_code=True)
        outcome = send_code(request, form, purpose=PhoneCode.Purpose.SIGN_IN)
        context.update(form=form, code=outcome)
        return render_page(
            request,
            portal,
            "portal/sign_in.html",
            context,
            status=code_status(outcome),
            error=outcome.error,
        )
    form = SignInForm(request.POST)
    context["form"] = form
    if form.is_valid():
        try:
            user = sign_in_by_code(
                role=portal.role, phone=form.cleaned_data["phone"], code=form.cleaned_data["code"]
            )
        except HuyingError as error:
            add_error_details(form, error)
            return render_page(request, portal, "portal/sign_in.html", context, error=error)
        sign_in_account(request, user)
        return redirect(context["next"])
    return render_page(request, portal, "portal/sign_in.html", context, status=422)


@require_POST
def sign_out(request: HttpRequest, portal: Portal) -> HttpResponse:
    logout(request)
    return redirect(portal.url("home"))


# --- The county-then-street chooser ----------------------------------------------------------


@require_GET
def streets(request: HttpRequest) -> HttpResponse:
    """The ``<option>``s of one county's streets, for HTMX to swap into the street list."""
    county = Division.objects.filter(
        code=request.GET.get("county", ""), level=Division.Level.COUNTY
    ).first()
    options = list(county.children.order_by("code")) if county else []
    return render(request, "portal/_street_options.html", {"streets": options})


def location_kwargs(portal: Portal) -> dict[str, str]:
    """What a ``LocationForm`` needs to narrow its street list as the county changes."""
    return {"streets_url": portal.url("streets")}


def location_initial(division: Division | None) -> dict[str, str]:
    """The county and street fields that show ``division``."""
    if division is None:
        return {}
    if division.level == Division.Level.STREET and division.parent_id:
        return {"county": str(division.parent_id), "street": division.code}
    return {"county": division.code}


# --- Filing ----------------------------------------------------------------------------------


def _filing_limited(retry_after: int) -> RateLimited:
    minutes = max(1, (retry_after + 59) // 60)
    return RateLimited(
        ngettext(
            "You have sent many requests in a short time. Please try again in %(n)d minute, "
            "or call the 12345 hotline if it cannot wait.",
            "You have sent many requests in a short time. Please try again in %(n)d minutes, "
            "or call the 12345 hotline if it cannot wait.",
            minutes,
        )
        % {"n": minutes},
        retry_after=retry_after,
    )


def check_filing_rate(request: PortalRequest) -> None:
    """Count one filing for the account and for its address; ``RateLimited`` past either limit."""
    for scope, key, limit in (
        ("file-account", str(request.user.pk), FILINGS_PER_ACCOUNT_PER_HOUR),
        ("file-client", ratelimit.client_ip(request), FILINGS_PER_CLIENT_PER_HOUR),
    ):
        retry_after = ratelimit.hit(scope, key, limit=limit, window=3600)
        if retry_after is not None:
            raise _filing_limited(retry_after)


def raised_urgency(chosen: str, description: str) -> str:
    """The person's urgency, raised (never lowered) to what the words of the request call for.

    Someone typing "透析" under "normal" may not know how the clocks work; a suggestion that
    is too high costs a glance, one that is too low could cost a life.
    """
    suggested = triage.suggest(description).urgency
    return suggested if triage.urgency_rank(suggested) < triage.urgency_rank(chosen) else chosen


def file_request(request: PortalRequest, new: services.NewRequest) -> HelpRequest:
    """File ``new`` for the signed-in person; raises ``HuyingError`` (``RateLimited`` too)."""
    check_filing_rate(request)
    help_request, _created = services.request_create(actor=Actor(user=request.user), new=new)
    return help_request


def after_filing(
    request: HttpRequest, portal: Portal, help_request: HelpRequest, *, chosen_urgency: str
) -> HttpResponse:
    """To the new request's page, which shows its number large once."""
    messages.success(request, help_request.number, extra_tags="filed")
    if help_request.urgency != chosen_urgency:
        messages.info(
            request,
            _("From what you wrote, we treat your request as “%(urgency)s”.")
            % {"urgency": help_request.get_urgency_display()},
        )
    return redirect(portal.url("request_detail", help_request.number))


# --- The person's requests -------------------------------------------------------------------

PAGE_SIZE = 20


def request_list(request: PortalRequest, portal: Portal) -> HttpResponse:
    """Everything the account may see, newest first: its own, or its whole company's."""
    requests = (
        visible_requests(Actor(user=request.user))
        .select_related("category")
        .order_by("-received_at", "-id")
    )
    page = Paginator(requests, PAGE_SIZE).get_page(request.GET.get("page"))
    return render_page(request, portal, "portal/request_list.html", {"page": page})


@dataclass(frozen=True)
class RequesterView:
    """A request as the person who asked sees it: the tracking page's view, plus what they
    wrote, their files and whether they may rate it now."""

    help_request: HelpRequest
    tracked: Tracked
    attachments: list[Attachment]
    may_rate: bool
    #: A first 不满意 sent it back to the team.
    reopened_by_rating: bool


def requester_view(actor: Actor, help_request: HelpRequest) -> RequesterView:
    return RequesterView(
        help_request=help_request,
        tracked=tracked_request(help_request),
        attachments=list(help_request.attachments.all()),
        may_rate="close" in allowed_actions(actor, help_request),
        reopened_by_rating=(
            help_request.satisfaction == Satisfaction.UNSATISFIED and help_request.is_open
        ),
    )


def _own_request(request: PortalRequest, number: str) -> HelpRequest:
    try:
        return get_request_for(Actor(user=request.user), number)
    except NotFound:
        raise Http404(number) from None


def _detail(
    request: PortalRequest,
    portal: Portal,
    help_request: HelpRequest,
    *,
    rating_form: RatingForm | None = None,
    status: int = 200,
    error: HuyingError | None = None,
) -> HttpResponse:
    actor = Actor(user=request.user)
    context = {
        "view": requester_view(actor, help_request),
        "hr": help_request,
        "rating_form": rating_form or RatingForm(),
    }
    return render_page(
        request, portal, "portal/request_detail.html", context, status=status, error=error
    )


def request_detail(request: PortalRequest, portal: Portal, number: str) -> HttpResponse:
    return _detail(request, portal, _own_request(request, number))


def request_rate(request: PortalRequest, portal: Portal, number: str) -> HttpResponse:
    """The requester's rating; a first 不满意 reopens the request for the team to try again."""
    help_request = _own_request(request, number)
    form = RatingForm(request.POST)
    if not form.is_valid():
        return _detail(request, portal, help_request, rating_form=form, status=422)
    try:
        result = services.request_close(
            help_request,
            actor=Actor(user=request.user),
            satisfaction=form.cleaned_data["satisfaction"],
            note=form.cleaned_data["note"],
        )
    except HuyingError as error:
        add_error_details(form, error)
        # Read it again: a refusal usually means its state moved on meanwhile.
        return _detail(
            request, portal, _own_request(request, number), rating_form=form, error=error
        )
    if result.status == Status.CLOSED:
        messages.success(request, _("Thank you for rating the answer."))
    else:
        messages.warning(
            request,
            _(
                "We are sorry the answer did not help. Your request is reopened and the team "
                "will work on it again."
            ),
        )
    return redirect(portal.url("request_detail", number))
