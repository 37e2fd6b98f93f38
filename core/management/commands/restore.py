"""Restore a backup made by ``manage.py backup`` over this site's database and files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.db import connection

from core.backup_site import site_files
from lib.backup import BackupError, backup_restore
from lib.commands import DocumentedCommand


class Command(DocumentedCommand):
    help = (
        "Restore a backup: replace the database with the archive's and put back the keys and "
        "the uploaded files. Stop the web server and the task worker first. Everything is "
        "checked before anything is written; a refused archive leaves the site as it was."
    )
    epilog = """\
Refused: a missing, damaged or truncated archive (checksums), a backup of the other database
engine, a backup made by newer code (migrations this code does not know), and a database
that already holds tables unless --yes is given. After a restore of an older backup, run
`manage.py migrate`.

examples:
  manage.py restore var/backups/huying-20260101-003000.tar.gz            # into an empty site
  manage.py restore /srv/backups/huying-2026-01-01.tar.gz --yes          # replace everything
"""

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="the archive to restore")
        parser.add_argument(
            "--yes",
            action="store_true",
            help="replace a database that is not empty (everything in it is lost)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            manifest = backup_restore(
                connection=connection,
                site=site_files(),
                path=options["path"],
                replace=options["yes"],
            )
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Restored {options['path']} ({manifest['engine']}, made {manifest['created_at']} "
            f"by huying {manifest['app_version']}). Run `manage.py migrate` if the code is newer."
        )
