"""An Open311 client as the specification describes one, and the integrations that call us.

Personas: ``app`` is the citizen app's integration (the key that files), ``other_app`` a
second integration with its own key, and ``public`` anyone without a key.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client

from accounts.models import ApiKey
from core.models import Channel

BASE = "/open311/v2"


class Open311:
    """Calls ``/open311/v2`` the way an Open311 client does: query strings and form posts."""

    def __init__(self, key: str | None = None) -> None:
        self.client = Client()
        self.key = key

    def _headers(self, lang: str | None) -> dict[str, str]:
        return {"Accept-Language": lang} if lang else {}

    def get(self, path: str, params: dict[str, Any] | None = None, *, lang: str | None = None):
        query = dict(params or {})
        if self.key and "api_key" not in query:
            query["api_key"] = self.key
        return self.client.get(BASE + path, query, headers=self._headers(lang))

    def post(self, path: str, form: dict[str, Any], *, lang: str | None = None):
        fields = dict(form)
        if self.key and "api_key" not in fields:
            fields["api_key"] = self.key
        return self.client.post(
            BASE + path,
            data=urlencode(fields, doseq=True),
            content_type="application/x-www-form-urlencoded; charset=utf-8",
            headers=self._headers(lang),
        )


def spec_form(**overrides: Any) -> dict[str, Any]:
    """A POST like the specification's example, for a family in quarantine out of formula."""
    form: dict[str, Any] = {
        "jurisdiction_id": "jiaozuo.gov.cn",
        "service_code": "supplies",
        "lat": "35.2152",
        "long": "113.2621",
        "address_string": "山阳区定和街道建设路12号院2单元",
        "email": "li.na@example.com",
        "device_id": "tt222111",
        "account_id": "123456",
        "first_name": "娜",
        "last_name": "李",
        "phone": "13912345678",
        "description": "居家隔离第5天，8个月婴儿奶粉只剩一天的量，小区封控无法外出购买。",
        "media_url": "https://img.example.com/2022/0114/formula.jpg",
        "attribute[urgency]": "urgent",
    }
    for name, value in overrides.items():
        name = name.replace("__", "[", 1) + "]" if "__" in name else name
        if value is None:
            form.pop(name, None)
        else:
            form[name] = value
    return form


def xml_of(response: Any) -> ET.Element:
    """The parsed XML body, after checking the declaration and the content type."""
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    return ET.fromstring(response.content)  # noqa: S314 - our own answer, in a test


def json_of(response: Any) -> Any:
    assert response["Content-Type"] == "application/json; charset=utf-8"
    return json.loads(response.content)


def errors_of(response: Any) -> list[str]:
    """The descriptions of the spec's errors body (JSON or XML), checking its shape."""
    if response["Content-Type"].startswith("text/xml"):
        root = xml_of(response)
        assert root.tag == "errors"
        descriptions = []
        for error in root:
            assert error.tag == "error"
            assert [child.tag for child in error] == ["code", "description"]
            assert error.findtext("code") == str(response.status_code)
            descriptions.append(error.findtext("description") or "")
        return descriptions
    body = json_of(response)
    assert isinstance(body, list) and body
    for error in body:
        assert set(error) == {"code", "description"}
        assert error["code"] == response.status_code
    return [error["description"] for error in body]


@pytest.fixture
def app_key(db: Any) -> tuple[ApiKey, str]:
    return ApiKey.issue(name="citizen-app", channel=Channel.APP)


@pytest.fixture
def other_key(db: Any) -> tuple[ApiKey, str]:
    return ApiKey.issue(name="media-line", channel=Channel.MEDIA)


@pytest.fixture
def app(app_key: tuple[ApiKey, str]) -> Open311:
    return Open311(app_key[1])


@pytest.fixture
def other_app(other_key: tuple[ApiKey, str]) -> Open311:
    return Open311(other_key[1])


@pytest.fixture
def public(db: Any) -> Open311:
    return Open311()


@pytest.fixture
def filed(app: Open311) -> str:
    """The number of a request the citizen app filed through Open311."""
    response = app.post("/requests.json", spec_form())
    assert response.status_code == 200, response.content
    return str(json.loads(response.content)[0]["service_request_id"])
