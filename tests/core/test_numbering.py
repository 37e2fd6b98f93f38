"""Request numbers: the day's sequence with no holes, taken last in the filing transaction."""

from __future__ import annotations

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core import numbering
from core.models import Attachment, DailySequence, HelpRequest
from lib.uploads import CleanUpload

pytestmark = pytest.mark.django_db

DAY = "2022-01-14 10:00:00+08:00"


def test_numbers_follow_on_within_the_local_day(make_request):
    with time_machine.travel(DAY, tick=False):
        numbers = [make_request().number for _ in range(3)]
    assert numbers == ["20220114-0001", "20220114-0002", "20220114-0003"]


def test_past_9999_the_sequence_grows_a_digit(make_request):
    with time_machine.travel(DAY, tick=False):
        make_request()
        DailySequence.objects.filter(day="2022-01-14").update(last=9999)
        assert make_request().number == "20220114-10000"


def test_a_create_that_fails_after_its_insert_gives_its_number_back(make_request, monkeypatch):
    def full_disk(*args: object, **kwargs: object) -> str:
        raise OSError("No space left on device")

    photo = CleanUpload(
        name="药盒.jpg", content_type="image/jpeg", extension=".jpg", data=b"x", is_photo=True
    )
    with time_machine.travel(DAY, tick=False):
        make_request()
        # The file is stored after the request went in: the whole create is rolled back.
        monkeypatch.setattr(Attachment.file.field.storage, "save", full_disk)
        with pytest.raises(OSError):
            make_request(attachments=(photo,))
        monkeypatch.undo()
        assert make_request().number == "20220114-0002"
    assert HelpRequest.objects.count() == 2


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the late number is PostgreSQL's")
def test_on_postgresql_the_number_is_the_last_statement_before_the_commit(make_request):
    make_request()  # the reference data read, as in a running process
    with CaptureQueriesContext(connection) as captured:
        help_request = make_request()
    statements = [q["sql"] for q in captured.captured_queries]
    taken = next(i for i, sql in enumerate(statements) if "core_dailysequence" in sql)
    assert statements[taken + 1 :] == [s for s in statements if s.startswith("RELEASE SAVEPOINT")]
    assert not help_request.number.startswith(numbering.PLACEHOLDER_PREFIX)
    assert HelpRequest.objects.get(pk=help_request.pk).number == help_request.number
