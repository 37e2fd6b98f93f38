"""The roster as a spreadsheet: export a period's shifts, import them back all or nothing.

One row per shift, the columns of ``COLUMNS``. Times are local wall-clock times, as people
type them; the group and person names are for reading and are ignored on import.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy
from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter

from accounts.models import User
from core.models import Group
from duty.models import Shift
from duty.services import shift_problems

#: (key, header) in sheet order.
COLUMNS = (
    ("group", gettext_lazy("Group code")),
    ("group_name", gettext_lazy("Group name")),
    ("starts_at", gettext_lazy("Start")),
    ("ends_at", gettext_lazy("End")),
    ("post_a", gettext_lazy("A post username")),
    ("post_a_name", gettext_lazy("A post name")),
    ("post_b", gettext_lazy("B post username")),
    ("post_b_name", gettext_lazy("B post name")),
    ("note", gettext_lazy("Note")),
)
_INDEX = {key: index for index, (key, _header) in enumerate(COLUMNS)}
#: Service field → sheet column, for the errors the services report.
_FIELD_COLUMN = {"ends_at": "ends_at", "post_a": "post_a", "post_b": "post_b", "group": "group"}
_DATE_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y-%m-%dT%H:%M")


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return gettext("Row %(row)d, %(column)s: %(message)s") % {
            "row": self.row,
            "column": self.column,
            "message": self.message,
        }


@dataclass
class ImportReport:
    rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    created: list[Shift] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _column_label(key: str) -> str:
    index = _INDEX[key]
    return f"{get_column_letter(index + 1)} ({COLUMNS[index][1]})"


def _naive_local(value: dt.datetime) -> dt.datetime:
    return timezone.localtime(value).replace(tzinfo=None)


def export_shifts(start: dt.datetime, end: dt.datetime, target: str | Path | IO[bytes]) -> int:
    """Write the shifts that start in [start, end) to an XLSX file; the number written."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None  # noqa: S101 - a new workbook always has a sheet
    sheet.title = gettext("Duty roster")
    sheet.append([str(header) for _key, header in COLUMNS])
    shifts = Shift.objects.filter(starts_at__gte=start, starts_at__lt=end).select_related(
        "group", "post_a", "post_b"
    )
    count = 0
    for shift in shifts.order_by("group__code", "starts_at"):
        sheet.append(
            [
                shift.group.code,
                shift.group.display_name,
                _naive_local(shift.starts_at),
                _naive_local(shift.ends_at),
                shift.post_a.get_username(),
                shift.post_a.get_full_name(),
                shift.post_b.get_username() if shift.post_b else "",
                shift.post_b.get_full_name() if shift.post_b else "",
                shift.note,
            ]
        )
        for column in (3, 4):
            sheet.cell(row=sheet.max_row, column=column).number_format = "yyyy-mm-dd hh:mm"
        count += 1
    for letter, width in zip("ABCDEFGHI", (16, 20, 18, 18, 18, 12, 18, 12, 30), strict=True):
        sheet.column_dimensions[letter].width = width
    book.save(target)
    return count


def _text(value: Any) -> str:
    if value is None:
        return ""
    return str(value).strip()


def _when(value: Any) -> dt.datetime | None:
    """A local date and time from a date cell or from text; None when it is neither."""
    if isinstance(value, dt.datetime):
        naive = value
    else:
        text = _text(value)
        for pattern in _DATE_FORMATS:
            try:
                naive = dt.datetime.strptime(text, pattern)  # noqa: DTZ007 - made aware below
                break
            except ValueError:
                continue
        else:
            return None
    if timezone.is_aware(naive):
        return naive
    return timezone.make_aware(naive.replace(microsecond=0), timezone.get_current_timezone())


@dataclass
class _Row:
    number: int
    group: Group
    starts_at: dt.datetime
    ends_at: dt.datetime
    post_a: User
    post_b: User | None
    note: str


def import_shifts(source: str | Path | IO[bytes]) -> ImportReport:
    """Check every row of the file and import all of them, or none if any row is wrong.

    Each mistake is reported with its row number and column: bad or missing dates, an end
    before the start, an unknown group or person, a person outside the group, and overlaps
    with shifts already on the roster or with another row of the same file.
    """
    report = ImportReport()
    try:
        book = load_workbook(source, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a file that is not a workbook
        report.errors.append(RowError(0, "-", gettext("This is not an XLSX file.")))
        return report
    sheet = book.worksheets[0]
    groups = {group.code: group for group in Group.objects.all()}
    users: dict[str, User | None] = {}

    def user(username: str) -> User | None:
        if username not in users:
            users[username] = User.objects.filter(username=username).first()
        return users[username]

    good: list[_Row] = []
    for number, values in enumerate(sheet.iter_rows(min_row=2, values_only=True), start=2):
        cells = list(values) + [None] * (len(COLUMNS) - len(values))
        if all(_text(cell) == "" for cell in cells):
            continue
        report.rows += 1
        errors: list[RowError] = []

        def fail(key: str, message: str, row: int = number, into: list[RowError] = errors) -> None:
            into.append(RowError(row, _column_label(key), message))

        code = _text(cells[_INDEX["group"]])
        group = groups.get(code)
        if group is None:
            fail("group", gettext("Unknown group %(code)r.") % {"code": code})
        times: dict[str, dt.datetime | None] = {}
        for key in ("starts_at", "ends_at"):
            raw = cells[_INDEX[key]]
            times[key] = _when(raw)
            if times[key] is None:
                fail(
                    key,
                    gettext("%(value)r is not a date and time like 2022-11-28 08:00.")
                    % {"value": _text(raw)},
                )
        people: dict[str, User | None] = {}
        for key in ("post_a", "post_b"):
            username = _text(cells[_INDEX[key]])
            people[key] = user(username) if username else None
            if username and people[key] is None:
                fail(key, gettext("Unknown user %(username)r.") % {"username": username})
        starts_at, ends_at = times["starts_at"], times["ends_at"]
        post_a, post_b = people["post_a"], people["post_b"]
        problems = shift_problems(
            group=group, starts_at=starts_at, ends_at=ends_at, post_a=post_a, post_b=post_b
        )
        problems.pop("group", None)  # already reported as an unknown group
        if _text(cells[_INDEX["post_a"]]) and post_a is None:
            problems.pop("post_a", None)
        for name, messages in problems.items():
            for message in messages:
                fail(_FIELD_COLUMN.get(name, "group"), message)
        if (
            not errors
            and group is not None
            and starts_at is not None
            and ends_at is not None
            and post_a is not None
        ):
            for earlier in good:
                if (
                    earlier.group.pk == group.pk
                    and earlier.starts_at < ends_at
                    and earlier.ends_at > starts_at
                ):
                    fail(
                        "starts_at",
                        gettext("Overlaps the shift in row %(row)d of this file.")
                        % {"row": earlier.number},
                    )
            if not errors:
                good.append(
                    _Row(
                        number=number,
                        group=group,
                        starts_at=starts_at,
                        ends_at=ends_at,
                        post_a=post_a,
                        post_b=post_b,
                        note=_text(cells[_INDEX["note"]]),
                    )
                )
        report.errors.extend(errors)
    book.close()
    if report.errors:
        return report
    with transaction.atomic():
        # Lock the groups so no shift can slip in between the check above and these rows.
        list(Group.objects.select_for_update().filter(pk__in={row.group.pk for row in good}))
        for row in good:
            problems = shift_problems(
                group=row.group,
                starts_at=row.starts_at,
                ends_at=row.ends_at,
                post_a=row.post_a,
                post_b=row.post_b,
            )
            for name, messages in problems.items():
                report.errors.extend(
                    RowError(row.number, _column_label(_FIELD_COLUMN.get(name, "group")), m)
                    for m in messages
                )
            if not problems:
                report.created.append(
                    Shift.objects.create(
                        group=row.group,
                        starts_at=row.starts_at,
                        ends_at=row.ends_at,
                        post_a=row.post_a,
                        post_b=row.post_b,
                        note=row.note,
                    )
                )
        if report.errors:
            transaction.set_rollback(True)
            report.created = []
    return report
