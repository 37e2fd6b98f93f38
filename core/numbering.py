"""Request numbers such as ``20220114-0097``: the day of receipt and that day's sequence."""

from __future__ import annotations

from datetime import date

from django.db import connection


def next_number(day: date) -> str:
    """Take the next number of ``day``; call inside the transaction that files the request.

    One upsert both creates the day's row and bumps it, so two concurrent creates can never
    read the same value: on PostgreSQL the second waits on the first's row lock, on SQLite
    writers are serialised anyway. A rolled-back create gives its number back.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO core_dailysequence (day, last) VALUES (%s, 1) "
            "ON CONFLICT (day) DO UPDATE SET last = core_dailysequence.last + 1 "
            "RETURNING last",
            [day.isoformat()],
        )
        row = cursor.fetchone()
    if row is None:  # RETURNING always yields the row it wrote; this would be a driver bug
        raise RuntimeError("The daily sequence upsert returned no row.")
    return f"{day:%Y%m%d}-{int(row[0]):04d}"
