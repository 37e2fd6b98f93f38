"""Backups of a Django site as one .tar.gz: the database, the key files, the uploaded files.

An archive holds ``manifest.json`` (format, database engine, application version, applied
migrations, creation time, sha256 and size of every other member), the database
(``database.sqlite3`` made with SQLite's online backup API, or ``database.pgdump`` made by
``pg_dump -Fc``), ``files/<name>`` for single files such as keys and ``trees/<tree>/<path>``
for directories such as the uploaded files.

Restoring checks everything first — the checksums, the engine, that the code knows every
migration the backup had applied, that the target is empty unless told otherwise — and only
then touches the database, and only after the database the files. Nothing here knows about
help requests; the management commands say which files and directories belong to the site.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder

FORMAT = "huying-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
_DUMP_NAMES = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
# The directories PostgreSQL's Debian/Ubuntu packages install their programs into, searched
# when the programs are not on PATH (they usually are not for a non-default version).
_PG_BIN_GLOB = "/usr/lib/postgresql/*/bin"


class BackupError(Exception):
    """A backup could not be made, or an archive is refused; the message says why."""


@dataclass(frozen=True)
class Site:
    """What belongs to the site besides its database.

    ``files`` maps a name in the archive to the file on disk (skipped when it does not exist;
    on restore, written there); a file of the archive not named there is restored into
    ``home``. ``trees`` does the same for directories.
    """

    files: Mapping[str, Path]
    trees: Mapping[str, Path]
    home: Path


# --- Making a backup ------------------------------------------------------------------------


def default_name(now: datetime) -> str:
    return f"huying-{now:%Y%m%d-%H%M%S}.tar.gz"


def backup_create(
    *,
    connection: BaseDatabaseWrapper,
    site: Site,
    output: Path,
    app_version: str,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Write the archive to ``output`` (atomically: whole or not at all); return its manifest."""
    engine = _engine(connection)
    created_at = (now or datetime.now(tz=UTC)).astimezone(UTC)
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="huying-backup-") as scratch:
        dump = Path(scratch) / _DUMP_NAMES[engine]
        if engine == "sqlite":
            _sqlite_dump(connection, dump)
        else:
            _pg_dump(connection, dump)
        members: list[tuple[str, Path]] = [(_DUMP_NAMES[engine], dump)]
        for name, path in sorted(site.files.items()):
            _check_name(name)
            if path.is_file():
                members.append((f"files/{name}", path))
        for tree, root in sorted(site.trees.items()):
            _check_name(tree)
            for path in _walk(root):
                members.append((f"trees/{tree}/{path.relative_to(root).as_posix()}", path))
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "engine": engine,
            "app_version": app_version,
            "migrations": sorted(_applied_migrations(connection)),
            "created_at": created_at.isoformat(),
            "members": {name: _digest(path) for name, path in members},
        }
        partial = output.with_name(f".{output.name}.partial")
        try:
            # The archive holds the secret key and the private keys: readable by the owner only.
            fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as tar:
                body = json.dumps(manifest, indent=2, ensure_ascii=False).encode()
                info = tarfile.TarInfo(MANIFEST)
                info.size = len(body)
                info.mtime = int(created_at.timestamp())
                info.mode = 0o600
                tar.addfile(info, io.BytesIO(body))
                for name, path in members:
                    _add_file(tar, name, path)
                tar.close()
                raw.flush()
                os.fsync(raw.fileno())
            os.replace(partial, output)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    return manifest


def _walk(root: Path) -> Iterator[Path]:
    if not root.is_dir():
        return
    for directory, _dirs, names in os.walk(root):
        for name in sorted(names):
            path = Path(directory) / name
            if path.is_file() and not path.is_symlink():
                yield path


def _add_file(tar: tarfile.TarFile, name: str, path: Path) -> None:
    info = tarfile.TarInfo(name)
    stat = path.stat()
    info.size = stat.st_size
    info.mtime = int(stat.st_mtime)
    info.mode = 0o600
    with path.open("rb") as handle:
        tar.addfile(info, handle)


def _sqlite_dump(connection: BaseDatabaseWrapper, target: Path) -> None:
    """Copy the live database with the online backup API: a consistent snapshot.

    In WAL mode the copy reads one snapshot while the site goes on writing, so it needs no
    downtime; the copy is switched out of WAL so that it is one self-contained file.
    """
    source = sqlite3.connect(_sqlite_path(connection), timeout=30)
    copy = sqlite3.connect(target)
    try:
        # pages=-1 (the default) copies everything in one step: one read transaction, one
        # snapshot. Copying in small steps would restart whenever the site writes.
        source.backup(copy)
        copy.execute("PRAGMA journal_mode=DELETE")
        result = copy.execute("PRAGMA integrity_check").fetchone()
        if result is None or result[0] != "ok":
            raise BackupError(f"The copy of the database failed its integrity check: {result}")
    finally:
        copy.close()
        source.close()


def _sqlite_path(connection: BaseDatabaseWrapper) -> str:
    name = str(connection.settings_dict["NAME"])
    if name == ":memory:" or name.startswith("file:"):
        raise BackupError(f"Cannot back up the SQLite database {name!r}: it is not a file.")
    return name


def pg_program(name: str) -> str:
    """The path of ``pg_dump`` or ``pg_restore``: on PATH, or the newest packaged one."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(
        Path("/").glob(_PG_BIN_GLOB.lstrip("/")),
        key=lambda path: _version_key(path.parent.name),
        reverse=True,
    )
    for directory in candidates:
        program = directory / name
        if program.is_file() and os.access(program, os.X_OK):
            return str(program)
    raise BackupError(
        f"{name} was not found on PATH or in {_PG_BIN_GLOB}; install the PostgreSQL client "
        "programs (Debian/Ubuntu: postgresql-client) of the server's version or newer."
    )


def _version_key(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split(".") if part.isdigit())


def _pg_args(connection: BaseDatabaseWrapper) -> tuple[list[str], dict[str, str]]:
    """Command-line options and environment for the PostgreSQL programs to reach the database."""
    settings = connection.settings_dict
    args = ["--dbname", str(settings["NAME"])]
    if settings.get("HOST"):
        args += ["--host", str(settings["HOST"])]
    if settings.get("PORT"):
        args += ["--port", str(settings["PORT"])]
    if settings.get("USER"):
        args += ["--username", str(settings["USER"])]
    env = {**os.environ}
    if settings.get("PASSWORD"):
        # The environment, not the command line, so the password is not in `ps`.
        env["PGPASSWORD"] = str(settings["PASSWORD"])
    return args, env


def _run(command: list[str], env: dict[str, str]) -> None:
    try:
        result = subprocess.run(  # noqa: S603 - the program path and options are ours
            command, env=env, capture_output=True, text=True, check=False
        )
    except OSError as exc:
        raise BackupError(f"Could not run {command[0]}: {exc}") from exc
    if result.returncode != 0:
        raise BackupError(
            f"{Path(command[0]).name} failed (exit {result.returncode}): {result.stderr.strip()}"
        )


def _pg_dump(connection: BaseDatabaseWrapper, target: Path) -> None:
    # pg_dump reads one snapshot (a repeatable-read transaction): consistent while the site
    # writes, and it blocks nobody but a schema change.
    args, env = _pg_args(connection)
    _run(
        [pg_program("pg_dump"), "--format=custom", "--no-owner", "--file", str(target), *args], env
    )


# --- Reading and restoring ------------------------------------------------------------------


def backup_read(path: Path, scratch: Path) -> dict[str, Any]:
    """Check the archive and unpack it into ``scratch``; return its manifest.

    Refused (``BackupError``): not there, not a gzip tar, no or a foreign manifest, a member
    missing, unexpected or with another sha256 than the manifest says, an unsafe name.
    """
    if not path.is_file():
        raise BackupError(f"There is no backup file at {path}.")
    try:
        with tarfile.open(path, mode="r:gz") as tar:
            manifest = _read_manifest(tar)
            expected: dict[str, Any] = manifest["members"]
            seen: set[str] = set()
            for member in tar:
                if member.name == MANIFEST:
                    continue
                if member.name not in expected or not member.isfile():
                    raise BackupError(f"The backup holds an unexpected member {member.name!r}.")
                _check_name(member.name)
                source = tar.extractfile(member)
                if source is None:
                    raise BackupError(f"The member {member.name!r} cannot be read.")
                target = scratch / "members" / member.name
                target.parent.mkdir(parents=True, exist_ok=True)
                digest = hashlib.sha256()
                with target.open("wb") as out:
                    while chunk := source.read(1024 * 1024):
                        digest.update(chunk)
                        out.write(chunk)
                if digest.hexdigest() != expected[member.name].get("sha256"):
                    raise BackupError(
                        f"The member {member.name!r} does not match its checksum: the backup "
                        "is damaged."
                    )
                seen.add(member.name)
    except (tarfile.TarError, EOFError, zlib.error, OSError, UnicodeDecodeError) as exc:
        raise BackupError(f"{path} is not a readable backup (damaged or truncated): {exc}") from exc
    missing = sorted(set(expected) - seen)
    if missing:
        raise BackupError(f"The backup is incomplete; missing: {', '.join(missing)}.")
    return manifest


def _read_manifest(tar: tarfile.TarFile) -> dict[str, Any]:
    try:
        member = tar.getmember(MANIFEST)
    except KeyError:
        raise BackupError("The file has no manifest.json: it is not a huying backup.") from None
    handle = tar.extractfile(member)
    if handle is None:
        raise BackupError("The manifest cannot be read.")
    try:
        manifest = json.loads(handle.read())
    except ValueError as exc:
        raise BackupError(f"The manifest is not valid JSON: {exc}") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError("The manifest is not a huying backup's.")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(
            f"The backup has format version {manifest.get('format_version')!r}; this version "
            f"reads {FORMAT_VERSION}."
        )
    members = manifest.get("members")
    migrations = manifest.get("migrations", [])
    if (
        not isinstance(members, dict)
        or not all(
            isinstance(m, dict) and isinstance(m.get("sha256"), str) for m in members.values()
        )
        or not isinstance(migrations, list)
        or not all(isinstance(m, str) for m in migrations)
        or manifest.get("engine") not in _DUMP_NAMES
    ):
        raise BackupError("The manifest lacks its members, migrations or database engine.")
    if _DUMP_NAMES[manifest["engine"]] not in members:
        raise BackupError("The manifest lists no database.")
    return manifest


def backup_restore(
    *,
    connection: BaseDatabaseWrapper,
    site: Site,
    path: Path,
    replace: bool,
) -> dict[str, Any]:
    """Restore the archive over the current database and files; return its manifest.

    Every check runs before anything is written, so a refused archive leaves the database
    and the files as they were. ``replace`` must be true when the database holds tables.
    The site must be stopped: a restore under a running site is not consistent.
    """
    engine = _engine(connection)
    with tempfile.TemporaryDirectory(prefix="huying-restore-") as scratch_dir:
        scratch = Path(scratch_dir)
        manifest = backup_read(path, scratch)
        if manifest["engine"] != engine:
            raise BackupError(
                f"The backup is of a {manifest['engine']} database, but this site runs on "
                f"{engine}; restore it on a {manifest['engine']} site (or move the data with "
                "dumpdata/loaddata)."
            )
        unknown = sorted(set(manifest.get("migrations", [])) - _known_migrations())
        if unknown:
            raise BackupError(
                "The backup was made by a newer version of the code: these migrations are "
                f"unknown here: {', '.join(unknown[:10])}. Upgrade the code, then restore."
            )
        if not replace and connection.introspection.table_names():
            raise BackupError(
                "The database is not empty. Restoring replaces everything in it; confirm with "
                "--yes."
            )
        members = scratch / "members"
        dump = members / _DUMP_NAMES[engine]
        connection.close()
        if engine == "sqlite":
            _sqlite_restore(connection, dump)
        else:
            _pg_restore(connection, dump)
        for name in manifest["members"]:
            source = members / name
            parts = PurePosixPath(name).parts
            if parts[0] == "files" and len(parts) == 2:
                _put(source, site.files.get(parts[1], site.home / parts[1]))
            elif parts[0] == "trees" and len(parts) > 2 and parts[1] in site.trees:
                _put(source, site.trees[parts[1]].joinpath(*parts[2:]))
    return manifest


def _put(source: Path, target: Path) -> None:
    """Write one file atomically (temporary file, then rename), owner-readable only."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.restoring")
    shutil.copyfile(source, partial)
    partial.chmod(0o600)
    os.replace(partial, target)


def _sqlite_restore(connection: BaseDatabaseWrapper, dump: Path) -> None:
    # The backup API writes the copy into the live file in one transaction of the target:
    # a reader sees the old database or the new one, and a failure leaves the old one.
    source = sqlite3.connect(dump)
    target = sqlite3.connect(_sqlite_path(connection), timeout=30)
    try:
        source.backup(target)
        # Back to the mode the site runs in (the copy was made self-contained, not WAL).
        target.execute("PRAGMA journal_mode=WAL")
    except sqlite3.Error as exc:
        raise BackupError(f"The database could not be restored: {exc}") from exc
    finally:
        target.close()
        source.close()


def _pg_restore(connection: BaseDatabaseWrapper, dump: Path) -> None:
    args, env = _pg_args(connection)
    # One transaction: a failure half-way rolls back, leaving the database as it was.
    _run(
        [
            pg_program("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            *args,
            str(dump),
        ],
        env,
    )


# --- Helpers --------------------------------------------------------------------------------


def _engine(connection: BaseDatabaseWrapper) -> str:
    vendor = str(connection.vendor)
    if vendor not in _DUMP_NAMES:
        raise BackupError(f"Backups of {vendor} databases are not supported.")
    return vendor


def _applied_migrations(connection: BaseDatabaseWrapper) -> set[str]:
    recorder = MigrationRecorder(connection)
    return {f"{app}.{name}" for app, name in recorder.applied_migrations()}


def _known_migrations() -> set[str]:
    loader = MigrationLoader(None, ignore_no_migrations=True, load=True)
    return {f"{app}.{name}" for app, name in loader.disk_migrations}


def _digest(path: Path) -> dict[str, Any]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(1024 * 1024):
            digest.update(chunk)
            size += len(chunk)
    return {"sha256": digest.hexdigest(), "size": size}


def _check_name(name: str) -> None:
    """Refuse names that could write outside the scratch directory or the site's paths."""
    pure = PurePosixPath(name)
    if not name or pure.is_absolute() or ".." in pure.parts or "\\" in name or "\x00" in name:
        raise BackupError(f"Unsafe name in the backup: {name!r}.")
