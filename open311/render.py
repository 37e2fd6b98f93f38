"""One Open311 document, written as XML or as JSON, and the specification's errors body.

GeoReport v2 defines XML and maps it to JSON by the "Spark convention": a container whose
children all share one name (``<services><service>…``) becomes a JSON array, even when it
holds one child, and the root container of a list is the bare array. So each document is
built once as plain Python values and written either way; :data:`ITEM_NAMES` says what each
list's children are called in XML, as the specification names them.

Text is escaped (a description holding ``<script>`` arrives as text, ``&lt;script&gt;``),
and characters XML 1.0 cannot carry at all (most control characters) are dropped, so a
client's parser never fails on what someone typed. The XML is written as a string rather
than through ``xml.etree``: a page of 1000 requests has 17,000 elements, and building them
as objects took twice as long as the whole JSON answer.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from datetime import datetime, tzinfo
from typing import Any
from xml.sax.saxutils import escape

from django.http import HttpResponse
from django.utils import timezone
from django.utils.functional import Promise

XML = "xml"
JSON = "json"
CONTENT_TYPES = {
    XML: "text/xml; charset=utf-8",
    JSON: "application/json; charset=utf-8",
}

#: The name of each list's items in XML, keyed by the list's own element name.
ITEM_NAMES = {
    "services": "service",
    "attributes": "attribute",
    "values": "value",
    "service_requests": "request",
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
}

_XML_DECLARATION = b'<?xml version="1.0" encoding="utf-8"?>\n'
#: A parser would turn a bare carriage return into a newline; as a reference it survives.
_KEEP_CR = {"\r": "&#13;"}
# Everything XML 1.0 allows in text: tab, newline, carriage return and the rest above 0x1f,
# minus the surrogates and the two non-characters at the top of the BMP.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def w3c_datetime(value: datetime, zone: tzinfo | None = None) -> str:
    """ISO 8601 with the offset, in local time, as the spec's examples: 2022-01-14T09:30:00+08:00.

    Pass ``zone`` (``timezone.get_current_timezone()``) when formatting many: looking the
    zone up is most of the cost of one call.
    """
    return value.astimezone(zone or timezone.get_current_timezone()).isoformat(timespec="seconds")


def _scalar(value: Any) -> Any:
    """The JSON encoder's fallback: datetimes and lazy translations become text."""
    if isinstance(value, datetime):
        return w3c_datetime(value)
    if isinstance(value, Promise):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not part of an Open311 document")


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return w3c_datetime(value)
    return _NOT_XML.sub("", str(value))


def _write(out: list[str], name: str, value: Any) -> None:
    if isinstance(value, Mapping):
        out.append(f"<{name}>")
        for child, item in value.items():
            _write(out, child, item)
        out.append(f"</{name}>")
    elif isinstance(value, list):
        item_name = ITEM_NAMES[name]
        out.append(f"<{name}>")
        for item in value:
            _write(out, item_name, item)
        out.append(f"</{name}>")
    elif value is None:
        out.append(f"<{name}/>")
    else:
        out.append(f"<{name}>{escape(_text(value), _KEEP_CR)}</{name}>")


def to_xml(root: str, body: Mapping[str, Any] | Sequence[Any]) -> bytes:
    """Element names are the spec's (ours, never the client's); only text needs escaping."""
    out: list[str] = []
    _write(out, root, body if isinstance(body, Mapping) else list(body))
    return _XML_DECLARATION + "".join(out).encode()


def to_json(body: Mapping[str, Any] | Sequence[Any]) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"), default=_scalar).encode()


def document(
    root: str, body: Mapping[str, Any] | Sequence[Any], fmt: str, *, status: int = 200
) -> HttpResponse:
    """``body`` as the response in ``fmt``; ``root`` is the XML root element's name."""
    content = to_xml(root, body) if fmt == XML else to_json(body)
    return HttpResponse(content, status=status, content_type=CONTENT_TYPES[fmt])


def errors(fmt: str, status: int, descriptions: Sequence[str | Promise]) -> HttpResponse:
    """The spec's errors body: one ``{code, description}`` per problem, under HTTP ``status``."""
    body = [{"code": status, "description": str(text)} for text in descriptions]
    return document("errors", body, fmt, status=status)
