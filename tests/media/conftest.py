"""Media channel fixtures: an outlet with two editors, a second outlet with one, pages in
English (the msgids), and a helper that files a lead the way the lead form does."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from accounts.models import Role, User
from core.access import Actor
from core.models import Category, Channel, Division, HelpRequest, LeadSource, MediaOutlet, Urgency
from core.services import NewRequest, request_create
from tests.conftest import PASSWORD


@pytest.fixture(autouse=True)
def _english(client: Client) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def outlet(db: Any) -> MediaOutlet:
    return MediaOutlet.objects.create(code="jiaozuo-daily", name="焦作日报")


@pytest.fixture
def other_outlet(db: Any) -> MediaOutlet:
    return MediaOutlet.objects.create(code="jiaozuo-tv", name="焦作广播电视台")


def make_editor(username: str, outlet: MediaOutlet | None) -> User:
    return User.objects.create_user(
        username=username, password=PASSWORD, role=Role.MEDIA, media_outlet=outlet
    )


@pytest.fixture
def editor(outlet: MediaOutlet) -> User:
    return make_editor("editor", outlet)


@pytest.fixture
def editor2(outlet: MediaOutlet) -> User:
    return make_editor("editor2", outlet)


@pytest.fixture
def other_editor(other_outlet: MediaOutlet) -> User:
    return make_editor("other_editor", other_outlet)


def file_lead(editor: User, **overrides: Any) -> HelpRequest:
    """A lead from a reader's letter: an old man in 解放区 without his heart medicine."""
    values: dict[str, Any] = {
        "channel": Channel.MEDIA,
        "category": Category.objects.get(code="medical"),
        "urgency": Urgency.URGENT,
        "description": "读者来信：父亲心脏支架术后，氯吡格雷只剩两天，小区封控出不去。",
        "division": Division.objects.get(code="410802001"),
        "address": "焦南街道幸福里小区3号楼2单元501",
        "requester_name": "王建国",
        "requester_phone": "13912345678",
        "requester_id_number": "410802199001011232",
        "media_outlet": editor.media_outlet,
        "lead_source": LeadSource.READER_MESSAGE,
        "external_ref": "读者来信 2022-017",
    }
    values.update(overrides)
    lead, _created = request_create(actor=Actor(user=editor), new=NewRequest(**values))
    return lead


def lead_form(**overrides: str) -> dict[str, str]:
    """What the lead form posts for the letter above."""
    data = {
        "lead_source": LeadSource.READER_MESSAGE,
        "external_ref": "读者来信 2022-017",
        "category": "medical",
        "urgency": Urgency.URGENT,
        "description": "读者来信：父亲心脏支架术后，氯吡格雷只剩两天，小区封控出不去。",
        "division": "410802001",
        "address": "焦南街道幸福里小区3号楼2单元501",
        "requester_name": "王建国",
        "requester_phone": "139 1234 5678",
        "requester_id_number": "",
    }
    data.update(overrides)
    return data
