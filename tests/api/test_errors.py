"""The one error body for every failure: bad JSON, wrong routes and methods, bugs, languages."""

from __future__ import annotations

import pytest

from core.models import Event, HelpRequest
from tests.api.conftest import error_of, valid_intake

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("raw", ['{"category": "medical",', "channel=hotline", b"\xff\xfe{}"])
def test_malformed_json_is_a_400_and_writes_nothing(api_as, operator, raw):
    response = api_as(operator).post("/requests", raw=raw)
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "malformed_json"
    assert error["details"] == {}
    assert HelpRequest.objects.count() == 0


def test_a_body_over_the_upload_limit_is_a_413_not_a_crash(api_as, operator, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = api_as(operator).post("/requests", valid_intake(description="要" * 2000))
    assert response.status_code == 413
    assert error_of(response)["code"] == "body_too_large"
    assert HelpRequest.objects.count() == 0


def test_json_that_is_not_an_object_is_invalid_input(api_as, operator):
    for body in ([valid_intake()], "hello", 42):
        response = api_as(operator).post("/requests", body, lang="en")
        assert response.status_code == 422
        assert error_of(response)["details"] == {"__all__": ["Enter a JSON object."]}


def test_an_empty_body_is_invalid_input(api_as, operator):
    response = api_as(operator).post("/requests", lang="en")
    assert response.status_code == 422
    assert error_of(response)["details"] == {
        "__all__": ["Send the fields as a JSON object in the body."]
    }


@pytest.mark.parametrize(
    "path", ["/nothing-here", "/requests/20220114-0001/teleport", "/v2/requests"]
)
def test_an_unknown_path_is_a_json_404(api_as, anonymous, dispatcher, path):
    for api in (api_as(dispatcher), anonymous):
        response = api.get(path)
        assert response.status_code == 404
        assert response["Content-Type"] == "application/json"
        assert error_of(response)["code"] == "not_found"


def test_a_wrong_method_is_a_json_405(api_as, dispatcher, make_request):
    number = make_request().number
    api = api_as(dispatcher)
    for method, path in (
        ("DELETE", "/requests"),
        ("PUT", f"/requests/{number}"),
        ("GET", f"/requests/{number}/dispatch"),
    ):
        response = api.call(method, path)
        assert response.status_code == 405, (method, path)
        assert error_of(response)["code"] == "method_not_allowed"
        assert response["Allow"]


def test_a_bug_is_a_500_without_a_traceback(api_as, dispatcher, monkeypatch, caplog):
    def broken(**kwargs):
        raise RuntimeError("secret internals: password=hunter2")

    monkeypatch.setattr("api.requests.request_queue", broken)
    response = api_as(dispatcher).get("/requests")
    assert response.status_code == 500
    error = error_of(response)
    assert error["code"] == "server_error"
    content = response.content.decode()
    assert "Traceback" not in content and "hunter2" not in content and "RuntimeError" not in content
    assert "hunter2" in caplog.text  # but the log keeps it for whoever fixes the bug


def test_messages_follow_accept_language_and_default_to_chinese(api_as, operator):
    api = api_as(operator)
    body = valid_intake()
    del body["category"]
    chinese = error_of(api.post("/requests", body))
    english = error_of(api.post("/requests", body, lang="en"))
    assert chinese["code"] == english["code"] == "invalid_input"
    assert chinese["details"] == {"category": ["这个字段是必填项。"]}
    assert english["details"] == {"category": ["This field is required."]}
    assert english["message"] == "Please correct the errors below."


def test_type_errors_are_translated_too(api_as, dispatcher):
    api = api_as(dispatcher)
    chinese = error_of(api.get("/requests", {"limit": "many", "received_from": "2022-02-30"}))
    english = error_of(
        api.get("/requests", {"limit": "many", "received_from": "2022-02-30"}, lang="en")
    )
    assert chinese["details"] == {
        "limit": ["输入整数。"],
        "received_from": ["输入一个有效的日期。"],
    }
    assert english["details"] == {
        "limit": ["Enter a whole number."],
        "received_from": ["Enter a valid date."],
    }


def test_domain_errors_keep_their_code_and_details(api_as, dispatcher, group_a, make_request):
    help_request = make_request()
    api = api_as(dispatcher)
    api.post(f"/requests/{help_request.number}/dispatch", {"group": "medical"})
    response = api.post(
        f"/requests/{help_request.number}/dispatch", {"group": "medical"}, lang="en"
    )
    assert response.status_code == 409
    error = error_of(response)
    assert error["code"] == "transition_not_allowed"
    assert error["details"] == {"status": "dispatched", "action": "dispatch"}
    assert error["message"].startswith(f"Request {help_request.number} has the status “Dispatched”")
    assert Event.objects.filter(help_request=help_request).count() == 2
