"""Which files besides the database belong in huying's backup, and the code's version."""

from __future__ import annotations

import tomllib
from importlib import metadata
from pathlib import Path

from django.conf import settings

from lib.backup import Site

# Database files (the database travels as a consistent dump, never as a raw file copy, which
# could be torn while the site writes) and leftovers of interrupted writes.
_NOT_KEYS = (".sqlite3", ".sqlite3-wal", ".sqlite3-shm", ".sqlite3-journal", ".partial")


def site_files(*, keys: bool = True) -> Site:
    """The data directory's own files (secret key, federation and personal-data keys…) and media.

    Every regular file at the top of the data directory is taken, so a key added later is
    backed up without a change here; its subdirectories are not (static files are rebuilt by
    collectstatic, backups do not nest), except the uploaded files. ``keys=False`` leaves
    those files out (on restore nothing is left out: the archive decides).
    """
    data_dir = Path(settings.DATA_DIR)
    media = {"media": Path(settings.MEDIA_ROOT)}
    if not keys:
        return Site(files={}, trees=media, home=data_dir)
    files: dict[str, Path] = {}
    if data_dir.is_dir():
        for path in sorted(data_dir.iterdir()):
            if (
                path.is_file()
                and not path.is_symlink()
                and not path.name.startswith(".")
                and not path.name.endswith(_NOT_KEYS)
            ):
                files[path.name] = path
    # The federation key may be kept outside the data directory; it is put back where the
    # settings say.
    federation_key = Path(settings.HUYING_FEDERATION_KEY_FILE)
    files["federation-ed25519.pem"] = federation_key
    return Site(files=files, trees=media, home=data_dir)


def app_version() -> str:
    try:
        return metadata.version("huying")
    except metadata.PackageNotFoundError:
        pyproject = Path(settings.BASE_DIR) / "pyproject.toml"
        with pyproject.open("rb") as handle:
            return str(tomllib.load(handle)["project"]["version"])
