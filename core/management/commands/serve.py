"""Serve huying: the web server and the task worker together, until Ctrl-C stops both."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.tasks import start_sweeping
from reports.tasks import start_reporting


class Command(BaseCommand):
    help = (
        "Run the web server (gunicorn) and the task worker (db_worker) side by side. "
        "Ctrl-C stops both; if either dies, the other is stopped too, so a half-running "
        "system never goes unnoticed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--bind", default="127.0.0.1:8000", help="address:port to listen on")
        parser.add_argument("--workers", type=int, default=2, help="web server processes")
        parser.add_argument("--threads", type=int, default=4, help="threads per web process")
        parser.add_argument(
            "--trickle",
            type=float,
            default=0,
            metavar="SECONDS",
            help="also file a demo request about every SECONDS (manage.py trickle_demo); 0: off",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        python = sys.executable
        web = [
            python,
            "-m",
            "gunicorn",
            "huying.wsgi",
            "--bind",
            options["bind"],
            "--workers",
            str(options["workers"]),
            "--threads",
            str(options["threads"]),
            "--access-logfile",
            "-",
        ]
        # The clocks' sweep re-queues itself every 30 s; this starts the chain (once only).
        start_sweeping()
        # The daily report re-queues itself for HUYING_REPORT_AT; a missed day is caught up now.
        start_reporting()
        worker = [python, "manage.py", "db_worker", "--no-reload", "--interval", "0.5"]
        commands = [web, worker]
        if options["trickle"] > 0:
            # The demo's live movement: new requests keep arriving while it runs.
            commands.append(
                [python, "manage.py", "trickle_demo", "--every", str(options["trickle"])]
            )
        processes = [
            subprocess.Popen(command, cwd=settings.BASE_DIR)  # noqa: S603 - our own interpreter
            for command in commands
        ]
        # Ctrl-C reaches the children too (same process group); note it here so that their
        # exit is read as the stop it is, not as a crash.
        interrupted: list[int] = []
        signal.signal(signal.SIGINT, lambda signum, frame: interrupted.append(signum))
        signal.signal(signal.SIGTERM, lambda signum, frame: interrupted.append(signum))
        self.stdout.write(
            self.style.SUCCESS(f"huying is serving on http://{options['bind']}/ — Ctrl-C stops it.")
        )
        while not interrupted and all(process.poll() is None for process in processes):
            time.sleep(0.2)
        if interrupted:
            self.stdout.write("Stopping…")
        else:
            self.stderr.write("A process stopped on its own; stopping the rest.")
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        if not interrupted:
            raise CommandError("huying stopped because one of its processes did.")
