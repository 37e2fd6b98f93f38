"""Configuration fails loudly: a bad value names the variable instead of starting wrongly."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from lib.env import env_bool, env_int, env_list, env_str

ROOT = Path(__file__).resolve().parent.parent.parent


def test_env_bool_accepts_the_usual_spellings(monkeypatch):
    for value, expected in [("true", True), ("ON", True), ("1", True), ("no", False), ("0", False)]:
        monkeypatch.setenv("HUYING_X", value)
        assert env_bool("HUYING_X", not expected) is expected


def test_env_bool_refuses_a_typo(monkeypatch):
    monkeypatch.setenv("HUYING_X", "ture")
    with pytest.raises(ImproperlyConfigured, match="HUYING_X='ture'"):
        env_bool("HUYING_X", False)


def test_env_int_refuses_text_and_values_below_minimum(monkeypatch):
    monkeypatch.setenv("HUYING_X", "ten")
    with pytest.raises(ImproperlyConfigured, match="not an integer"):
        env_int("HUYING_X", 1)
    monkeypatch.setenv("HUYING_X", "-5")
    with pytest.raises(ImproperlyConfigured, match="below the minimum"):
        env_int("HUYING_X", 1, minimum=0)


def test_empty_values_are_refused_not_taken_as_default(monkeypatch):
    monkeypatch.setenv("HUYING_X", "  ")
    with pytest.raises(ImproperlyConfigured):
        env_str("HUYING_X", "default")
    monkeypatch.setenv("HUYING_X", " , ")
    with pytest.raises(ImproperlyConfigured):
        env_list("HUYING_X", ["a"])


def test_unset_variables_take_the_default(monkeypatch):
    monkeypatch.delenv("HUYING_X", raising=False)
    assert env_str("HUYING_X", "d") == "d"
    assert env_list("HUYING_X", ["a"]) == ["a"]


# The process stops while reading its settings, before any database: one pass.
@pytest.mark.db_independent
@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("HUYING_DEBUG", "maybe", "HUYING_DEBUG"),
        ("HUYING_DATABASE_URL", "mysql://root@localhost/x", "SQLite and PostgreSQL"),
        ("HUYING_DATABASE_URL", "not a url", "HUYING_DATABASE_URL"),
        ("HUYING_SECRET_KEY", "short", "HUYING_SECRET_KEY"),
    ],
)
def test_the_process_refuses_to_start_with_a_bad_setting(tmp_path, name, value, says):
    env = {**os.environ, "HUYING_DATA_DIR": str(tmp_path), name: value}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert says in result.stderr
