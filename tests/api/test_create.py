"""POST /requests: filing a request, the checks on its fields, and idempotent retries."""

from __future__ import annotations

import json

import pytest

from core.models import Channel, Event, HelpRequest, PersonalDataAccess, Requester, Status
from tests.api.conftest import error_of, valid_intake

pytestmark = pytest.mark.django_db


def counts() -> tuple[int, int, int]:
    return HelpRequest.objects.count(), Requester.objects.count(), Event.objects.count()


def test_it_files_a_request_for_the_operator(api_as, operator):
    response = api_as(operator).post("/requests", valid_intake())
    assert response.status_code == 201
    body = response.json()
    help_request = HelpRequest.objects.get(number=body["number"])
    assert body["status"] == Status.RECEIVED
    assert body["channel"] == Channel.HOTLINE
    assert body["category"]["code"] == "supplies"
    assert body["division"]["county"]["code"] == "410811"
    assert help_request.created_by == operator
    assert help_request.requester.phone == "13912345678"
    assert list(help_request.events.values_list("kind", flat=True)) == [Event.Kind.CREATED]
    # The answer echoes the person masked, like every read; nothing was revealed or recorded.
    assert body["requester"]["phone"] == "139****5678" and body["requester"]["masked"] is True
    assert not PersonalDataAccess.objects.exists()


def test_it_normalises_the_phone_and_id_number(api_as, operator):
    body = valid_intake(
        requester_phone="+86 139 1234 5678", requester_id_number="11010519491231002x"
    )
    response = api_as(operator).post("/requests", body)
    assert response.status_code == 201
    requester = HelpRequest.objects.get(number=response.json()["number"]).requester
    assert (requester.phone, requester.id_number) == ("13912345678", "11010519491231002X")


def test_an_integration_files_on_its_keys_channel_whatever_the_body_says(
    integration, integration_key
):
    response = integration.post("/requests", valid_intake(channel="hotline"))
    assert response.status_code == 201
    help_request = HelpRequest.objects.get(number=response.json()["number"])
    assert help_request.channel == Channel.APP
    assert help_request.api_key == integration_key[0]
    assert help_request.created_by is None
    # An integration is no person with a need to know: personal data stays masked.
    assert response.json()["requester"]["phone"] == "139****5678"
    assert PersonalDataAccess.objects.count() == 0


def test_an_integration_need_not_send_a_channel(integration):
    body = valid_intake()
    del body["channel"]
    assert integration.post("/requests", body).status_code == 201


def test_a_personal_token_must_name_the_channel(api_as, operator):
    body = valid_intake()
    del body["channel"]
    response = api_as(operator).post("/requests", body)
    assert response.status_code == 422
    assert list(error_of(response)["details"]) == ["channel"]


@pytest.mark.parametrize("user", ["citizen", "member_a", "commander"])
def test_roles_that_do_not_file_requests_are_refused(api_as, user, request):
    before = counts()
    response = api_as(request.getfixturevalue(user)).post("/requests", valid_intake())
    assert response.status_code == 403
    assert error_of(response)["code"] == "forbidden"
    assert counts() == before


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"description": "要" * 4001}, "description"),
        ({"description": "   \n  "}, "description"),
        ({"summary": "x" * 201}, "summary"),
        ({"requester_phone": "1381234"}, "requester_phone"),
        ({"requester_phone": "23812341234"}, "requester_phone"),
        ({"requester_id_number": "110105194912310021"}, "requester_id_number"),
        ({"category": "vaccines"}, "category"),
        ({"division": "110101"}, "division"),
        ({"urgency": "asap"}, "urgency"),
        ({"channel": "fax"}, "channel"),
        ({"requester_kind": "enterprise", "organisation": "焦作市某食品有限公司"}, "uscc"),
        ({"requester_kind": "enterprise", "uscc": "91410800MA44L2U911"}, "organisation"),
        (
            {
                "requester_kind": "enterprise",
                "organisation": "某公司",
                "uscc": "91410800MA44L2U91X",
            },
            "uscc",
        ),
    ],
)
def test_it_refuses_bad_fields_and_writes_nothing(api_as, operator, overrides, field):
    before = counts()
    response = api_as(operator).post("/requests", valid_intake(**overrides), lang="en")
    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "invalid_input"
    assert field in error["details"]
    assert all(isinstance(m, str) and m for m in error["details"][field])
    assert counts() == before


def test_it_says_what_is_wrong_with_each_field_in_english(api_as, operator):
    body = valid_intake(
        requester_phone="12345", requester_id_number="110105194912310021", category="vaccines"
    )
    details = error_of(api_as(operator).post("/requests", body, lang="en"))["details"]
    assert details == {
        "category": ["Unknown category code."],
        "requester_phone": [
            "Enter a mobile number of 11 digits (e.g. 13812341234) or a landline with area code."
        ],
        "requester_id_number": [
            "This is not a valid resident ID card number (check the digits and the last character)."
        ],
    }


def test_it_says_too_long_with_the_numbers(api_as, operator):
    details = error_of(
        api_as(operator).post("/requests", valid_intake(description="x" * 4001), lang="en")
    )["details"]
    assert details["description"] == [
        "Ensure this value has at most 4000 characters (it has 4001)."
    ]


def test_it_refuses_wrong_json_types_per_field(api_as, operator):
    before = counts()
    body = valid_intake(urgency=5, description=None, requester_name=["李娜"])
    response = api_as(operator).post("/requests", body, lang="en")
    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "invalid_input"
    assert error["details"] == {
        "urgency": ["Enter text (a JSON string)."],
        "description": ["Enter text (a JSON string)."],
        "requester_name": ["Enter text (a JSON string)."],
    }
    assert counts() == before


def test_it_names_each_missing_field(api_as, operator):
    response = api_as(operator).post("/requests", {"channel": "hotline"}, lang="en")
    details = error_of(response)["details"]
    assert set(details) == {
        "category",
        "urgency",
        "description",
        "division",
        "requester_name",
        "requester_phone",
    }
    assert details["category"] == ["This field is required."]


def test_it_files_for_an_enterprise_with_its_credit_code(api_as, operator):
    body = valid_intake(
        category="enterprise",
        requester_kind="enterprise",
        organisation="焦作市某食品有限公司",
        uscc="91410800ma44l2u911",
    )
    response = api_as(operator).post("/requests", body)
    assert response.status_code == 201
    assert response.json()["requester"]["uscc"] == "91410800MA44L2U911"


def test_it_refuses_unknown_fields_so_typos_are_not_lost(api_as, operator):
    response = api_as(operator).post("/requests", valid_intake(adress="建设路12号"), lang="en")
    assert response.status_code == 422
    assert error_of(response)["details"] == {"adress": ["Unknown field."]}


def test_a_retry_with_the_same_idempotency_key_returns_the_first_request(api_as, operator):
    api = api_as(operator)
    headers = {"Idempotency-Key": "call-20220114-0930-li"}
    first = api.post("/requests", valid_intake(), headers=headers)
    # The same body, spelt differently: other key order, other spacing.
    respelt = json.dumps(dict(reversed(list(valid_intake().items()))), indent=2)
    retry = api.post("/requests", raw=respelt, headers=headers)
    assert (first.status_code, retry.status_code) == (201, 200)
    assert retry.json()["number"] == first.json()["number"]
    assert HelpRequest.objects.count() == 1
    assert Event.objects.count() == 1


def test_the_same_idempotency_key_with_another_body_is_a_conflict(api_as, operator):
    api = api_as(operator)
    headers = {"Idempotency-Key": "call-20220114-0930-li"}
    assert api.post("/requests", valid_intake(), headers=headers).status_code == 201
    response = api.post("/requests", valid_intake(urgency="critical"), headers=headers)
    assert response.status_code == 409
    error = error_of(response)
    assert error["code"] == "idempotency_conflict"
    assert "idempotency_key" in error["details"]
    assert HelpRequest.objects.count() == 1


def test_idempotency_keys_belong_to_one_caller(api_as, operator, dispatcher):
    headers = {"Idempotency-Key": "shared-key"}
    first = api_as(operator).post("/requests", valid_intake(), headers=headers)
    second = api_as(dispatcher).post("/requests", valid_intake(), headers=headers)
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json()["number"] != second.json()["number"]


def test_without_an_idempotency_key_a_retry_files_again(api_as, operator):
    api = api_as(operator)
    api.post("/requests", valid_intake())
    api.post("/requests", valid_intake())
    assert HelpRequest.objects.count() == 2


def test_an_overlong_idempotency_key_is_refused(api_as, operator):
    response = api_as(operator).post(
        "/requests", valid_intake(), headers={"Idempotency-Key": "k" * 201}
    )
    assert response.status_code == 422
    assert list(error_of(response)["details"]) == ["idempotency_key"]
    assert HelpRequest.objects.count() == 0
