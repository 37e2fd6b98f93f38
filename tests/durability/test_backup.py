"""``manage.py backup`` and ``restore``: a consistent copy while the site writes, and refusals.

Runs on the suite's backend: SQLite files under ``tmp_path``, or scratch PostgreSQL databases
(``huying_durable_…`` and ``huying_restore_…``) created and dropped here.
"""

from __future__ import annotations

import gzip
import io
import json
import subprocess
import sys
import tarfile
import time
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from lib.backup import BackupError, backup_read
from tests.durability.conftest import ROOT, Site

# Files of the data directory that must travel with the database.
KEY_FILES = {
    "federation-ed25519.pem": b"-----BEGIN PRIVATE KEY-----\nnot a real key\n-----END PRIVATE KEY-----\n",
    "personal-data.key": b"0123456789abcdef0123456789abcdef",
}
MEDIA = {
    "attachments/2026/01/photo.jpg": b"\xff\xd8\xff\xe0 a photo",
    "documents/证明.pdf": b"%PDF-1.4",
}


def _table(site: Site, table: str) -> list[tuple[Any, ...]]:
    return site.rows(f"SELECT * FROM {table} ORDER BY id")  # noqa: S608 - our own table names


def _count(site: Site) -> int:
    return int(site.rows("SELECT count(*) FROM core_helprequest")[0][0])


def _restore(site: Site, archive: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return site.manage("restore", str(archive), *extra, check=False)


def _put_files(site: Site) -> None:
    site.data_dir.mkdir(parents=True, exist_ok=True)
    for name, content in KEY_FILES.items():
        (site.data_dir / name).write_bytes(content)
    for name, content in MEDIA.items():
        path = site.data_dir / "media" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)


@pytest.mark.serial
def test_backup_while_writing_restores_a_consistent_copy(site: Site, empty_site: Site) -> None:
    _put_files(site)
    writer = subprocess.Popen(
        [sys.executable, "-m", "tests.durability.writer"],
        cwd=ROOT,
        env=site.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while _count(site) < 20:
            assert writer.poll() is None, writer.stderr.read() if writer.stderr else ""
            assert time.monotonic() < deadline
            time.sleep(0.05)
        archive = site.data_dir.parent / "backup.tar.gz"
        made = site.manage("backup", "--output", str(archive))
        assert writer.poll() is None, "the writer stopped: the backup was not taken under writes"
        backed_up_at = _count(site)
        while _count(site) < backed_up_at + 5:  # it goes on writing after the snapshot
            assert time.monotonic() < deadline
            time.sleep(0.05)
    finally:
        writer.kill()
        writer.wait()
    assert str(archive) in made.stdout
    assert archive.stat().st_mode & 0o077 == 0, "the archive holds keys: owner-only"

    restored = _restore(empty_site, archive)
    assert restored.returncode == 0, restored.stderr

    # The copy is one moment of the source: a prefix of its requests (ids only grow, one
    # writer), each row equal, and exactly the events of those requests as they were then.
    requests = _table(empty_site, "core_helprequest")
    source_requests = _table(site, "core_helprequest")
    assert 20 <= len(requests) < len(source_requests)
    assert requests == source_requests[: len(requests)]
    kept = {row[0] for row in requests}
    events = _table(empty_site, "core_event")
    columns = (
        [name for (name,) in site.rows("SELECT name FROM pragma_table_info('core_event')")]
        if site.pg is None
        else [
            name
            for (name,) in site.rows(
                "SELECT column_name FROM information_schema.columns WHERE table_name = 'core_event' "
                "ORDER BY ordinal_position"
            )
        ]
    )
    request_column = columns.index("help_request_id")
    source_events = [row for row in _table(site, "core_event") if row[request_column] in kept]
    assert events == source_events
    assert {row[request_column] for row in events} == kept
    records = _table(empty_site, "core_idempotencyrecord")
    assert records == _table(site, "core_idempotencyrecord")[: len(records)]
    if site.pg is None:
        assert empty_site.rows("PRAGMA integrity_check") == [("ok",)]
        assert empty_site.rows("PRAGMA foreign_key_check") == []

    # The keys and the uploaded files came back, byte for byte, owner-readable only.
    secret = (site.data_dir / "secret_key").read_bytes()
    assert (empty_site.data_dir / "secret_key").read_bytes() == secret
    for name, content in KEY_FILES.items():
        assert (empty_site.data_dir / name).read_bytes() == content
        assert (empty_site.data_dir / name).stat().st_mode & 0o077 == 0
    for name, content in MEDIA.items():
        assert (empty_site.data_dir / "media" / name).read_bytes() == content


def _rewrite(
    archive: Path,
    target: Path,
    *,
    manifest: dict[str, Any] | None = None,
    rename: dict[str, str] | None = None,
    replace: dict[str, bytes] | None = None,
) -> None:
    """A copy of the archive with its manifest, member names or contents changed."""
    with tarfile.open(archive, "r:gz") as tar:
        members = {m.name: tar.extractfile(m).read() for m in tar if m.isfile()}  # type: ignore[union-attr]
    members["manifest.json"] = (
        json.dumps(manifest).encode() if manifest else members["manifest.json"]
    )
    for old, new in (rename or {}).items():
        members[new] = members.pop(old)
    members.update(replace or {})
    with tarfile.open(target, "w:gz") as tar:
        for name, content in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            tar.addfile(info, io.BytesIO(content))


def test_restore_refuses_bad_archives_and_leaves_the_database_alone(
    site: Site, tmp_path: Path
) -> None:
    archive = tmp_path / "good.tar.gz"
    site.manage("backup", "--output", str(archive))
    with tarfile.open(archive, "r:gz") as tar:
        manifest = json.loads(tar.extractfile("manifest.json").read())  # type: ignore[union-attr]
    engine = manifest["engine"]
    dump = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}[engine]
    # A change made after the backup: still there after every refusal, gone after --yes.
    site.rows("UPDATE core_category SET name = 'after the backup' WHERE code = 'medical'")

    def category_name() -> str:
        return str(site.rows("SELECT name FROM core_category WHERE code = 'medical'")[0][0])

    other = {"sqlite": "postgresql", "postgresql": "sqlite"}[engine]
    other_engine = tmp_path / "other.tar.gz"
    _rewrite(
        archive,
        other_engine,
        manifest={
            **manifest,
            "engine": other,
            "members": {
                (
                    {dump: {"sqlite": "database.pgdump", "postgresql": "database.sqlite3"}[engine]}
                ).get(k, k): v
                for k, v in manifest["members"].items()
            },
        },
        rename={dump: {"sqlite": "database.pgdump", "postgresql": "database.sqlite3"}[engine]},
    )
    newer = tmp_path / "newer.tar.gz"
    _rewrite(
        archive,
        newer,
        manifest={**manifest, "migrations": [*manifest["migrations"], "core.9999_from_the_future"]},
    )
    tampered = tmp_path / "tampered.tar.gz"
    _rewrite(archive, tampered, replace={dump: b"SQLite format 3\x00 but not the same bytes"})
    truncated = tmp_path / "truncated.tar.gz"
    truncated.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])

    refusals = {
        tmp_path / "missing.tar.gz": "There is no backup file",
        truncated: "not a readable backup",
        tampered: "does not match its checksum",
        other_engine: f"is of a {other} database",
        newer: "core.9999_from_the_future",
    }
    for path, reason in refusals.items():
        # In this process, where pytest-django refuses any database access: the refusal
        # comes before the command touches a database at all.
        with pytest.raises(CommandError, match=reason):
            call_command("restore", str(path), "--yes")
    result = _restore(site, archive)  # the site's database is not empty
    assert result.returncode != 0
    assert "CommandError" in result.stderr and "--yes" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert category_name() == "after the backup"

    result = _restore(site, archive, "--yes")
    assert result.returncode == 0, result.stderr
    assert category_name() != "after the backup"


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "not a readable backup"),
        (b"plain text, not gzip", "not a readable backup"),
        # mtime=0: the bytes, and so the test's id, are the same in every test process.
        (gzip.compress(b"gzip, but not a tar", mtime=0), "not a readable backup"),
    ],
)
def test_backup_read_refuses_what_is_not_an_archive(
    tmp_path: Path, content: bytes, reason: str
) -> None:
    path = tmp_path / "backup.tar.gz"
    path.write_bytes(content)
    with pytest.raises(BackupError, match=reason):
        backup_read(path, tmp_path)


def test_backup_read_refuses_unsafe_and_unlisted_members(tmp_path: Path) -> None:
    for name in ("../escape", "/etc/passwd-copy", "files/unlisted"):
        path = tmp_path / "backup.tar.gz"
        manifest = {
            "format": "huying-backup",
            "format_version": 1,
            "engine": "sqlite",
            "members": {
                "database.sqlite3": {"sha256": "0" * 64, "size": 0},
                name: {"sha256": "0" * 64, "size": 0},
            },
        }
        with tarfile.open(path, "w:gz") as tar:
            for member, content in (
                ("manifest.json", json.dumps(manifest).encode()),
                (name if name != "files/unlisted" else "files/other", b"x"),
            ):
                info = tarfile.TarInfo(member)
                info.size = len(content)
                tar.addfile(info, io.BytesIO(content))
        with pytest.raises(BackupError, match=r"Unsafe name|unexpected member"):
            backup_read(path, tmp_path / "scratch")
        assert not (tmp_path / "escape").exists()
