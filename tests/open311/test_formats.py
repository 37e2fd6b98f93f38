"""Formats, unknown paths, methods and language: what every Open311 resource has in common."""

from __future__ import annotations

import pytest

from tests.open311.conftest import errors_of, spec_form

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path",
    [
        "/discovery.html",
        "/services.csv",
        "/services/medical.yaml",
        "/requests.txt",
        "/requests/20220114-0001.rss",
        "/tokens/abc.JSON",
    ],
)
def test_an_unknown_format_is_404_with_the_errors_body(public, path):
    response = public.get(path)
    assert response.status_code == 404
    [description] = errors_of(response)  # XML, the format every client reads
    assert description.startswith("format")


def test_an_unknown_format_on_post_is_404_and_files_nothing(app):
    response = app.post("/requests.html", spec_form())
    assert response.status_code == 404
    from core.models import HelpRequest

    assert HelpRequest.objects.count() == 0


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/services", "text/xml; charset=utf-8"),
        ("/nothing/here.json", "application/json; charset=utf-8"),
        ("/", "text/xml; charset=utf-8"),
    ],
)
def test_any_other_path_is_404_with_the_errors_body(public, path, content_type):
    response = public.get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == content_type
    assert errors_of(response)


def test_post_is_csrf_exempt_with_a_checking_client(app_key):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    response = client.post("/open311/v2/requests.json", {**spec_form(), "api_key": app_key[1]})
    assert response.status_code == 200


def test_errors_are_chinese_by_default_and_english_on_request(public):
    wrong = {"api_key": "hyk_wrong"}
    [chinese] = errors_of(public.get("/requests.json", wrong))
    [english] = errors_of(public.get("/requests.json", wrong, lang="en"))
    [by_locale] = errors_of(public.get("/requests.json", {**wrong, "locale": "en"}))
    assert english == by_locale == "api_key: This API key is not valid, or it has been revoked."
    assert chinese.startswith("api_key") and chinese.endswith("此 API 密钥无效或已被吊销。")


def test_an_unknown_service_in_english(public):
    english = errors_of(public.get("/services/nope.json", lang="en"))
    assert english == ["service_code: No service has the code “nope”."]


def test_locale_in_a_post_form_switches_the_language(app):
    response = app.post("/requests.json", spec_form(phone=None, locale="en"))
    assert response.status_code == 400
    assert errors_of(response) == [
        "phone: A phone number is required: the answer is sent to it by text message."
    ]


def test_head_is_allowed_where_get_is(public):
    assert public.client.head("/open311/v2/services.json").status_code == 200
