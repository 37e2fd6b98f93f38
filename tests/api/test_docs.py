"""The OpenAPI schema and the Swagger page, which must work with no way out to the internet."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.django_db


def test_it_serves_the_openapi_schema(anonymous):
    response = anonymous.get("/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert {"/api/v1/requests", "/api/v1/requests/{number}/dispatch", "/api/v1/groups"} <= set(
        schema["paths"]
    )
    schemes = schema["components"]["securitySchemes"]
    assert {scheme["type"] for scheme in schemes.values()} == {"http", "apiKey"}
    assert {scheme.get("name") for scheme in schemes.values()} >= {"X-API-Key", "sessionid"}
    create = schema["paths"]["/api/v1/requests"]["post"]
    assert "Idempotency-Key" in [p["name"] for p in create["parameters"]]
    assert {"200", "201", "409", "422"} <= set(create["responses"])


def test_it_serves_docs_from_local_static_files_only(anonymous):
    response = anonymous.get("/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "https://" not in html and "http://" not in html and "cdn" not in html.lower()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert any(a.endswith("swagger-ui-bundle.js") for a in assets)
    assert any(a.endswith("swagger-ui.css") for a in assets)
    for asset in assets:
        assert asset.startswith("/static/ninja/"), asset
        assert anonymous.client.get(asset).status_code == 200, asset
