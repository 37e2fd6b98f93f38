"""GET /categories, /divisions and /groups: the codes an integration files and routes with."""

from __future__ import annotations

import pytest

from core.models import Group
from tests.api.conftest import error_of

pytestmark = pytest.mark.django_db


def test_it_lists_categories_in_the_callers_language(api_as, operator):
    api = api_as(operator)
    chinese = api.get("/categories").json()["items"]
    english = api.get("/categories", lang="en").json()["items"]
    assert [c["code"] for c in chinese][:4] == ["policy", "travel", "health_code", "medical"]
    assert len(chinese) == 11
    assert chinese[3]["name"] == "就医需求（含配药）"
    assert english[3]["name"] == "Medical care and medicine"


def test_it_lists_counties_with_their_streets(api_as, operator):
    counties = api_as(operator).get("/divisions").json()["items"]
    assert len(counties) == 11
    jiefang = next(c for c in counties if c["code"] == "410802")
    assert jiefang["name"] == "解放区"
    assert {"code": "410802001", "name": "焦南街道"} in jiefang["streets"]
    assert all(s["code"].startswith("410802") for s in jiefang["streets"])


def test_it_lists_only_active_groups(api_as, operator, group_a, group_b):
    group_b.is_active = False
    group_b.save()
    api = api_as(operator)
    items = api.get("/groups").json()["items"]
    assert items == [{"code": "medical", "name": "医疗救治组", "kind": Group.Kind.WORKING_GROUP}]
    assert api.get("/groups", lang="en").json()["items"][0]["name"] == "Medical care group"


def test_it_needs_credentials_for_reference_lists(anonymous):
    for path in ("/categories", "/divisions", "/groups"):
        response = anonymous.get(path)
        assert response.status_code == 401
        assert error_of(response)["code"] == "not_authenticated"
