"""Enterprise portal fixtures: a company with two contacts, another company with one, pages in
English, fresh rate-limit counters, and uploaded files under the test's own directory."""

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
from core.models import Enterprise, HelpRequest
from tests.portal_helpers import pdf_bytes, upload

USCC = "91410800MA4ABCDE1Q"
OTHER_USCC = "91410800MA4ABCDE2U"
NEW_USCC = "91410823MA44RT7P3J"


@pytest.fixture(autouse=True)
def _english(client: Client) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture(autouse=True)
def _fresh_counters() -> None:
    cache.clear()


@pytest.fixture(autouse=True)
def _media_root(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def make_contact(company: Enterprise, name: str, phone: str, *, confirmed: bool = True) -> User:
    return User.objects.create(
        username=f"ent-{phone}",
        role=Role.ENTERPRISE,
        first_name=name,
        phone=phone,
        enterprise=company,
        phone_confirmed_at=timezone.now() if confirmed else None,
    )


@pytest.fixture
def company(db: Any) -> Enterprise:
    return Enterprise.objects.create(
        uscc=USCC,
        name="焦作市丰源机械有限公司",
        workforce=160,
        division_id="410802001",
        address="焦南街道工业路8号",
    )


@pytest.fixture
def other_company(db: Any) -> Enterprise:
    return Enterprise.objects.create(
        uscc=OTHER_USCC, name="温县鑫达食品厂", workforce=35, division_id="410825"
    )


@pytest.fixture
def contact(company: Enterprise) -> User:
    return make_contact(company, "郭建军", "13513916688")


@pytest.fixture
def colleague(company: Enterprise) -> User:
    return make_contact(company, "崔丽华", "13513916699")


@pytest.fixture
def stranger(other_company: Enterprise) -> User:
    return make_contact(other_company, "赵强", "15011112222")


@pytest.fixture
def contact_client(client: Client, contact: User) -> Client:
    client.force_login(contact)
    return client


def client_for(user: User) -> Client:
    """A browser of its own, in English, signed in as ``user``."""
    other = Client()
    other.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    other.force_login(user)
    return other


def request_data(**overrides: Any) -> dict[str, Any]:
    """The company asks for a pass for its trucks, as the form posts it."""
    data: dict[str, Any] = {
        "category": "enterprise",
        "description": "原料运输车辆需通行证，厂里库存只够三天。",
        "county": "410802",
        "street": "410802001",
        "address": "焦南街道工业路8号",
        "urgency": "normal",
        "workforce": "180",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


@pytest.fixture
def file_request(contact_client: Client) -> Callable[..., HelpRequest]:
    """File through the page as the first contact; return the new request."""

    def file(client: Client | None = None, **overrides: Any) -> HelpRequest:
        before = set(HelpRequest.objects.values_list("pk", flat=True))
        data = request_data(**overrides)
        data.setdefault("attachments", [upload("通行证申请.pdf", pdf_bytes(), "application/pdf")])
        response = (client or contact_client).post("/enterprise/requests/new/", data)
        assert response.status_code == 302, response.content.decode()[:2000]
        return HelpRequest.objects.exclude(pk__in=before).get()

    return file
