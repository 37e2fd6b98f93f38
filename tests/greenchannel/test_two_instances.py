"""Two real instances — two processes each, two databases, two key pairs, two ports — file a
stent transfer from one to the other, approve it at both ends, and keep going while the
destination is down for a while: its outbox delivers when it comes back.

Each instance is its own web server (gunicorn) and task worker over its own SQLite file and
data directory; they talk only over HTTP on 127.0.0.1, as two command centres would.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

# Both instances run on SQLite files of their own, whatever the suite's database: one pass.
pytestmark = [pytest.mark.db_independent, pytest.mark.serial]

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Instance:
    """One huying: its settings, its database, its web server and its task worker."""

    def __init__(self, code: str, name: str, home: Path) -> None:
        self.code, self.name, self.home = code, name, home
        self.port = free_port()
        home.mkdir(parents=True, exist_ok=True)
        self.env = {
            **os.environ,
            "HUYING_DATA_DIR": str(home),
            "HUYING_DATABASE_URL": f"sqlite:///{home / 'huying.sqlite3'}",
            "HUYING_INSTANCE_ID": code,
            "HUYING_INSTANCE_NAME": name,
            "HUYING_FEDERATION_FIRST_RETRY_SECONDS": "1",
            "HUYING_SECRET_KEY": f"two-instance-test-secret-key-{code}-0123456789",
        }
        self.env.pop("HUYING_REDIS_URL", None)
        self.web: subprocess.Popen[bytes] | None = None
        self.worker: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def manage(self, *args: str) -> str:
        done = subprocess.run(  # noqa: S603 - our own interpreter and manage.py
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout.strip()

    def python(self, code: str) -> str:
        """Run ``code`` inside this instance (its settings, its database); what it printed."""
        return self.manage("shell", "--no-imports", "-c", code)

    def start_web(self) -> None:
        self.web = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [
                sys.executable,
                "-m",
                "gunicorn",
                "huying.wsgi",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                "1",
                "--threads",
                "4",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                identity = f"{self.url}/federation/v1/identity"
                with urllib.request.urlopen(identity, timeout=1) as answer:  # noqa: S310
                    if answer.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise AssertionError(f"{self.code} did not come up on {self.url}")

    def stop_web(self) -> None:
        if self.web is not None:
            self.web.terminate()
            self.web.wait(timeout=20)
            self.web = None

    def start_worker(self) -> None:
        self.worker = subprocess.Popen(
            [
                sys.executable,
                "manage.py",
                "db_worker",
                "--no-reload",
                "--no-startup-delay",
                "--interval",
                "0.2",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def stop(self) -> None:
        self.stop_web()
        if self.worker is not None:
            self.worker.terminate()
            self.worker.wait(timeout=20)

    def identity(self) -> dict[str, Any]:
        with urllib.request.urlopen(f"{self.url}/federation/v1/identity", timeout=5) as answer:  # noqa: S310
            return dict(json.loads(answer.read()))

    def query(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        """Rows straight from this instance's SQLite file: a poll needs no process of its own."""
        db = sqlite3.connect(self.home / "huying.sqlite3", timeout=30)
        try:
            return db.execute(sql, params).fetchall()
        finally:
            db.close()

    def status(self, uid: str) -> str:
        # Django keeps a UUID on SQLite as its 32 hex digits.
        rows = self.query(
            "SELECT status FROM greenchannel_filing WHERE uid = ?", uuid.UUID(uid).hex
        )
        return str(rows[0][0]) if rows else "-"

    def has_file(self, uid: str) -> bool:
        """The filing's file has arrived whole (its row is written once every part is in)."""
        return bool(
            self.query(
                "SELECT 1 FROM greenchannel_filingfile JOIN greenchannel_filing"
                " ON greenchannel_filing.id = greenchannel_filingfile.filing_id"
                " WHERE greenchannel_filing.uid = ?",
                uuid.UUID(uid).hex,
            )
        )

    def step(self, uid: str, step: str) -> None:
        self.python(
            "from accounts.models import User, Role\n"
            "from core.access import Actor\n"
            "from greenchannel.models import Filing\n"
            "from greenchannel.services import filing_step\n"
            "user, _ = User.objects.get_or_create(username='duty', defaults={'role': Role.DISPATCHER})\n"
            f"filing_step(Filing.objects.get(uid={uid!r}), {step!r}, actor=Actor(user=user))"
        )

    def wait_for(self, uid: str, status: str, seconds: float = 40) -> None:
        deadline = time.monotonic() + seconds
        seen = ""
        while time.monotonic() < deadline:
            seen = self.status(uid)
            if seen == status:
                return
            time.sleep(0.1)
        raise AssertionError(f"{self.code}: filing {uid} is {seen!r}, not {status!r}")


#: A scanned letter as a PDF of 1.2 MB: three parts on the way.
LETTER = b"%PDF-1.4\n" + b"%" * 1_200_000 + b"\n%%EOF\n"


@pytest.fixture
def two_instances(tmp_path: Path) -> Iterator[tuple[Instance, Instance]]:
    jiaozuo = Instance("jiaozuo", "焦作市疫情防控指挥部", tmp_path / "jiaozuo")
    zhengzhou = Instance("zhengzhou", "郑州市疫情防控指挥部", tmp_path / "zhengzhou")
    # One migration run; the second database starts as a copy of the first, empty one.
    jiaozuo.manage("migrate", "--noinput", "-v", "0")
    shutil.copy(jiaozuo.home / "huying.sqlite3", zhengzhou.home / "huying.sqlite3")
    try:
        for instance in (jiaozuo, zhengzhou):
            instance.start_web()
            instance.start_worker()
        for here, there in ((jiaozuo, zhengzhou), (zhengzhou, jiaozuo)):
            identity = there.identity()
            here.manage(
                "federation",
                "add-peer",
                "--id",
                identity["id"],
                "--name",
                identity["name"],
                "--url",
                there.url,
                "--public-key",
                identity["public_key"],
            )
        yield jiaozuo, zhengzhou
    finally:
        jiaozuo.stop()
        zhengzhou.stop()


def test_a_stent_transfer_between_two_command_centres(two_instances):
    jiaozuo, zhengzhou = two_instances
    assert jiaozuo.identity()["public_key"] != zhengzhou.identity()["public_key"]
    start = timezone.now() - timedelta(minutes=5)
    data = {
        "kind": "medical_supplies",
        "origin_place": "郑州大学第一附属医院",
        "destination_place": "焦作市人民医院",
        "cargo": "覆膜支架1套（腹主动脉瘤）",
        "vehicle_plate": "豫A·12345",
        "driver_name": "张伟",
        "driver_phone": "13803710001",
        "route": "郑州—郑焦城际高速—焦作",
        "window_start": start.isoformat(),
        "window_end": (start + timedelta(hours=6)).isoformat(),
        "origin_contact": "郑州值班室",
        "origin_contact_phone": "037112345678",
    }
    letter = zhengzhou.home / "letter.pdf"
    letter.write_bytes(LETTER)
    uid = zhengzhou.python(
        "import json\n"
        "from accounts.models import User, Role\n"
        "from core.access import Actor\n"
        "from federation.models import Peer\n"
        "from greenchannel.services import filing_create, filing_step\n"
        "user, _ = User.objects.get_or_create(username='duty', defaults={'role': Role.DISPATCHER})\n"
        f"f = filing_create(actor=Actor(user=user), peer=Peer.objects.get(code='jiaozuo'), data=json.loads({json.dumps(data, ensure_ascii=False)!r}))\n"
        # The hospital's letter, big enough to travel in three parts, goes with the filing.
        "from django.core.files.uploadedfile import SimpleUploadedFile\n"
        "from greenchannel.files import filing_attach\n"
        f"letter = open({str(letter)!r}, 'rb').read()\n"
        "filing_attach(f, actor=Actor(user=user), upload=SimpleUploadedFile('医院证明.pdf', letter))\n"
        "filing_step(f, 'approve_origin', actor=Actor(user=user))\n"
        "print(f.uid)"
    ).splitlines()[-1]

    jiaozuo.wait_for(uid, "origin_approved")  # filed and approved at origin, seen at destination
    # The letter follows in its parts and arrives whole.
    deadline = time.monotonic() + 40
    while not jiaozuo.has_file(uid):
        assert time.monotonic() < deadline, "the letter did not arrive"
        time.sleep(0.1)
    digest = jiaozuo.python(
        "from greenchannel.models import FilingFile\n"
        f"f = FilingFile.objects.filter(filing__uid={uid!r}).first()\n"
        "import hashlib\n"
        "print(hashlib.sha256(f.file.read()).hexdigest() if f else '-')"
    ).splitlines()[-1]
    assert digest == hashlib.sha256(LETTER).hexdigest()
    jiaozuo.step(uid, "approve")
    zhengzhou.wait_for(uid, "approved")

    # Approved at both ends: the origin issued the pass. The destination's checkpoint verifies
    # it with the origin's public key alone; a pass changed by hand is forged.
    token = zhengzhou.python(
        "from greenchannel.models import Filing\n"
        f"print(Filing.objects.get(uid={uid!r}).passes.get().token)"
    ).splitlines()[-1]
    check = (
        "import sys\n"
        "from greenchannel.passes import verify_token\n"
        "print(verify_token({token!r}).outcome)"
    )
    assert jiaozuo.python(check.format(token=token)).splitlines()[-1] == "valid"
    forged = token[:-6] + ("AAAAAA" if not token.endswith("AAAAAA") else "BBBBBB")
    assert jiaozuo.python(check.format(token=forged)).splitlines()[-1] == "forged"

    # The destination goes down; the origin keeps working and its message waits.
    jiaozuo.stop_web()
    zhengzhou.step(uid, "depart")
    # Until at least one delivery has failed; the next retry comes after 1 s, 2 s …
    deadline = time.monotonic() + 30
    while True:
        delivered_at, attempts, last_error = zhengzhou.query(
            "SELECT delivered_at, attempts, last_error FROM federation_outboxmessage"
            " WHERE kind = 'gc.step' ORDER BY id DESC LIMIT 1"
        )[0]
        if attempts >= 1 or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert delivered_at is None and attempts >= 1, (delivered_at, attempts, last_error)
    assert "unreachable" in last_error.split(":")[0]
    assert jiaozuo.status(uid) == "approved"

    jiaozuo.start_web()  # back: the outbox delivers, nothing lost
    jiaozuo.wait_for(uid, "in_transit")
    jiaozuo.step(uid, "arrive")
    zhengzhou.wait_for(uid, "arrived")

    timelines = [
        json.loads(
            instance.python(
                "import json\n"
                "from greenchannel.models import Filing\n"
                f"print(json.dumps([[e.kind, e.side] for e in Filing.objects.get(uid={uid!r}).events.all()]))"
            )
        )
        for instance in (zhengzhou, jiaozuo)
    ]
    # Both record the letter once, as the origin's; it was attached before it was sent, so
    # the two sides have it at different places in their timelines.
    for timeline in timelines:
        assert timeline.count(["file_added", "origin"]) == 1
        timeline.remove(["file_added", "origin"])
    # The origin's own record has two more steps: filing, and issuing the pass.
    assert [step for step in timelines[0] if step[0] not in ("filed", "pass_issued")] == timelines[
        1
    ]
    assert ["pass_issued", "origin"] in timelines[0]
    assert timelines[1] == [
        ["approve_origin", "origin"],
        ["approve", "destination"],
        ["depart", "origin"],
        ["arrive", "destination"],
    ]
