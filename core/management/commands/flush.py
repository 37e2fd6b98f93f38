"""``manage.py flush`` that also empties the append-only personal data access log on SQLite.

The log's table refuses DELETE by trigger (migration 0009). PostgreSQL's flush empties tables
with TRUNCATE, which row triggers do not see, so there ``flush`` (and the test runner, which
flushes between transactional tests) erases everything as Django intends. SQLite's flush
uses DELETE, which the trigger refuses; this command lifts the trigger for the flush only,
inside the same transaction, so that both databases behave alike. Emptying the whole
database is an administrator's act, not an edit of the log; every other DELETE is refused.
"""

from __future__ import annotations

from typing import Any

from django.core.management.commands.flush import Command as DjangoFlush
from django.db import connections, transaction

TRIGGER = "core_personaldataaccess_no_delete"


class Command(DjangoFlush):
    def handle(self, **options: Any) -> None:
        connection = connections[options["database"]]
        if connection.vendor != "sqlite":
            super().handle(**options)
            return
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            cursor.execute(
                "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = %s", [TRIGGER]
            )
            row = cursor.fetchone()
            if row is not None:
                cursor.execute(f"DROP TRIGGER {TRIGGER}")
            super().handle(**options)
            if row is not None:
                cursor.execute(row[0])
