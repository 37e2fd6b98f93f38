"""GET services and GET services/{service_code}: one service per active category."""

from __future__ import annotations

import pytest

from core.models import Category, Division
from tests.open311.conftest import errors_of, json_of, xml_of

pytestmark = pytest.mark.django_db

SERVICE_FIELDS = [
    "service_code",
    "service_name",
    "description",
    "metadata",
    "type",
    "keywords",
    "group",
]
ATTRIBUTE_FIELDS = [
    "variable",
    "code",
    "datatype",
    "required",
    "datatype_description",
    "order",
    "description",
    "values",
]


def test_it_lists_one_service_per_active_category(public):
    Category.objects.filter(code="other").update(is_active=False)
    body = json_of(public.get("/services.json"))
    assert isinstance(body, list)
    assert [item["service_code"] for item in body] == list(
        Category.objects.filter(is_active=True).values_list("code", flat=True)
    )
    assert "other" not in [item["service_code"] for item in body]
    medical = next(item for item in body if item["service_code"] == "medical")
    assert list(medical) == SERVICE_FIELDS
    assert medical["service_name"] == "就医需求（含配药）"
    assert medical["metadata"] is True
    assert medical["type"] == "realtime"
    assert medical["keywords"] and medical["group"] and medical["description"]


def test_service_names_are_english_on_request(public):
    by_header = json_of(public.get("/services.json", lang="en"))
    by_locale = json_of(public.get("/services.json", {"locale": "en_US"}))
    medical = next(item for item in by_header if item["service_code"] == "medical")
    assert medical["service_name"] == "Medical care and medicine"
    assert by_locale == by_header


def test_the_service_list_in_xml(public):
    root = xml_of(public.get("/services.xml"))
    assert root.tag == "services"
    assert {child.tag for child in root} == {"service"}
    first = root[0]
    assert [child.tag for child in first] == SERVICE_FIELDS
    assert first.findtext("metadata") == "true"
    assert first.findtext("type") == "realtime"


def test_the_definition_has_division_and_urgency(public):
    body = json_of(public.get("/services/medical.json"))
    assert list(body) == ["service_code", "attributes"]
    assert body["service_code"] == "medical"
    division, urgency = body["attributes"]
    for attribute in (division, urgency):
        assert list(attribute) == ATTRIBUTE_FIELDS
        assert attribute["variable"] is True
        assert attribute["datatype"] == "singlevaluelist"
        assert attribute["required"] is False
        assert attribute["datatype_description"]
    assert (division["code"], division["order"]) == ("division", 1)
    assert (urgency["code"], urgency["order"]) == ("urgency", 2)
    keys = [value["key"] for value in division["values"]]
    assert sorted(keys) == sorted(Division.objects.values_list("code", flat=True))
    assert {"key": "410802", "name": "解放区"} in division["values"]
    assert {"key": "410802001", "name": "解放区 焦南街道"} in division["values"]
    assert urgency["values"] == [
        {"key": "critical", "name": "危急"},
        {"key": "urgent", "name": "紧急"},
        {"key": "normal", "name": "一般"},
    ]


def test_the_definition_in_xml(public):
    root = xml_of(public.get("/services/medical.xml", lang="en"))
    assert root.tag == "service_definition"
    assert [child.tag for child in root] == ["service_code", "attributes"]
    attributes = root.find("attributes")
    assert attributes is not None
    assert [a.tag for a in attributes] == ["attribute", "attribute"]
    urgency = attributes[1]
    assert [child.tag for child in urgency] == ATTRIBUTE_FIELDS
    assert urgency.findtext("required") == "false"
    values = urgency.find("values")
    assert values is not None
    assert [(v.tag, [c.tag for c in v]) for v in values] == [("value", ["key", "name"])] * 3
    assert [v.findtext("name") for v in values] == ["Critical", "Urgent", "Normal"]


@pytest.mark.parametrize("code", ["nope", "other"])
def test_an_unknown_or_inactive_service_is_404(public, code):
    Category.objects.filter(code="other").update(is_active=False)
    response = public.get(f"/services/{code}.json")
    assert response.status_code == 404
    [description] = errors_of(response)
    assert description.startswith("service_code")
    assert code in description
