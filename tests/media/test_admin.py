"""An administrator creates an outlet and its editors' accounts in the Django admin."""

from __future__ import annotations

import pytest

from accounts.models import Role, User
from core.models import MediaOutlet
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser(username="root", password=PASSWORD)


def test_an_administrator_creates_an_outlet_and_an_editor_who_can_sign_in(client, superuser):
    client.force_login(superuser)
    response = client.post(
        "/admin/core/mediaoutlet/add/",
        {"code": "jiaozuo-daily", "name": "焦作日报", "is_active": "on"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    outlet = MediaOutlet.objects.get(code="jiaozuo-daily")

    response = client.post(
        "/admin/accounts/user/add/",
        {
            "username": "reporter",
            "usable_password": "true",
            "password1": "a-long-Passphrase-2022",
            "password2": "a-long-Passphrase-2022",
            "role": Role.MEDIA,
            "media_outlet": outlet.pk,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    reporter = User.objects.get(username="reporter")
    assert (reporter.role, reporter.media_outlet_id) == (Role.MEDIA, outlet.pk)

    client.logout()
    response = client.post(
        "/media/login/", {"username": "reporter", "password": "a-long-Passphrase-2022"}
    )
    assert response["Location"] == "/media/leads/"


def test_the_user_page_shows_the_outlet(client, superuser, editor):
    client.force_login(superuser)
    response = client.get(f"/admin/accounts/user/{editor.pk}/change/")
    assert 'name="media_outlet"' in response.content.decode()
