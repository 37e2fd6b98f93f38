"""The one failure of the Open311 endpoint: an HTTP status and the problems to list in the body.

The specification's rule: 404 for a resource that does not exist, 403 for a missing or
wrong ``api_key``, 400 for anything else the request gets wrong. Each description names the
parameter it is about, in the caller's language.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.functional import Promise
from django.utils.translation import gettext as _


def about(field: str, message: str | Promise) -> str:
    """``phone: Enter a mobile number…`` — a problem with the parameter it concerns."""
    return _("%(field)s: %(message)s") % {"field": field, "message": message}


class Open311Error(Exception):
    def __init__(self, status: int, descriptions: Iterable[str | Promise]) -> None:
        self.status = status
        self.descriptions = [str(text) for text in descriptions]
        super().__init__("; ".join(self.descriptions))


def bad_request(field: str, message: str | Promise) -> Open311Error:
    return Open311Error(400, [about(field, message)])


def not_found(field: str, message: str | Promise) -> Open311Error:
    return Open311Error(404, [about(field, message)])
