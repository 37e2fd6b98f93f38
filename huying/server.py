"""The web server's command line, in one place for ``manage.py serve`` and the tests.

gunicorn manages the processes (restarts, graceful reload on SIGHUP, the metrics hook in
``huying/gunicorn_conf.py``); each process is uvicorn's event loop serving ``huying.asgi``.
"""

from __future__ import annotations

import sys

#: The ASGI application every web process serves.
APPLICATION = "huying.asgi:application"


def gunicorn_command(
    *,
    bind: str,
    workers: int,
    timeout: int = 30,
    graceful_timeout: int = 30,
    access_log: bool = False,
) -> list[str]:
    """gunicorn with uvicorn workers; threads per process come from ``HUYING_WEB_THREADS``."""
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        APPLICATION,
        "--config",
        "python:huying.gunicorn_conf",
        "--bind",
        bind,
        "--workers",
        str(workers),
        "--timeout",
        str(timeout),
        "--graceful-timeout",
        str(graceful_timeout),
    ]
    if access_log:
        command += ["--access-logfile", "-"]
    return command
