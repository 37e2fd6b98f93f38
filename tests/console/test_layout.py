"""The shared layout: scripts and styles come from our own server, never from a CDN."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_it_loads_htmx_and_the_stylesheet_from_this_server(client, operator):
    client.force_login(operator)
    page = client.get(reverse("console:request_list")).content.decode()
    sources = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', page)
    assert "/static/django_htmx/htmx-2.min.js" in sources
    assert "/static/console/console.css" in sources
    assert not [url for url in sources if "//" in url]
    for url in ("/static/django_htmx/htmx-2.min.js", "/static/console/console.css"):
        response = client.get(url)
        assert response.status_code == 200, url
        b"".join(response.streaming_content)  # close the file whitenoise opened


def test_the_public_page_has_no_console_navigation(client):
    page = client.get(reverse("public:track")).content.decode()
    assert "/console/requests/" not in page
    assert "/static/console/console.css" in page
