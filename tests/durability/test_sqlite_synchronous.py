"""HUYING_SQLITE_SYNCHRONOUS: FULL reaches SQLite's connections; anything else stops the start."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.durability.conftest import ROOT

# A SQLite file of its own, whatever the suite's database: one pass.
pytestmark = pytest.mark.db_independent

PROBE = (
    "import django; django.setup(); from django.db import connection; "
    "cursor = connection.cursor(); cursor.execute('PRAGMA synchronous'); "
    "print(cursor.fetchone()[0])"
)


def _probe(tmp_path: Path, value: str | None) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "huying.settings",
        "HUYING_DATA_DIR": str(tmp_path),
        "HUYING_DATABASE_URL": f"sqlite:///{tmp_path / 'probe.sqlite3'}",
    }
    env.pop("HUYING_SQLITE_SYNCHRONOUS", None)
    if value is not None:
        env["HUYING_SQLITE_SYNCHRONOUS"] = value
    return subprocess.run(  # noqa: S603
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_full_makes_every_commit_sync(tmp_path: Path) -> None:
    # SQLite's codes: 1 NORMAL, 2 FULL.
    assert _probe(tmp_path, None).stdout.strip() == "1"
    assert _probe(tmp_path, "full").stdout.strip() == "2"


def test_another_value_stops_the_start(tmp_path: Path) -> None:
    result = _probe(tmp_path, "OFF")
    assert result.returncode != 0
    assert "HUYING_SQLITE_SYNCHRONOUS='OFF'" in result.stderr
