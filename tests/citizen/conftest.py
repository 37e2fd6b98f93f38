"""Citizen app fixtures: two residents with confirmed phones, pages in English (the msgids),
fresh rate-limit counters, and uploaded files kept under the test's own directory."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from accounts.models import Role, User
from core.models import HelpRequest
from tests.portal_helpers import jpeg_with_exif, upload

RESIDENT_PHONE = "13903910168"
RESIDENT_ID = "410802198807150026"


@pytest.fixture(autouse=True)
def _english(client: Client) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture(autouse=True)
def _fresh_counters() -> None:
    cache.clear()


@pytest.fixture(autouse=True)
def _media_root(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def make_resident(username: str, name: str, phone: str, id_number: str) -> User:
    return User.objects.create(
        username=username,
        role=Role.CITIZEN,
        first_name=name,
        phone=phone,
        id_number=id_number,
        phone_confirmed_at=timezone.now(),
    )


@pytest.fixture
def resident(db: Any) -> User:
    return make_resident(f"app-{RESIDENT_PHONE}", "李娟", RESIDENT_PHONE, RESIDENT_ID)


@pytest.fixture
def neighbour(db: Any) -> User:
    return make_resident("app-13698765432", "王芳", "13698765432", "410802199001011232")


@pytest.fixture
def resident_client(client: Client, resident: User) -> Client:
    client.force_login(resident)
    return client


def request_data(**overrides: Any) -> dict[str, Any]:
    """A resident's request: a dialysis patient in 解放区 焦南街道, as the form posts it."""
    data: dict[str, Any] = {
        "category": "medical",
        "description": "母亲尿毒症需每周三次透析，小区封控出不去。",
        "county": "410802",
        "street": "410802001",
        "address": "幸福里小区3号楼",
        "urgency": "urgent",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


@pytest.fixture
def file_request(resident_client: Client) -> Callable[..., HelpRequest]:
    """File through the page as the resident; return the new request."""

    def file(**overrides: Any) -> HelpRequest:
        before = set(HelpRequest.objects.values_list("pk", flat=True))
        data = request_data(**overrides)
        data.setdefault("photos", [upload("ward.jpg", jpeg_with_exif(), "image/jpeg")])
        response = resident_client.post("/app/requests/new/", data)
        assert response.status_code == 302, response.content.decode()[:2000]
        return HelpRequest.objects.exclude(pk__in=before).get()

    return file
