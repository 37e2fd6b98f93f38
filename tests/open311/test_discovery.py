"""GET discovery.{xml,json}: the service discovery document, in the shape of the spec's example."""

from __future__ import annotations

import pytest

from tests.open311.conftest import json_of, xml_of

pytestmark = pytest.mark.django_db

FIELDS = ["changeset", "contact", "key_service", "endpoints"]
ENDPOINT_FIELDS = ["specification", "url", "changeset", "type", "formats"]


def test_it_describes_the_endpoint_in_json(public):
    body = json_of(public.get("/discovery.json"))
    assert list(body) == FIELDS
    assert all(isinstance(body[name], str) and body[name] for name in FIELDS[:3])
    [endpoint] = body["endpoints"]
    assert list(endpoint) == ENDPOINT_FIELDS
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == "http://testserver/open311/v2"
    assert endpoint["type"] == "production"
    assert endpoint["formats"] == ["text/xml", "application/json"]


def test_it_describes_the_endpoint_in_xml(public):
    root = xml_of(public.get("/discovery.xml"))
    assert root.tag == "discovery"
    assert [child.tag for child in root] == FIELDS
    endpoints = root.find("endpoints")
    assert endpoints is not None
    [endpoint] = list(endpoints)
    assert endpoint.tag == "endpoint"
    assert [child.tag for child in endpoint] == ENDPOINT_FIELDS
    formats = endpoint.find("formats")
    assert formats is not None
    assert [(f.tag, f.text) for f in formats] == [
        ("format", "text/xml"),
        ("format", "application/json"),
    ]


def test_the_endpoint_url_is_where_services_are(public):
    url = json_of(public.get("/discovery.json"))["endpoints"][0]["url"]
    path = url.removeprefix("http://testserver")
    assert public.client.get(path + "/services.xml").status_code == 200
