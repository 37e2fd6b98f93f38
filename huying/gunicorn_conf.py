"""gunicorn's configuration for huying (``manage.py serve`` passes it with ``--config``).

Command-line flags given by ``serve`` (workers, timeouts) override what is here; this file
holds what every start shares: the asynchronous worker (uvicorn under gunicorn, serving
``huying.asgi``) and the hook that marks a dead worker's metrics so. The threads of a
process are the slots of its gate (``huying/admission.py``), set by ``HUYING_WEB_THREADS``.
"""

from __future__ import annotations

import os
from typing import Any

# Behind a reverse proxy, X-Forwarded-Proto from it says whether the client used HTTPS.
forwarded_allow_ips = os.environ.get("HUYING_TRUSTED_PROXIES", "127.0.0.1,::1")
# Each process runs an event loop (uvicorn) in front of a fixed set of slot threads, so an
# open live stream costs a coroutine, not a thread.
worker_class = "uvicorn_worker.UvicornWorker"
# Workers are restarted now and then so that a slow leak never grows into an outage; the
# jitter keeps them from all restarting at once.
max_requests = 5000
max_requests_jitter = 500
# serve is the one that steers gunicorn (signals); a control socket in the home directory
# would also be fought over by two instances on one machine.
control_socket_disable = True

if os.environ.get("HUYING_LOG_FORMAT") == "json":
    # gunicorn's own lines (start, worker restarts, its access log) in the same JSON shape
    # as the application's, so a log shipper reads one format.
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "huying.logs.JsonFormatter"}},
        # gunicorn merges this over its defaults, whose root logger uses "console".
        "handlers": {
            name: {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stderr",
            }
            for name in ("console", "error_console")
        },
        "loggers": {
            "gunicorn.error": {"handlers": ["error_console"], "level": "INFO", "propagate": False},
            "gunicorn.access": {"handlers": ["console"], "level": "INFO", "propagate": False},
        },
    }


def child_exit(server: Any, worker: Any) -> None:
    # The dead worker's live gauges (requests in flight) must stop counting in the sum.
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)  # type: ignore[no-untyped-call]
