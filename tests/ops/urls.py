"""The real URLs plus ``/app/_test/slow`` (a public path): it holds its thread until released.

On entry it creates ``<release file>.started``; then it waits until the file named by ``HUYING_TEST_RELEASE_FILE`` exists (or 30 s pass), so a
test decides when the slots free up, without guessing at times.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from django.http import HttpRequest, HttpResponse
from django.urls import path

from huying.urls import urlpatterns as real_patterns


def slow(request: HttpRequest) -> HttpResponse:
    release = Path(os.environ["HUYING_TEST_RELEASE_FILE"])
    # Tells the test this request holds a thread now.
    release.with_suffix(".started").touch()
    deadline = time.monotonic() + 30
    while not release.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    return HttpResponse("slow done")


urlpatterns = [path("app/_test/slow", slow), *real_patterns]
