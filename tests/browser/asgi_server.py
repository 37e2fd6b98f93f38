"""The browser tests' live server: the real ASGI application under uvicorn, in a thread.

pytest-django's own ``live_server`` is Django's threaded WSGI server, which cannot stream
from an asynchronous view: a board would hear nothing until its stream ended. This one runs
``huying.asgi.application`` (its gate, its slots, the live streams) the way ``serve`` does,
on a port the kernel picks, in the test process so that settings changed by a test apply.
Static files are served from the apps' folders, as ``runserver`` does, so no collectstatic
is needed.
"""

from __future__ import annotations

import threading
import time

import uvicorn
from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler
from django.db import connections
from django.test.utils import modify_settings

from tests.conftest import free_port

HOST = "127.0.0.1"


class AsgiLiveServer:
    """What pytest-django's ``live_server`` fixture gives a test: ``url``, and settings."""

    def __init__(self) -> None:
        from huying.asgi import application

        self.application = application
        self.port = free_port()
        config = uvicorn.Config(
            # Any ASGI application will do; the stubs name Django's own handler.
            ASGIStaticFilesHandler(application),  # type: ignore[arg-type]
            host=HOST,
            port=self.port,
            log_level="warning",
            lifespan="off",
            # Open streams are cut at the end of the session rather than waited for.
            timeout_graceful_shutdown=1,
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="asgi-live-server", daemon=True)
        # Used by pytest-django's _live_server_helper around every test that uses the server.
        self._live_server_modified_settings = modify_settings(ALLOWED_HOSTS={"append": HOST})

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def __str__(self) -> str:
        return self.url

    def start(self) -> None:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the ASGI live server did not start")
            time.sleep(0.02)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)
        # The slots, the side thread and the live hub each kept a connection: close them, or
        # the test database cannot be dropped.
        from live import hub

        self.application.gate.on_every_thread(connections.close_all)
        hub.close_database()
