"""The API object: authentication, the error body, local docs, and the routers it serves."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any, cast

from django.http import HttpRequest, HttpResponseBase, HttpResponseNotAllowed
from django.urls import URLPattern, URLResolver, re_path
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Swagger
from ninja.parser import Parser
from ninja.types import DictStrAny

from api import reference, reports, requests
from api.auth import AUTH
from api.errors import MalformedJson, install_handlers, method_not_allowed, not_found_view
from core.errors import InvalidInput


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(item) for item in value)
    return False


def refuse_nul(values: DictStrAny) -> DictStrAny:
    """Refuse a NUL character in any field, as the forms do: PostgreSQL can neither store nor
    compare one in text, so it would otherwise fail the call with a server error."""
    bad = {
        name: [_("Null characters are not allowed.")] for name, v in values.items() if _has_nul(v)
    }
    if bad:
        raise InvalidInput(details=bad)
    return values


class JsonParser(Parser):
    """ninja's parser, but a body that is not JSON gets its own error code and a position,
    and no field may hold a NUL character."""

    def parse_body(self, request: HttpRequest) -> DictStrAny:
        try:
            parsed = json.loads(request.body)
        except json.JSONDecodeError as exc:
            raise MalformedJson(
                _("The body is not valid JSON (line %(line)d, column %(column)d).")
                % {"line": exc.lineno, "column": exc.colno}
            ) from exc
        except ValueError as exc:  # not UTF-8, among others
            raise MalformedJson(_("The body is not valid JSON.")) from exc
        if isinstance(parsed, dict):
            refuse_nul(parsed)
        return cast(DictStrAny, parsed)

    def parse_querydict(
        self, data: MultiValueDict[str, Any], list_fields: list[str], request: HttpRequest
    ) -> DictStrAny:
        return refuse_nul(super().parse_querydict(data, list_fields, request))


def _json_405(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """ninja answers a wrong method with a plain-text 405; say it in the API's error body."""

    # wraps() also carries ninja's csrf_exempt flag: the auth classes do the CSRF check.
    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if any(_has_nul(value) for value in kwargs.values()):
            # A path with a NUL names nothing; asking the database about it would fail on
            # PostgreSQL (see ``refuse_nul``).
            return not_found_view(request)
        response = view(request, *args, **kwargs)
        if isinstance(response, HttpResponseNotAllowed):
            return method_not_allowed([m.strip() for m in response["Allow"].split(",")])
        return response

    return wrapper


class HuyingApi(NinjaAPI):
    @property
    def urls(self) -> tuple[list[URLResolver | URLPattern], str, str]:
        patterns, app_name, namespace = super().urls
        for pattern in patterns:
            if isinstance(pattern, URLPattern):
                pattern.callback = _json_405(pattern.callback)
        # Last, so it only catches what no endpoint serves: a client that mistypes a path
        # gets the API's JSON 404, not the console's HTML page.
        patterns.append(re_path(r"^.*$", not_found_view, name="not-found"))
        return patterns, app_name, namespace


api = HuyingApi(
    title="huying API",
    version="1",
    description=(
        "呼应 — help requests of the epidemic command headquarters. Authenticate with a personal "
        "token (`Authorization: Bearer …`), an integration key (`X-API-Key: …`) or the console "
        "session (unsafe methods then need the CSRF token). Every error has the body "
        '`{"code", "message", "details"}`; `details` maps a field to its messages. '
        "Send `Accept-Language: en` for English; the default is Simplified Chinese."
    ),
    urls_namespace="api",
    auth=AUTH,
    parser=JsonParser(),
    # The docs page loads Swagger UI from ninja's own static files ("ninja" is an installed
    # app): the headquarters' network may have no way out to a CDN.
    docs=Swagger(settings={"persistAuthorization": True}),
)
install_handlers(api)
api.add_router("", requests.router)
api.add_router("", reference.router)
api.add_router("", reports.router)
