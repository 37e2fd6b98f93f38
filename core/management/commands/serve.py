"""Serve huying: the web server and the task worker together, until Ctrl-C stops both."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser


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
        worker = [python, "manage.py", "db_worker", "--no-reload", "--interval", "0.5"]
        processes = [
            subprocess.Popen(web, cwd=settings.BASE_DIR),  # noqa: S603 - our own interpreter
            subprocess.Popen(worker, cwd=settings.BASE_DIR),  # noqa: S603
        ]
        self.stdout.write(
            self.style.SUCCESS(f"huying is serving on http://{options['bind']}/ — Ctrl-C stops it.")
        )
        try:
            while all(process.poll() is None for process in processes):
                time.sleep(0.5)
            self.stderr.write("A process stopped on its own; stopping the rest.")
        except KeyboardInterrupt:
            self.stdout.write("Stopping…")
        finally:
            for process in processes:
                if process.poll() is None:
                    process.send_signal(signal.SIGTERM)
            for process in processes:
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
