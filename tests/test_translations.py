"""Every user-facing string has a Chinese translation, and the compiled catalogue is current.

The source strings are English; Simplified Chinese is the default language, so a string
missing from the catalogue would show up in English on a Chinese screen.
"""

from __future__ import annotations

import ast
import gettext
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

# The catalogue and the code are the same whatever the database: checked in one pass only.
pytestmark = pytest.mark.db_independent

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
#: Every package of the project (a new app is picked up without editing this) and the templates.
SOURCES = [
    *sorted(
        path.name
        for path in ROOT.iterdir()
        if (path / "__init__.py").exists() and path.name not in {"tests", "bench"}
    ),
    "templates",
]


def read_po(path: Path) -> dict[str, tuple[str, bool]]:
    """msgid → (msgstr, fuzzy); entries are the blank-line separated blocks of the file.

    A message with a context is keyed as gettext keys it, ``context\\x04msgid``.
    """
    entries: dict[str, tuple[str, bool]] = {}
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        fields: dict[str, list[str]] = {}
        current: list[str] | None = None
        fuzzy = False
        for line in block.splitlines():
            if line.startswith("#,") and "fuzzy" in line:
                fuzzy = True
            elif line.startswith("#"):
                continue
            elif line.startswith('"') and current is not None:
                current.append(ast.literal_eval(line))
            elif " " in line:
                keyword, quoted = line.split(" ", 1)
                current = fields.setdefault(keyword, [])
                current.append(ast.literal_eval(quoted))
        msgid = "".join(fields.get("msgid", []))
        if "msgctxt" in fields:
            # gettext's key for a message with a context: "context\x04msgid".
            msgid = "".join(fields["msgctxt"]) + "\x04" + msgid
        if msgid:
            msgstr = "".join(fields.get("msgstr", fields.get("msgstr[0]", [])))
            entries[msgid] = (msgstr, fuzzy)
    return entries


def test_every_string_has_a_chinese_translation():
    entries = read_po(CATALOGUE)
    missing = [msgid for msgid, (msgstr, _) in entries.items() if not msgstr]
    fuzzy = [msgid for msgid, (_, is_fuzzy) in entries.items() if is_fuzzy]
    assert missing == []
    assert fuzzy == []


def test_catalogue_lists_every_string_in_the_code(tmp_path):
    # Extract afresh from a copy of the sources and compare with the committed catalogue.
    for name in SOURCES:
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "manage.py", tmp_path / "manage.py")
    (tmp_path / "locale").mkdir()
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "--locale", "zh_Hans", "--no-location"],
        cwd=tmp_path,
        check=True,
        capture_output=True,
        env={"HUYING_DATA_DIR": str(tmp_path / "var"), "PATH": "/usr/bin:/bin"},
    )
    fresh = set(read_po(tmp_path / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"))
    committed = set(read_po(CATALOGUE))
    assert sorted(fresh - committed) == []


def test_compiled_catalogue_matches_the_source_catalogue():
    with CATALOGUE.with_suffix(".mo").open("rb") as compiled:
        catalogue = gettext.GNUTranslations(compiled)
    stale = [
        msgid
        for msgid, (msgstr, _) in read_po(CATALOGUE).items()
        if catalogue.gettext(msgid) != msgstr and "\x04" not in msgid
    ]
    assert stale == [], "run `make messages` to recompile"
