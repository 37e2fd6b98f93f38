"""The Open311 GeoReport v2 endpoint: thin views over ``open311.catalogue``, ``.intake``, ``.reads``.

Every view takes the format from the path (``services.xml``, ``services.json``); another
extension is a 404. Failures answer with the specification's errors body in the format
asked for. ``locale=en`` (or ``zh``) in the query or the form switches the language for one
call, as ``Accept-Language`` does.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from contextlib import nullcontext
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from accounts.models import ApiKey
from core import reference_cache
from core.access import Actor
from core.errors import HuyingError
from core.services import request_create
from open311 import catalogue, reads
from open311.errors import Open311Error, about
from open311.intake import FORM_TO_OPEN311, filing_from
from open311.models import ServiceRequestLink
from open311.render import CONTENT_TYPES, JSON, XML, document, errors

log = logging.getLogger(__name__)

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
#: When the service list or a definition last changed shape; clients refresh their cache on it.
CHANGESET = "2026-11-29 00:00"

View = Callable[..., HttpResponse]


def _language(request: HttpRequest) -> str | None:
    """The language a ``locale`` parameter asks for, if one of ours."""
    locale = (request.GET.get("locale") or "").strip().lower().replace("_", "-")
    if not locale and request.method == "POST":
        locale = (request.POST.get("locale") or "").strip().lower().replace("_", "-")
    if locale.startswith("en"):
        return "en"
    if locale.startswith("zh"):
        return "zh-hans"
    return None


def _errors_of(exc: HuyingError) -> list[str]:
    """A domain error's messages, each under the Open311 name of its field."""
    descriptions = [
        about(FORM_TO_OPEN311.get(field, field), message)
        for field, messages in exc.details.items()
        if isinstance(messages, list)
        for message in messages
    ]
    return descriptions or [str(exc.message)]


def endpoint(*methods: str) -> Callable[[View], View]:
    """Check the format and the method, apply ``locale``, turn failures into the errors body."""
    allowed = set(methods) | ({"HEAD"} if "GET" in methods else set())

    def decorate(view: View) -> View:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, fmt: str, **kwargs: Any) -> HttpResponse:
            if fmt not in CONTENT_TYPES:
                # XML is the one format every Open311 client reads.
                return errors(XML, 404, [about("format", _("Use .xml or .json."))])
            if request.method not in allowed:
                response = errors(
                    fmt,
                    405,
                    [
                        _("This endpoint does not accept this method. Allowed: %(methods)s.")
                        % {"methods": ", ".join(sorted(allowed))}
                    ],
                )
                response["Allow"] = ", ".join(sorted(allowed))
                return response
            try:
                language = _language(request)
                with translation.override(language) if language else nullcontext():
                    try:
                        return view(request, *args, fmt=fmt, **kwargs)
                    except Open311Error as exc:
                        return errors(fmt, exc.status, exc.descriptions)
                    except HuyingError as exc:
                        status = exc.http_status if exc.http_status in (403, 404, 429) else 400
                        response = errors(fmt, status, _errors_of(exc))
                        retry_after = getattr(exc, "retry_after", None)
                        if retry_after is not None:  # a rate limit says when to come back
                            response["Retry-After"] = str(retry_after)
                        return response
            except RequestDataTooBig:
                return errors(fmt, 413, [_("The request body is too large.")])
            except Exception:
                # The traceback goes to the log, never to the client.
                log.exception("Unhandled error in Open311 %s %s", request.method, request.path)
                return errors(
                    fmt,
                    500,
                    [
                        _(
                            "Something went wrong on our side. It has been logged; please try again later."
                        )
                    ],
                )

        return wrapper

    return decorate


def _key_sent(request: HttpRequest) -> str:
    """``api_key`` from the form or the query (the spec), or an ``X-API-Key`` header.

    The header keeps the key out of URLs, and so out of access logs.
    """
    sent = request.POST.get("api_key") if request.method == "POST" else None
    sent = sent or request.GET.get("api_key") or request.headers.get("X-API-Key")
    return (sent or "").strip()


def _lookup(secret: str) -> ApiKey:
    key = reference_cache.snapshot().api_key(secret)
    if key is None:
        raise Open311Error(
            403, [about("api_key", _("This API key is not valid, or it has been revoked."))]
        )
    return key


def _filer(request: HttpRequest) -> ApiKey:
    """The key a POST must carry (403 without one, as the spec says)."""
    secret = _key_sent(request)
    if not secret:
        raise Open311Error(403, [about("api_key", _("An api_key is required to file a request."))])
    return _lookup(secret)


def _viewer(request: HttpRequest) -> ApiKey | None:
    """The key a GET may carry to see its own requests in full; a wrong one is still a 403."""
    secret = _key_sent(request)
    return _lookup(secret) if secret else None


def _base_url(request: HttpRequest) -> str:
    """The endpoint's URL, to which a client appends ``/services.xml``."""
    return request.build_absolute_uri(reverse("open311:services", kwargs={"fmt": XML})).rsplit(
        "/", 1
    )[0]


@endpoint("GET")
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    body = {
        "changeset": CHANGESET,
        "contact": _(
            "The command headquarters' duty office runs this endpoint; ask it for help with "
            "an integration."
        ),
        "key_service": _(
            "The headquarters' administrator issues keys: manage.py issue_api_key NAME "
            "--channel api."
        ),
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": _base_url(request),
                "changeset": CHANGESET,
                "type": "test" if settings.DEBUG else "production",
                "formats": [CONTENT_TYPES[XML].split(";")[0], CONTENT_TYPES[JSON].split(";")[0]],
            }
        ],
    }
    return document("discovery", body, fmt)


@endpoint("GET")
def services(request: HttpRequest, fmt: str) -> HttpResponse:
    return document("services", catalogue.services(), fmt)


@endpoint("GET")
def service_definition(request: HttpRequest, service_code: str, fmt: str) -> HttpResponse:
    category = catalogue.active_category(service_code)
    return document("service_definition", catalogue.definition(category), fmt)


@csrf_exempt  # no cookie is involved: the api_key in the form is the credential
@endpoint("GET", "POST")
def service_requests(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _create(request, fmt)
    viewer = _viewer(request)
    rows = reads.find(reads.list_query(request.GET))
    items = reads.represent(rows, viewer_key_id=viewer.pk if viewer else None)
    return document("service_requests", items, fmt)


def _create(request: HttpRequest, fmt: str) -> HttpResponse:
    key = _filer(request)
    filing = filing_from(request.POST, key=key)
    with transaction.atomic():
        help_request, _created = request_create(actor=Actor(api_key=key), new=filing.new)
        link = ServiceRequestLink.objects.create(help_request=help_request, **filing.link)
    body = [
        {
            "service_request_id": help_request.number,
            "token": link.token,
            "service_notice": reads.notice(help_request.resolve_due_at),
            "account_id": link.account_id or None,
        }
    ]
    return document("service_requests", body, fmt)


@endpoint("GET")
def service_request(request: HttpRequest, service_request_id: str, fmt: str) -> HttpResponse:
    viewer = _viewer(request)
    row = reads.find_one(service_request_id)
    if row is None:
        raise Open311Error(
            404,
            [
                about(
                    "service_request_id",
                    _("No request numbered %(number)s.") % {"number": service_request_id},
                )
            ],
        )
    items = reads.represent([row], viewer_key_id=viewer.pk if viewer else None)
    return document("service_requests", items, fmt)


@endpoint("GET")
def token(request: HttpRequest, token: str, fmt: str) -> HttpResponse:
    link = ServiceRequestLink.objects.select_related("help_request").filter(token=token).first()
    if link is None:
        raise Open311Error(404, [about("token", _("No request was filed with this token."))])
    body = [{"service_request_id": link.help_request.number, "token": link.token}]
    return document("service_requests", body, fmt)


def not_found(request: HttpRequest, path: str = "") -> HttpResponse:
    """Any other path under the endpoint: the errors body, as JSON if the path ends in .json."""
    fmt = JSON if path.endswith(".json") else XML
    return errors(fmt, 404, [_("There is no such resource in this endpoint.")])
