"""People who ask for help themselves: each files on their own channel and sees their own.

A citizen sees what they filed; an enterprise contact sees everything their company filed;
a media editor sees the leads of their outlet. Nobody sees anyone else's.
"""

from __future__ import annotations

import io

import pytest
from django.utils import timezone
from PIL import Image

from accounts.models import ApiKey, Role, User
from core.access import Actor, get_request_for, may_file_requests, visible_requests
from core.errors import Forbidden, InvalidInput, NotFound
from core.models import (
    Attachment,
    Channel,
    Division,
    Enterprise,
    Event,
    LeadSource,
    MediaOutlet,
    PersonalDataAccess,
    RequesterKind,
    Satisfaction,
    Status,
)
from core.personal_data import requester_card
from core.services import (
    request_accept,
    request_close,
    request_create,
    request_dispatch,
    request_resolve,
)
from lib.uploads import clean_photo
from tests.conftest import PASSWORD, new_request

pytestmark = pytest.mark.django_db


def _person(username: str, role: str, **fields) -> User:
    return User.objects.create_user(username=username, password=PASSWORD, role=role, **fields)


@pytest.fixture
def app_user() -> User:
    return _person(
        "app-13903910168",
        Role.CITIZEN,
        first_name="李娟",
        phone="13903910168",
        phone_confirmed_at=timezone.now(),
    )


@pytest.fixture
def company() -> Enterprise:
    return Enterprise.objects.create(
        uscc="91410802MA9JTHJ1FU",
        name="焦作市丰源机械有限公司",
        workforce=420,
        division=Division.objects.get(code="410802"),
    )


@pytest.fixture
def outlet() -> MediaOutlet:
    return MediaOutlet.objects.create(code="jiaozuo-daily", name="焦作日报")


def _file_as(user: User, **overrides):
    help_request, _ = request_create(actor=Actor(user=user), new=new_request(**overrides))
    return help_request


def test_a_citizen_files_on_the_app_channel_only(app_user):
    with pytest.raises(InvalidInput) as refused:
        _file_as(app_user, channel=Channel.HOTLINE)
    assert "channel" in refused.value.details

    hr = _file_as(app_user, channel=Channel.APP)
    assert hr.channel == Channel.APP and hr.created_by == app_user


def test_a_citizen_whose_phone_is_not_confirmed_cannot_file(citizen):
    assert not may_file_requests(Actor(user=citizen))
    with pytest.raises(Forbidden):
        _file_as(citizen, channel=Channel.APP)


def test_a_citizen_sees_only_their_own_requests(app_user, outsider, make_request):
    mine = _file_as(app_user, channel=Channel.APP)
    make_request()  # filed by the operator for someone else

    assert list(visible_requests(Actor(user=app_user))) == [mine]
    with pytest.raises(NotFound):
        get_request_for(Actor(user=outsider), mine.number)


def test_every_contact_of_a_company_sees_all_its_requests(company):
    first = _person("ent-13513916688", Role.ENTERPRISE, enterprise=company)
    second = _person("ent-13513916699", Role.ENTERPRISE, enterprise=company)
    other_company = Enterprise.objects.create(
        uscc="91410823MA3X5G1C7K",
        name="武陟县鑫盛纸业有限公司",
        workforce=80,
        division=Division.objects.get(code="410823"),
    )
    stranger = _person("ent-13700000000", Role.ENTERPRISE, enterprise=other_company)

    hr = _file_as(
        first,
        channel=Channel.ENTERPRISE,
        requester_kind=RequesterKind.ENTERPRISE,
        organisation=company.name,
        uscc=company.uscc,
        enterprise=company,
        workforce=420,
    )

    assert hr.enterprise == company and hr.workforce == 420
    assert get_request_for(Actor(user=second), hr.number) == hr
    with pytest.raises(NotFound):
        get_request_for(Actor(user=stranger), hr.number)


def test_a_contact_without_a_company_files_nothing():
    loose = _person("ent-13600000000", Role.ENTERPRISE)
    assert not may_file_requests(Actor(user=loose))


def test_editors_of_an_outlet_share_its_leads(outlet):
    editor = _person("feng", Role.MEDIA, media_outlet=outlet)
    colleague = _person("qin", Role.MEDIA, media_outlet=outlet)
    other_paper = MediaOutlet.objects.create(code="henan-tv", name="河南电视台")
    rival = _person("rival", Role.MEDIA, media_outlet=other_paper)

    lead = _file_as(
        editor,
        channel=Channel.MEDIA,
        media_outlet=outlet,
        lead_source=LeadSource.READER_MESSAGE,
        external_ref="读者来信-0114-07",
    )

    assert lead.lead_source == LeadSource.READER_MESSAGE
    assert list(visible_requests(Actor(user=colleague))) == [lead]
    assert list(visible_requests(Actor(user=rival))) == []
    # Editors pass leads on; they are shown the person masked.
    assert requester_card(actor=Actor(user=colleague), help_request=lead, via="media").masked


def test_a_revoked_key_files_nothing():
    key, _secret = ApiKey.issue(name="old-gateway", channel=Channel.API)
    key.revoked_at = timezone.now()
    key.save()
    assert not may_file_requests(Actor(api_key=key))


def test_the_requester_rates_their_own_answer(app_user, outsider, dispatcher, group_a, member_a):
    hr = _file_as(app_user, channel=Channel.APP)
    hr = request_dispatch(hr, actor=Actor(user=dispatcher), group=group_a)
    hr = request_accept(hr, actor=Actor(user=member_a))
    hr = request_resolve(hr, actor=Actor(user=member_a), answer="已送药上门", answer_method="app")

    with pytest.raises(Forbidden):
        request_close(hr, actor=Actor(user=outsider), satisfaction=Satisfaction.SATISFIED)

    reopened = request_close(hr, actor=Actor(user=app_user), satisfaction=Satisfaction.UNSATISFIED)
    assert reopened.status == Status.IN_PROGRESS  # the first 不满意 sends it back to the group


def test_the_requester_sees_their_own_data_without_an_audit_entry(app_user):
    hr = _file_as(app_user, channel=Channel.APP)
    card = requester_card(actor=Actor(user=app_user), help_request=hr, via="app")
    assert not card.masked and card.phone == "13812341234"
    assert not PersonalDataAccess.objects.exists()


def test_attachments_are_stored_with_the_request_under_a_random_name(app_user, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    picture = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(picture, "JPEG")
    picture.name = "../../家门口.jpg"
    picture.seek(0)
    photo = clean_photo(picture, max_bytes=1_000_000)

    hr = _file_as(app_user, channel=Channel.APP, attachments=(photo,))

    attachment = Attachment.objects.get(help_request=hr)
    assert attachment.kind == Attachment.Kind.PHOTO
    assert attachment.original_name == "家门口.jpg"
    assert attachment.uploaded_by == app_user
    stored = str(attachment.file.name)
    assert "家门口" not in stored and ".." not in stored
    assert (tmp_path / stored).read_bytes() == photo.data
    assert hr.events.get(kind=Event.Kind.CREATED).data == {"attachments": 1}
