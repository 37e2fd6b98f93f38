"""Pages are Chinese unless the switch says English; the API follows Accept-Language."""

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db


def test_page_ignores_an_english_browser(client):
    page = client.get("/track/", headers={"accept-language": "en-US,en;q=0.9"})
    assert "查询求助进度" in page.content.decode()


def test_page_speaks_english_after_the_switch(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/track/"})
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    page = client.get("/track/")
    assert "Track your request" in page.content.decode()


def test_unknown_language_cookie_falls_back_to_chinese(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    assert "查询求助进度" in client.get("/track/").content.decode()


def test_api_follows_accept_language(client):
    chinese = client.get("/api/v1/requests").json()
    english = client.get("/api/v1/requests", headers={"accept-language": "en"}).json()
    assert chinese["code"] == english["code"] == "not_authenticated"
    assert chinese["message"] != english["message"]
    assert english["message"].startswith("Sign in, or send a personal token")
