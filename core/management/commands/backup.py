"""Back up the database, the keys and the uploaded files into one .tar.gz."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.db import connection

from core.backup_site import app_version, site_files
from lib.backup import BackupError, backup_create, default_name
from lib.commands import DocumentedCommand


class Command(DocumentedCommand):
    help = (
        "Write a backup: the database (SQLite: the online backup API, consistent while the "
        "site runs; PostgreSQL: pg_dump -Fc), the secret key, the federation and other keys "
        "of the data directory, and the uploaded files, with a manifest of checksums. The "
        "archive holds the keys: keep it as safe as the keys themselves."
    )
    epilog = """\
The archive is written whole or not at all (a partial file is removed), readable by its owner
only. Default: <data directory>/backups/huying-YYYYMMDD-HHMMSS.tar.gz (UTC).

examples:
  manage.py backup
  manage.py backup --output /srv/backups/huying-$(date +%F).tar.gz
  manage.py backup --no-keys          # the keys live in a secret store, not in backups
"""

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", type=Path, help="where to write the archive")
        parser.add_argument(
            "--no-keys",
            action="store_true",
            help="leave out the data directory's own files (secret key, federation and "
            "personal-data keys), for a site whose keys are kept apart in a secret store",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from django.conf import settings

        now = datetime.now(tz=UTC)
        output: Path = options["output"] or Path(settings.DATA_DIR) / "backups" / default_name(now)
        if output.is_dir():
            output = output / default_name(now)
        try:
            manifest = backup_create(
                connection=connection,
                site=site_files(keys=not options["no_keys"]),
                output=output,
                app_version=app_version(),
                now=now,
            )
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        members = manifest["members"]
        size = sum(int(member["size"]) for member in members.values())
        self.stdout.write(
            f"{output}  ({manifest['engine']}, {len(members)} members, {size} bytes before "
            "compression)"
        )
