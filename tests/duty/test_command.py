from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from duty.models import Shift
from duty.services import add_shift
from tests.conftest import _test_database_url
from tests.duty.conftest import local
from tests.duty.sheets import row, sheet


def _file(tmp_path, *rows):
    path = tmp_path / "roster.xlsx"
    path.write_bytes(sheet(*rows).getvalue())
    return path


def test_import_prints_how_many_shifts_it_added(roster, tmp_path):
    out = io.StringIO()
    call_command("roster", "import", str(_file(tmp_path, row())), stdout=out)
    assert "Imported 1 shifts" in out.getvalue()
    assert Shift.objects.count() == 1


def test_import_prints_each_error_and_exits_with_1(roster, tmp_path):
    out = io.StringIO()
    path = _file(tmp_path, row(), row(group="nowhere"), row(a="nobody"))
    with pytest.raises(CommandError) as failed:
        call_command("roster", "import", str(path), stdout=out)
    assert failed.value.returncode == 1
    assert "nothing was imported" in str(failed.value)
    assert out.getvalue().splitlines() == [
        "Row 3, A (Group code): Unknown group 'nowhere'.",
        "Row 4, E (A post username): Unknown user 'nobody'.",
    ]
    assert not Shift.objects.exists()


def test_export_writes_the_period_and_import_reads_it_back(roster, group_a, member_a, tmp_path):
    add_shift(group=group_a, starts_at=local(28, 8), ends_at=local(28, 20), post_a=member_a)
    path = tmp_path / "out.xlsx"
    out = io.StringIO()
    call_command(
        "roster", "export", "--from", "2022-11-28", "--to", "2022-11-29", str(path), stdout=out
    )
    assert out.getvalue().startswith("Exported 1 shifts")
    Shift.objects.all().delete()
    call_command("roster", "import", str(path), stdout=io.StringIO())
    assert Shift.objects.get().starts_at == local(28, 8)


def test_export_refuses_an_empty_period(db, tmp_path):
    with pytest.raises(CommandError):
        call_command(
            "roster",
            "export",
            "--from",
            "2022-11-28",
            "--to",
            "2022-11-28",
            str(tmp_path / "x.xlsx"),
        )


def test_the_real_command_exits_with_1_on_errors(transactional_db, tmp_path):
    path = _file(tmp_path, row(group="nowhere"))
    env = {**os.environ, "HUYING_DATABASE_URL": _test_database_url()}
    done = subprocess.run(  # noqa: S603 - our own manage.py with a path we made
        [sys.executable, "manage.py", "roster", "import", str(path)],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1
    # A command speaks the default language, Chinese.
    assert "第2行，A (工作组代码)：没有代码为'nowhere'的工作组。" in done.stdout
    assert "nothing was imported" in done.stderr
