"""``manage.py personal_data``: keys for personal data at rest — make one, see which are in
use, re-encrypt everything with the current one."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import CommandError, CommandParser

from core.personal_data import RotationCounts, requester_keys_in_use, requester_reencrypt
from lib.commands import DocumentedCommand
from lib.fieldcrypt import DecryptionError, keyring, new_key


class Command(DocumentedCommand):
    help = "Manage the keys that encrypt requesters' personal data (see docs/personal-data.md)."
    epilog = """Subcommands
  new-key       print a fresh random key (for HUYING_PERSONAL_DATA_KEYS or HUYING_LOOKUP_KEY)
  status        count the stored values by the id of the key that encrypted them
  rotate-keys   encrypt again, with the first key of HUYING_PERSONAL_DATA_KEYS, every value
                still under another key; with --rehash also recompute the lookup hashes from
                the decrypted values under the current HUYING_LOOKUP_KEY (no old lookup key
                is needed). Batches of --batch-size rows, each its own transaction; if it is
                interrupted, run it again: rows already done are skipped.

Rotating the encryption key
  1. manage.py personal_data new-key                      -> NEW
  2. HUYING_PERSONAL_DATA_KEYS=NEW,OLD  (restart every process: new writes use NEW)
  3. manage.py personal_data rotate-keys
  4. manage.py personal_data status                       -> only NEW's id is listed
  5. HUYING_PERSONAL_DATA_KEYS=NEW      (restart; keep OLD in the backup vault with the
                                         backups it can still open)
Changing the lookup key
  HUYING_LOOKUP_KEY=NEW, restart, then at once: manage.py personal_data rotate-keys --rehash
  (until it finishes, phone look-ups miss the rows not yet rehashed).

Examples
  manage.py personal_data status
  manage.py personal_data rotate-keys --batch-size 1000
"""

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        actions.add_parser("new-key", help="print a fresh random key")
        actions.add_parser("status", help="count stored values per key id")
        rotate = actions.add_parser("rotate-keys", help="re-encrypt with the current first key")
        rotate.add_argument("--rehash", action="store_true", help="recompute the lookup hashes too")
        rotate.add_argument("--batch-size", type=int, default=500, metavar="N")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "new-key":
            self.stdout.write(new_key())
            return
        if action == "status":
            self.stdout.write(
                json.dumps(
                    {"current_key": keyring().primary_id, "values": requester_keys_in_use()},
                    sort_keys=True,
                )
            )
            return
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1.")

        def progress(counts: RotationCounts) -> None:
            self.stderr.write(
                f"{counts.rows} rows read, {counts.reencrypted} re-encrypted, "
                f"{counts.rehashed} rehashed"
            )

        try:
            counts = requester_reencrypt(
                rehash=options["rehash"], batch_size=options["batch_size"], progress=progress
            )
        except DecryptionError as error:
            raise CommandError(
                f"{error}. Add the old key to HUYING_PERSONAL_DATA_KEYS (after the new one) "
                "and run again; rows done so far are kept."
            ) from error
        self.stdout.write(
            json.dumps(
                {
                    "current_key": keyring().primary_id,
                    "rows": counts.rows,
                    "reencrypted": counts.reencrypted,
                    "rehashed": counts.rehashed,
                },
                sort_keys=True,
            )
        )
