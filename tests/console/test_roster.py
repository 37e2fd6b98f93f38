"""The roster page: who is on duty now, the gaps ahead, the spreadsheet out and back in."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import User
from core.models import GroupMembership
from duty.models import Shift
from duty.services import add_shift
from tests.conftest import PASSWORD
from tests.duty.sheets import row, sheet

pytestmark = pytest.mark.django_db

ROSTER = "/console/roster/"


@pytest.fixture
def member_a2(group_a):
    user = User.objects.create_user("member_a2", password=PASSWORD, role="member")
    GroupMembership.objects.create(group=group_a, user=user)
    return user


@pytest.fixture
def shift_now(group_a, member_a, member_a2):
    now = timezone.now()
    return add_shift(
        group=group_a,
        starts_at=now - dt.timedelta(hours=2),
        ends_at=now + dt.timedelta(hours=10),
        post_a=member_a,
        post_b=member_a2,
    )


def _xlsx(data: io.BytesIO, name: str = "roster.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data.getvalue())


def test_it_shows_who_is_on_duty_and_flags_the_gaps(
    client, dispatcher, group_a, group_b, shift_now
):
    client.force_login(dispatcher)
    response = client.get(ROSTER)
    assert response.status_code == 200
    duty = {d.group.code: d for d in response.context["on_duty"]}
    assert duty["medical"].post_a == shift_now.post_a
    assert duty["supplies"].post_a is None
    # Group B has nobody at all; group A's shift ends in ten hours, after which nobody is on.
    flagged = {gap.group.code for gap in response.context["gaps"]}
    assert flagged == {"medical", "supplies"}
    assert "member_a" in response.content.decode()


def test_the_export_is_a_workbook_of_the_period(client, dispatcher, shift_now):
    client.force_login(dispatcher)
    # The day the shift starts on: just after midnight that is yesterday, not today.
    first = timezone.localtime(shift_now.starts_at).date()
    response = client.get(
        ROSTER + "export/",
        {"start": first.isoformat(), "end": (first + dt.timedelta(days=1)).isoformat()},
    )
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    rows = list(
        load_workbook(io.BytesIO(response.content)).worksheets[0].iter_rows(values_only=True)
    )
    assert len(rows) == 2 and rows[1][0] == "medical" and rows[1][4] == "member_a"


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        ("2022-11-28", "2022-11-27", "end"),
        ("someday", "2022-11-27", "start"),
        ("2022-01-01", "2022-12-01", "end"),
    ],
)
def test_a_bad_export_period_is_a_field_error(client, dispatcher, start, end, field):
    client.force_login(dispatcher)
    response = client.get(ROSTER + "export/", {"start": start, "end": end})
    assert response.status_code == 422
    assert field in response.context["export_form"].errors


def test_a_good_file_imports_every_row(client, dispatcher, member_a, member_a2, group_a):
    client.force_login(dispatcher)
    data = sheet(
        row(a="member_a", b="member_a2"), row(start="2022-11-28 20:00", end="2022-11-29 08:00")
    )
    response = client.post(ROSTER + "import/", {"file": _xlsx(data)})
    assert response.status_code == 200
    assert response.context["report"].ok
    assert Shift.objects.count() == 2


def test_a_bad_file_imports_nothing_and_lists_every_bad_row(
    client, dispatcher, member_a, member_a2, group_a
):
    client.force_login(dispatcher)
    data = sheet(
        row(),
        row(group="nowhere", start="2022-11-29 08:00", end="2022-11-29 20:00"),
        row(a="ghost", start="2022-11-30 08:00", end="2022-11-30 20:00"),
        row(start="2022-12-01 20:00", end="2022-12-01 08:00"),
    )
    response = client.post(ROSTER + "import/", {"file": _xlsx(data)})
    assert response.status_code == 422
    rows_reported = {error.row for error in response.context["report"].errors}
    assert rows_reported == {3, 4, 5}
    assert Shift.objects.count() == 0
    html = response.content.decode()
    assert "Row 3" in html and "Row 5" in html


def test_a_file_that_is_not_a_workbook_is_refused(client, dispatcher):
    client.force_login(dispatcher)
    response = client.post(
        ROSTER + "import/", {"file": SimpleUploadedFile("roster.xlsx", b"%PDF-1.4")}
    )
    assert response.status_code == 422
    assert not response.context["report"].ok


def test_a_missing_file_is_a_field_error(client, dispatcher):
    client.force_login(dispatcher)
    response = client.post(ROSTER + "import/", {})
    assert response.status_code == 422
    assert "file" in response.context["import_form"].errors


def test_only_roster_keepers_import_and_anonymous_users_sign_in(client, member_a):
    assert client.get(ROSTER).status_code == 302
    client.force_login(member_a)
    assert client.get(ROSTER).status_code == 200  # everyone in the console may read it
    response = client.post(ROSTER + "import/", {"file": _xlsx(sheet(row()))})
    assert response.status_code == 403
    assert Shift.objects.count() == 0
