"""The API's one error body, ``{"code", "message", "details"}``, and the handlers that make it.

Every failure, whether raised by the domain (``core.errors.HuyingError``), by ninja while
parsing input, or by a bug, leaves the API in this shape, so a client needs one code path
for errors. Messages are in the caller's language (``LocaleMiddleware`` has activated it).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from core.errors import HuyingError, InvalidInput, NotFound, RateLimited

log = logging.getLogger(__name__)

#: The key under which an error that belongs to no one field is reported, as Django forms do.
NON_FIELD = "__all__"


class MalformedJson(HuyingError):
    """The body is not JSON at all; nothing about individual fields can be said."""

    code = "malformed_json"
    http_status = 400


class NotAuthenticated(HuyingError):
    code = "not_authenticated"
    http_status = 401


class CsrfFailed(HuyingError):
    code = "csrf_failed"
    http_status = 403


class BodyTooLarge(HuyingError):
    code = "body_too_large"
    http_status = 413


class MethodNotAllowed(HuyingError):
    code = "method_not_allowed"
    http_status = 405


def error_body(code: str, message: object, details: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"code": code, "message": str(message), "details": details or {}}


def error_response(exc: HuyingError) -> JsonResponse:
    details = {key: _plain(value) for key, value in exc.details.items()}
    response = JsonResponse(
        error_body(exc.code, exc.message, details),
        status=exc.http_status,
        json_dumps_params={"ensure_ascii": False},
    )
    if exc.http_status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="huying"'
    if isinstance(exc, RateLimited):
        response["Retry-After"] = str(exc.retry_after)
    return response


def _plain(value: Any) -> Any:
    """Lazy translations inside ``details`` become the strings of the active language."""
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


# --- Pydantic's errors, said in the caller's language --------------------------------------
# Where Django already has a message for the same mistake, its msgid is reused so the
# translation comes with Django and reads the same as the console's form errors.

_MESSAGES: dict[str, Callable[[dict[str, Any]], str]] = {
    "missing": lambda ctx: _("This field is required."),
    "string_type": lambda ctx: _("Enter text (a JSON string)."),
    "string_too_long": lambda ctx: (
        _("At most %(max)d characters.") % {"max": ctx.get("max_length", 0)}
    ),
    "string_too_short": lambda ctx: (
        _("At least %(min)d characters.") % {"min": ctx.get("min_length", 0)}
    ),
    "int_type": lambda ctx: _("Enter a whole number."),
    "int_parsing": lambda ctx: _("Enter a whole number."),
    "int_from_float": lambda ctx: _("Enter a whole number."),
    "float_type": lambda ctx: _("Enter a number."),
    "float_parsing": lambda ctx: _("Enter a number."),
    "bool_type": lambda ctx: _("Enter true or false."),
    "bool_parsing": lambda ctx: _("Enter true or false."),
    "list_type": lambda ctx: _("Enter a list of values."),
    "dict_type": lambda ctx: _("Enter a JSON object."),
    "model_type": lambda ctx: _("Enter a JSON object."),
    "model_attributes_type": lambda ctx: _("Enter a JSON object."),
    "json_invalid": lambda ctx: _("This is not valid JSON."),
    "json_type": lambda ctx: _("This is not valid JSON."),
    "extra_forbidden": lambda ctx: _("Unknown field."),
    "date_type": lambda ctx: _("Enter a valid date."),
    "date_parsing": lambda ctx: _("Enter a valid date."),
    "date_from_datetime_parsing": lambda ctx: _("Enter a valid date."),
    "date_from_datetime_inexact": lambda ctx: _("Enter a valid date."),
    "datetime_type": lambda ctx: _("Enter a valid date/time."),
    "datetime_parsing": lambda ctx: _("Enter a valid date/time."),
    "datetime_from_date_parsing": lambda ctx: _("Enter a valid date/time."),
    "greater_than_equal": lambda ctx: (
        _("Ensure this value is greater than or equal to %(limit_value)s.")
        % {"limit_value": ctx.get("ge")}
    ),
    "less_than_equal": lambda ctx: (
        _("Ensure this value is less than or equal to %(limit_value)s.")
        % {"limit_value": ctx.get("le")}
    ),
    "literal_error": lambda ctx: (
        _("Choose one of: %(choices)s.") % {"choices": ctx.get("expected", "")}
    ),
}


def pydantic_message(error_type: str, ctx: dict[str, Any] | None) -> str:
    make = _MESSAGES.get(error_type)
    if make is None:
        return _("Enter a valid value.")
    return make(ctx or {})


#: Names of the parameters that wrap a whole body or query string in the endpoint
#: signatures; they are not fields the client knows about, so they are dropped from ``loc``.
WRAPPER_PARAMS = frozenset({"payload", "filters"})


def field_of(loc: Sequence[Any]) -> str:
    """``("body", "payload", "assisting_groups", 1)`` → ``"assisting_groups"``."""
    names = [part for part in loc[1:] if isinstance(part, str) and part not in WRAPPER_PARAMS]
    return names[0] if names else NON_FIELD


def details_of(errors: Sequence[dict[str, Any]]) -> dict[str, list[str]]:
    details: dict[str, list[str]] = {}
    for error in errors:
        field = field_of(error.get("loc", ()))
        if field == NON_FIELD and error.get("type") == "missing":
            message = _("Send the fields as a JSON object in the body.")
        else:
            message = pydantic_message(str(error.get("type", "")), error.get("ctx"))
        messages = details.setdefault(field, [])
        if message not in messages:
            messages.append(message)
    return details


# --- Handlers --------------------------------------------------------------------------------

_HTTP_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    429: "throttled",
}


def _on_huying_error(request: HttpRequest, exc: HuyingError) -> HttpResponse:
    return error_response(exc)


def _on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return error_response(InvalidInput(details=details_of(exc.errors)))


def _on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    # ninja wraps a body it cannot parse in an HttpError; our parser put the real cause under it.
    if isinstance(exc.__cause__, HuyingError):
        return error_response(exc.__cause__)
    if isinstance(exc, AuthenticationError) or exc.status_code == 401:
        return error_response(
            NotAuthenticated(
                _(
                    "Sign in, or send a personal token (Authorization: Bearer …) or an API key (X-API-Key)."
                )
            )
        )
    code = _HTTP_CODES.get(exc.status_code, "error")
    response = JsonResponse(
        error_body(code, _("The request could not be processed.")),
        status=exc.status_code,
        json_dumps_params={"ensure_ascii": False},
    )
    return response


def _on_404(request: HttpRequest, exc: Exception) -> HttpResponse:
    return error_response(NotFound(_("Nothing here.")))


def _on_too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    # Django refuses to read a body over DATA_UPLOAD_MAX_MEMORY_SIZE; that is the
    # client's doing, not a bug, so it must not end in the 500 below.
    return error_response(BodyTooLarge(_("The request body is too large.")))


def _on_unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    # The traceback goes to the log, never to the client: it can hold personal data and
    # tells an attacker how the code is built.
    log.exception("Unhandled error in API %s %s", request.method, request.path)
    return JsonResponse(
        error_body(
            "server_error",
            _("Something went wrong on our side. It has been logged; please try again later."),
        ),
        status=500,
        json_dumps_params={"ensure_ascii": False},
    )


def install_handlers(api: NinjaAPI) -> None:
    # Looked up along the exception's MRO, so the specific handlers win over ``Exception``.
    api.exception_handler(HuyingError)(_on_huying_error)
    api.exception_handler(ValidationError)(_on_validation_error)
    api.exception_handler(HttpError)(_on_http_error)
    api.exception_handler(Http404)(_on_404)
    api.exception_handler(RequestDataTooBig)(_on_too_big)
    api.exception_handler(Exception)(_on_unexpected)


def not_found_view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """The answer for any path under the API that no endpoint serves."""
    return error_response(NotFound(_("There is no such endpoint in this API.")))


def method_not_allowed(allowed: Sequence[str]) -> HttpResponse:
    response = error_response(
        MethodNotAllowed(
            _("This endpoint does not accept this method. Allowed: %(methods)s.")
            % {"methods": ", ".join(sorted(allowed))}
        )
    )
    response["Allow"] = ", ".join(sorted(allowed))
    return response
