"""Builds roster spreadsheets for the import tests."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook

HEADER = [
    "Group code",
    "Group name",
    "Start",
    "End",
    "A post username",
    "A post name",
    "B post username",
    "B post name",
    "Note",
]


def sheet(*rows: list[Any]) -> io.BytesIO:
    book = Workbook()
    ws = book.active
    ws.append(HEADER)
    for row in rows:
        ws.append(row)
    stream = io.BytesIO()
    book.save(stream)
    stream.seek(0)
    return stream


def row(
    group="medical",
    start="2022-11-28 08:00",
    end="2022-11-28 20:00",
    a="member_a",
    b="member_a2",
    note="",
) -> list[Any]:
    return [group, "", start, end, a, "", b, "", note]
