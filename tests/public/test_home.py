"""The front door links every channel in, and every link leads somewhere."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.django_db


def test_the_front_door_links_the_five_channels_and_tracking(client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "No call goes unanswered" in html
    links = set(re.findall(r'href="(/[^"]*)"', html))
    for expected in (
        "/console/requests/new/",
        "/app/",
        "/enterprise/",
        "/media/",
        "/open311/v2/discovery.json",
        "/track/",
    ):
        assert expected in links


def test_it_speaks_chinese_by_default(client):
    client.cookies.clear()
    assert "有呼必有应" in client.get("/").content.decode()


def test_every_link_on_the_front_door_answers(client):
    html = client.get("/").content.decode()
    for link in set(re.findall(r'href="(/[^"]*)"', html)):
        # Signed-out visitors are sent to a sign-in page; nothing is missing or broken.
        assert client.get(link).status_code in (200, 302), link
