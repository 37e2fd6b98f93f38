"""The project's settings plus a test-only URLconf with a slow public view (tests/ops)."""

from huying.settings import *  # noqa: F403 - the real settings, one line changed

ROOT_URLCONF = "tests.ops.urls"
