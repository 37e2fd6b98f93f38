"""Request numbers such as ``20220114-0097``: the day of receipt and that day's sequence.

The promise: numbers of a day have no holes. A number is taken in the transaction that files
the request, so a create that rolls back (a refused answer on the line, a failed insert)
gives its number back. That is why a day's sequence is a row, ``DailySequence``, bumped by
one atomic upsert, and not a database sequence (which never gives a value back) or a
``count() + 1`` (which two creates would read alike).

The row is locked from its upsert until the filing transaction commits, and every create of
the day queues on it. How long it is held depends on the database:

- SQLite has one writer at a time: the filing transaction takes the whole database at its
  ``BEGIN IMMEDIATE``, so when the number is taken inside it changes nothing. ``number_for``
  gives the real number and the request is inserted with it.
- PostgreSQL runs the creates side by side and only the day's row serialises them. There
  ``number_for`` gives a unique placeholder, the request and its events are inserted with it,
  and ``assign`` takes the number and writes it into the row in one statement, the last
  before the commit: the lock is held for that statement and the commit, not for the
  whole create.
"""

from __future__ import annotations

import secrets
from datetime import date

from django.db import connection
from django.utils import timezone

from core.models import HelpRequest

#: Marks a request whose number ``assign`` has yet to write; never seen outside its transaction.
PLACEHOLDER_PREFIX = "~"

_UPSERT = (
    "INSERT INTO core_dailysequence (day, last) VALUES (%s, 1) "
    "ON CONFLICT (day) DO UPDATE SET last = core_dailysequence.last + 1 "
    "RETURNING last"
)

#: PostgreSQL only (SQLite allows no INSERT inside WITH): bump the day's row and write the
#: number into the request in one statement.
_NUMBER_THE_ROW = (
    "WITH seq AS ("
    "INSERT INTO core_dailysequence (day, last) VALUES (%s, 1) "
    "ON CONFLICT (day) DO UPDATE SET last = core_dailysequence.last + 1 "
    "RETURNING last) "
    "UPDATE core_helprequest SET number = %s || '-' || "
    "lpad(seq.last::text, greatest(4, length(seq.last::text)), '0') "
    "FROM seq WHERE core_helprequest.id = %s "
    "RETURNING core_helprequest.number"
)


def format_number(day: date, sequence: int) -> str:
    """Past 9,999 in a day the sequence simply grows a digit."""
    return f"{day:%Y%m%d}-{sequence:04d}"


def next_number(day: date) -> str:
    """Take the next number of ``day``; call inside the transaction that files the request.

    One upsert both creates the day's row and bumps it, so two concurrent creates can never
    read the same value: on PostgreSQL the second waits on the first's row lock, on SQLite
    writers are serialised anyway. A rolled-back create gives its number back.
    """
    with connection.cursor() as cursor:
        cursor.execute(_UPSERT, [day.isoformat()])
        row = cursor.fetchone()
    if row is None:  # RETURNING always yields the row it wrote; this would be a driver bug
        raise RuntimeError("The daily sequence upsert returned no row.")
    return format_number(day, int(row[0]))


def _taken_last() -> bool:
    return connection.vendor == "postgresql"


def number_for(day: date) -> str:
    """What to insert a new request of ``day`` with: its number, or a placeholder on
    PostgreSQL that ``assign`` replaces (see the module's doc)."""
    if _taken_last():
        # 18 random hex digits: two creates in flight never draw the same one, and the
        # column's unique index would refuse it if they did rather than mix them up.
        return PLACEHOLDER_PREFIX + secrets.token_hex(9)
    return next_number(day)


def assign(help_request: HelpRequest) -> None:
    """Give a request inserted with a placeholder its number, in place; call it as the last
    statement of the filing transaction. A request that has its number is left as it is."""
    if not help_request.number.startswith(PLACEHOLDER_PREFIX):
        return
    day = timezone.localdate(help_request.received_at)
    with connection.cursor() as cursor:
        # One statement bumps the day's row and writes the number: the row stays locked
        # only until the commit that follows. lpad would cut a 5-digit sequence, hence greatest.
        cursor.execute(
            _NUMBER_THE_ROW,
            [day.isoformat(), f"{day:%Y%m%d}", help_request.pk],
        )
        row = cursor.fetchone()
    if row is None:
        raise RuntimeError(f"Request {help_request.pk} was not there to be numbered.")
    help_request.number = str(row[0])
