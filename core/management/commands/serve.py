"""Serve huying: the web server and the task worker together, until Ctrl-C stops both.

The web server is gunicorn managing uvicorn processes (``huying/server.py``): each answers
live streams on its event loop and runs other requests on ``--threads`` threads.

``--production`` is the documented way to run it for real (docs/deployment.md): gunicorn
with one process per core and more, the task worker(s), metrics across the processes, and
a refusal to start on a configuration that is only fit for a demonstration.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.tasks import start_sweeping
from huying.server import gunicorn_command
from reports.tasks import start_reporting

#: More web processes than this gains nothing on one machine but memory use.
MAX_DEFAULT_WORKERS = 12


def default_workers() -> int:
    """gunicorn's rule of thumb, two per core and one, capped."""
    return min(2 * (os.cpu_count() or 1) + 1, MAX_DEFAULT_WORKERS)


def production_refusals(*, allow_sqlite: bool) -> list[str]:
    """Why this configuration must not serve the public; empty when it may."""
    refusals = []
    if settings.DEBUG:
        refusals.append(
            "HUYING_DEBUG is on: debug pages show code and settings to anyone. Unset it."
        )
    if "HUYING_ALLOWED_HOSTS" not in os.environ:
        refusals.append(
            "HUYING_ALLOWED_HOSTS is not set: list the host names the site is reached by "
            "(e.g. HUYING_ALLOWED_HOSTS=huying.example.gov.cn)."
        )
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3") and not allow_sqlite:
        refusals.append(
            "The database is SQLite: set HUYING_DATABASE_URL to PostgreSQL, or pass "
            "--allow-sqlite to accept one machine, one writer at a time."
        )
    return refusals


def prepare_metrics_dir() -> Path:
    """An empty directory for the processes' metric files, exported to the children.

    Files left by an earlier run would add its counts to this one's.
    """
    directory = Path(settings.DATA_DIR) / "prometheus"
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(directory)
    return directory


class Command(BaseCommand):
    help = (
        "Run the web server (gunicorn with uvicorn workers) and the task worker (db_worker) side by side. "
        "Ctrl-C stops both; if either dies, the other is stopped too, so a half-running "
        "system never goes unnoticed. SIGHUP restarts the web workers gracefully. "
        "--production refuses DEBUG, SQLite (unless --allow-sqlite) and unset "
        "HUYING_ALLOWED_HOSTS; see docs/deployment.md."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--bind", default="127.0.0.1:8000", help="address:port to listen on")
        parser.add_argument(
            "--production",
            action="store_true",
            help="production serving: more workers, checks of the configuration",
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help=f"web server processes; 0: none (a task-only machine). Default 2, or with "
            f"--production two per core plus one, at most {MAX_DEFAULT_WORKERS}",
        )
        parser.add_argument(
            "--threads",
            type=int,
            default=4,
            help="threads per web process that run requests; live streams need none",
        )
        parser.add_argument(
            "--timeout",
            type=int,
            default=30,
            help="seconds a request may take before gunicorn restarts its worker",
        )
        parser.add_argument(
            "--graceful-timeout",
            type=int,
            default=30,
            help="seconds a stopping worker may finish its requests in",
        )
        parser.add_argument(
            "--task-workers",
            type=int,
            default=1,
            help="task worker processes (db_worker); 0: none (a web-only machine)",
        )
        parser.add_argument(
            "--allow-sqlite",
            action="store_true",
            help="with --production, accept SQLite (one machine only)",
        )
        parser.add_argument(
            "--trickle",
            type=float,
            default=0,
            metavar="SECONDS",
            help="also file a demo request about every SECONDS (manage.py trickle_demo); 0: off",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        production = bool(options["production"])
        workers = options["workers"]
        if workers is None:
            workers = default_workers() if production else 2
        if workers < 0 or options["task_workers"] < 0 or options["threads"] < 1:
            raise CommandError(
                "--workers and --task-workers cannot be negative, --threads below 1."
            )
        if workers == 0 and options["task_workers"] == 0:
            raise CommandError("Nothing to run: both --workers and --task-workers are 0.")
        if production:
            refusals = production_refusals(allow_sqlite=options["allow_sqlite"])
            if refusals:
                raise CommandError(
                    "Refusing to start in production mode:\n- " + "\n- ".join(refusals)
                )
        prepare_metrics_dir()
        python = sys.executable
        commands: list[list[str]] = []
        if workers:
            # The slots of each process's gate (huying/admission.py): its threads.
            os.environ["HUYING_WEB_THREADS"] = str(options["threads"])
            web = gunicorn_command(
                bind=options["bind"],
                workers=workers,
                timeout=options["timeout"],
                graceful_timeout=options["graceful_timeout"],
                # Our own request line (huying.request) replaces it when it is on.
                access_log=not settings.HUYING_ACCESS_LOG,
            )
            commands.append(web)
        # The clocks' sweep re-queues itself every 30 s; this starts the chain (once only).
        start_sweeping()
        # The daily report re-queues itself for HUYING_REPORT_AT; a missed day is caught up now.
        start_reporting()
        worker = [python, "manage.py", "db_worker", "--no-reload", "--interval", "0.5"]
        commands += [worker] * options["task_workers"]
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
        if workers:
            # gunicorn's graceful reload: new workers start on the new code, the old ones
            # finish what they are serving (``systemctl reload``).
            web_process = processes[0]
            signal.signal(
                signal.SIGHUP, lambda signum, frame: web_process.send_signal(signal.SIGHUP)
            )
            self.stdout.write(
                self.style.SUCCESS(
                    f"huying is serving on http://{options['bind']}/ with {workers} web "
                    f"process(es) and {options['task_workers']} task worker(s) — Ctrl-C stops it."
                )
            )
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    f"{options['task_workers']} task worker(s) running — Ctrl-C stops them."
                )
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
