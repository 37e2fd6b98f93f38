"""POST requests.{xml,json}: filing a request the way the specification's example does."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from core.intake import normalise_phone
from core.models import Channel, Event, HelpRequest, Status, Urgency
from open311.models import ServiceRequestLink
from tests.open311.conftest import Open311, errors_of, json_of, spec_form, xml_of

pytestmark = pytest.mark.django_db


def test_it_files_a_request_and_answers_as_the_spec_shows(app, app_key):
    response = app.post("/requests.json", spec_form())
    assert response.status_code == 200
    [item] = json_of(response)
    assert list(item) == ["service_request_id", "token", "service_notice", "account_id"]
    assert item["account_id"] == "123456"
    assert item["service_notice"]

    help_request = HelpRequest.objects.get(number=item["service_request_id"])
    assert help_request.status == Status.RECEIVED
    assert help_request.channel == Channel.APP  # the key's channel
    assert help_request.api_key == app_key[0]
    assert help_request.category_id == "supplies"
    assert help_request.urgency == Urgency.URGENT
    assert help_request.division_id == "410811001"  # 定和街道, named in the address
    assert help_request.address == "山阳区定和街道建设路12号院2单元"
    assert help_request.requester.name == "李娜"
    assert help_request.requester.phone == "13912345678"
    assert list(help_request.events.values_list("kind", flat=True)) == [Event.Kind.CREATED]

    link = ServiceRequestLink.objects.get(help_request=help_request)
    assert link.token == item["token"]
    assert (link.lat, link.long) == (35.2152, 113.2621)
    assert link.email == "li.na@example.com"
    assert (link.device_id, link.account_id) == ("tt222111", "123456")
    assert link.media_url == "https://img.example.com/2022/0114/formula.jpg"


def test_the_answer_in_xml(app):
    response = app.post("/requests.xml", spec_form(account_id=None))
    assert response.status_code == 200
    root = xml_of(response)
    assert root.tag == "service_requests"
    [request] = list(root)
    assert request.tag == "request"
    assert [child.tag for child in request] == [
        "service_request_id",
        "token",
        "service_notice",
        "account_id",
    ]
    account_id = request.find("account_id")
    assert account_id is not None and account_id.text is None  # <account_id/>, as in the spec
    assert HelpRequest.objects.filter(number=request.findtext("service_request_id")).exists()


def test_the_token_leads_back_to_the_request(app, public):
    [item] = json_of(app.post("/requests.json", spec_form()))
    body = json_of(public.get(f"/tokens/{item['token']}.json"))
    assert body == [{"service_request_id": item["service_request_id"], "token": item["token"]}]
    root = xml_of(public.get(f"/tokens/{item['token']}.xml"))
    assert root.tag == "service_requests"
    assert [(r.tag, [c.tag for c in r]) for r in root] == [
        ("request", ["service_request_id", "token"])
    ]


def test_an_unknown_token_is_404(public):
    response = public.get("/tokens/no-such-token.xml")
    assert response.status_code == 404
    assert errors_of(response)[0].startswith("token")


def test_defaults_no_urgency_means_normal_and_no_name_is_recorded_as_such(app):
    form = spec_form(first_name=None, last_name=None, attribute__urgency=None)
    [item] = json_of(app.post("/requests.json", form))
    help_request = HelpRequest.objects.get(number=item["service_request_id"])
    assert help_request.urgency == Urgency.NORMAL
    assert help_request.requester.name == "未留名"


def test_a_latin_name_is_given_name_first(app):
    [item] = json_of(app.post("/requests.json", spec_form(first_name="John", last_name="Smith")))
    assert HelpRequest.objects.get(number=item["service_request_id"]).requester.name == "John Smith"


def test_the_phone_is_normalised_as_everywhere_else(app):
    [item] = json_of(app.post("/requests.json", spec_form(phone="+86 139 1234 5678")))
    assert HelpRequest.objects.get(number=item["service_request_id"]).requester.phone == (
        "13912345678"
    )


def test_an_api_key_header_works_too(app_key):
    client = Open311()
    response = client.client.post(
        "/open311/v2/requests.json",
        data=spec_form(),
        headers={"X-API-Key": app_key[1]},
    )
    assert response.status_code == 200


# --- Location → division ---------------------------------------------------------------------


def test_attribute_division_wins_over_address_and_point(app):
    form = spec_form(attribute__division="410883001")  # 孟州市 大定街道
    [item] = json_of(app.post("/requests.json", form))
    assert HelpRequest.objects.get(number=item["service_request_id"]).division_id == "410883001"


def test_a_point_alone_goes_to_the_nearest_county(app):
    form = spec_form(address_string=None, lat="34.93", long="113.07")  # 温县
    [item] = json_of(app.post("/requests.json", form))
    help_request = HelpRequest.objects.get(number=item["service_request_id"])
    assert help_request.division_id == "410825"
    assert help_request.address == ""


def test_an_address_naming_a_county_only_files_on_the_county(app):
    form = spec_form(address_string="武陟县某村", lat=None, long=None)
    [item] = json_of(app.post("/requests.json", form))
    assert HelpRequest.objects.get(number=item["service_request_id"]).division_id == "410823"


def test_an_address_naming_nothing_known_falls_back_to_the_point(app):
    form = spec_form(address_string="幸福里小区3号楼", lat="34.90", long="112.75")
    [item] = json_of(app.post("/requests.json", form))
    assert HelpRequest.objects.get(number=item["service_request_id"]).division_id == "410883"


def test_address_id_alone_needs_a_division(app):
    form = spec_form(address_string=None, lat=None, long=None, address_id="545483")
    response = app.post("/requests.json", form)
    assert response.status_code == 400
    assert errors_of(response)[0].startswith("address_id")
    form["attribute[division]"] = "410802001"
    [item] = json_of(app.post("/requests.json", form))
    link = ServiceRequestLink.objects.get(help_request__number=item["service_request_id"])
    assert link.address_id == "545483"


def test_a_missing_location_is_400(app):
    form = spec_form(address_string=None, lat=None, long=None, attribute__division="410802")
    response = app.post("/requests.json", form)
    assert response.status_code == 400
    [description] = errors_of(response)
    assert "lat/long, address_string, address_id" in description
    assert HelpRequest.objects.count() == 0


@pytest.mark.parametrize(
    ("lat", "long", "field"),
    [
        ("north", "113.2", "lat"),
        ("35.2", "", "long"),
        ("", "113.2", "lat"),
        ("95", "113.2", "lat"),
        ("35.2", "200", "long"),
        ("nan", "113.2", "lat"),
        ("39.9042", "116.4074", "lat/long"),  # Beijing
    ],
)
def test_a_bad_point_is_400(app, lat, long, field):
    response = app.post(
        "/requests.json", spec_form(address_string=None, lat=lat, long=long), lang="en"
    )
    assert response.status_code == 400
    assert any(d.startswith(field + ":") for d in errors_of(response)), errors_of(response)
    assert HelpRequest.objects.count() == 0


def test_an_unknown_division_attribute_has_the_intake_message(app):
    response = app.post("/requests.json", spec_form(attribute__division="999999"))
    assert response.status_code == 400
    [description] = errors_of(response)
    assert description.startswith("attribute[division]")
    assert description.endswith("未知的行政区划代码。")  # Chinese by default, as core.intake says


# --- Everything else a POST can get wrong -----------------------------------------------------


def test_no_api_key_is_403(public):
    response = public.post("/requests.json", spec_form())
    assert response.status_code == 403
    assert errors_of(response)[0].startswith("api_key")
    assert HelpRequest.objects.count() == 0


def test_a_wrong_api_key_is_403_in_the_spec_shape(public):
    response = public.post("/requests.xml", spec_form(api_key="hyk_wrong"))
    assert response.status_code == 403
    [description] = errors_of(response)
    assert description.startswith("api_key")


def test_a_revoked_api_key_is_403(app, app_key):
    app_key[0].revoked_at = timezone.now()
    app_key[0].save()
    response = app.post("/requests.json", spec_form())
    assert response.status_code == 403
    assert HelpRequest.objects.count() == 0


def test_an_unknown_service_code_is_404_as_the_spec_lists_it(app):
    response = app.post("/requests.json", spec_form(service_code="pothole"))
    assert response.status_code == 404
    [description] = errors_of(response)
    assert description.startswith("service_code") and "pothole" in description


def test_a_missing_service_code_is_400(app):
    response = app.post("/requests.json", spec_form(service_code=None))
    assert response.status_code == 400
    assert errors_of(response)[0].startswith("service_code")


def test_a_missing_phone_is_400_and_says_why(app):
    response = app.post("/requests.json", spec_form(phone=None), lang="en")
    assert response.status_code == 400
    assert errors_of(response) == [
        "phone: A phone number is required: the answer is sent to it by text message."
    ]


@pytest.mark.parametrize("lang", [None, "en"])
def test_a_bad_phone_has_the_intake_message(app, lang):
    response = app.post("/requests.json", spec_form(phone="12345"), lang=lang)
    assert response.status_code == 400
    [description] = errors_of(response)
    # The same words as the console and the JSON API: core.intake.normalise_phone's.
    with translation.override(lang or "zh-hans"), pytest.raises(ValidationError) as raised:
        normalise_phone("12345")
    assert description.startswith("phone")
    assert description.endswith(raised.value.messages[0])
    assert ("请输入11位手机号" in description) is (lang is None)


def test_a_missing_description_is_400(app):
    response = app.post("/requests.json", spec_form(description="  "), lang="en")
    assert response.status_code == 400
    assert errors_of(response) == ["description: This field is required."]


def test_a_bad_urgency_is_400(app):
    response = app.post("/requests.json", spec_form(attribute__urgency="asap"), lang="en")
    assert response.status_code == 400
    [description] = errors_of(response)
    assert description.startswith("attribute[urgency]: ")


def test_every_problem_is_listed_at_once(app):
    form = spec_form(phone=None, description=None, email="not-an-email", media_url="ftp://x")
    response = app.post("/requests.xml", form, lang="en")
    assert response.status_code == 400
    fields = [d.split(":", 1)[0] for d in errors_of(response)]
    assert sorted(fields) == ["description", "email", "media_url", "phone"]


def test_html_in_the_description_is_stored_as_text(app):
    text = '<script>alert("x")</script> & <b>药</b>'
    [item] = json_of(app.post("/requests.json", spec_form(description=text)))
    assert HelpRequest.objects.get(number=item["service_request_id"]).description == text


def test_a_get_only_resource_refuses_post(app):
    response = app.post("/services.json", {})
    assert response.status_code == 405
    assert "GET" in response["Allow"]
    errors_of(response)


def test_attributes_the_definition_does_not_list_are_ignored(app):
    # The spec's own example sends attribute[WHISPAWN] and attribute[WHISDORN].
    form = {**spec_form(), "attribute[WHISPAWN]": "123456", "attribute[WHISDORN]": "COISL001"}
    assert app.post("/requests.json", form).status_code == 200


def test_a_single_value_in_the_list_form_is_understood(app):
    form = {**spec_form(attribute__urgency=None), "attribute[urgency][]": "critical"}
    [item] = json_of(app.post("/requests.json", form))
    assert HelpRequest.objects.get(number=item["service_request_id"]).urgency == Urgency.CRITICAL


def test_the_service_notice_names_the_deadline(app):
    [item] = json_of(app.post("/requests.json", spec_form(), lang="en"))
    help_request = HelpRequest.objects.get(number=item["service_request_id"])
    deadline = timezone.localtime(help_request.resolve_due_at).isoformat(timespec="seconds")
    assert deadline in item["service_notice"]
    assert "text message" in item["service_notice"]
