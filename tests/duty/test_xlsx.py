from __future__ import annotations

import datetime as dt
import io

from duty.models import Shift
from duty.services import add_shift
from duty.xlsx import export_shifts, import_shifts
from tests.duty.conftest import local
from tests.duty.sheets import row, sheet


def _errors(report):
    return [(e.row, e.column.split(" ")[0], e.message) for e in report.errors]


def test_a_good_file_imports_every_row(roster):
    report = import_shifts(
        sheet(
            row(note="白班"),
            row(start="2022-11-28 20:00", end="2022-11-29 08:00", a="member_a2", b="member_a"),
            # Date cells, as Excel writes them: local and without a time zone.
            row(start=dt.datetime(2022, 11, 29, 8), end=dt.datetime(2022, 11, 29, 20), b=""),  # noqa: DTZ001
        )
    )
    assert report.ok
    assert report.rows == 3
    shifts = list(Shift.objects.order_by("starts_at"))
    assert [(s.starts_at, s.ends_at) for s in shifts] == [
        (local(28, 8), local(28, 20)),
        (local(28, 20), local(29, 8)),
        (local(29, 8), local(29, 20)),
    ]
    assert shifts[0].note == "白班"
    assert shifts[2].post_b is None


def test_every_bad_row_is_reported_and_nothing_is_imported(roster):
    report = import_shifts(
        sheet(
            row(),
            row(group="nowhere", start="2022-11-29 08:00", end="2022-11-29 20:00"),
            row(start="2022-11-30 08:00", end="2022-11-30 20:00", a="nobody"),
            row(start="2022-12-01 08:00", end="2022-12-01 20:00", b="member_b"),
            row(start="2022-12-02 08:00", end="2022-12-02 20:00", a="member_a", b="member_a"),
            row(start="2022-12-03 08:00", end="2022-12-03 20:00", a=""),
        )
    )
    assert not report.ok
    assert _errors(report) == [
        (3, "A", "Unknown group 'nowhere'."),
        (4, "E", "Unknown user 'nobody'."),
        (5, "G", "member_b is not a member of Medical care group."),
        (6, "G", "The B post must be someone other than the A post."),
        (7, "E", "A shift needs someone on the A post."),
    ]
    assert not Shift.objects.exists()


def test_wrong_dates_are_reported_by_row_and_column(roster):
    report = import_shifts(
        sheet(
            row(start="明天早上", end="2022-11-28 20:00"),
            row(start="2022-11-29 20:00", end="2022-11-29 08:00"),
            row(start="", end="2022-11-30 08:00"),
        )
    )
    assert _errors(report) == [
        (2, "C", "'明天早上' is not a date and time like 2022-11-28 08:00."),
        (3, "D", "A shift must end after it starts."),
        (4, "C", "'' is not a date and time like 2022-11-28 08:00."),
    ]
    assert str(report.errors[0]).startswith("Row 2, C (Start): ")
    assert not Shift.objects.exists()


def test_rows_overlapping_each_other_are_refused(roster):
    report = import_shifts(
        sheet(
            row(),
            row(a="member_a2", b="member_a"),
            row(start="2022-11-28 19:00", end="2022-11-29 07:00", a="leader_a", b=""),
        )
    )
    assert _errors(report) == [
        (3, "C", "Overlaps the shift in row 2 of this file."),
        (4, "C", "Overlaps the shift in row 2 of this file."),
    ]
    assert not Shift.objects.exists()


def test_a_row_overlapping_the_roster_is_refused(roster, group_a, member_a):
    add_shift(group=group_a, starts_at=local(28, 12), ends_at=local(28, 14), post_a=member_a)
    report = import_shifts(sheet(row(a="member_a2", b="")))
    assert _errors(report) == [
        (2, "E", "The A post already has a shift from 2022-11-28 12:00 to 2022-11-28 14:00.")
    ]
    assert Shift.objects.count() == 1


def test_a_file_that_is_not_a_workbook_is_refused(db):
    report = import_shifts(io.BytesIO(b"group,start\n"))
    assert [e.message for e in report.errors] == ["This is not an XLSX file."]


def test_export_then_import_gives_back_the_same_roster(roster, group_a, member_a, member_a2):
    add_shift(
        group=group_a,
        starts_at=local(28, 8),
        ends_at=local(28, 20),
        post_a=member_a,
        post_b=member_a2,
        note="白班",
    )
    add_shift(group=group_a, starts_at=local(28, 20), ends_at=local(29, 8), post_a=member_a2)
    add_shift(
        group=group_a,
        starts_at=local(2, 8, month=12),
        ends_at=local(2, 20, month=12),
        post_a=member_a,
    )
    fields = ("group_id", "starts_at", "ends_at", "post_a_id", "post_b_id", "note")
    before = list(Shift.objects.filter(starts_at__lt=local(30, 0)).values_list(*fields))
    stream = io.BytesIO()
    assert export_shifts(local(28, 0), local(30, 0), stream) == 2
    Shift.objects.all().delete()
    stream.seek(0)
    report = import_shifts(stream)
    assert report.ok, report.errors
    assert list(Shift.objects.values_list(*fields)) == before
