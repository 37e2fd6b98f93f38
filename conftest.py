"""Settings every test starts from, whichever directory it lives in.

The per-client HTTP rate limits (huying/overload.py) are off: the suite sends thousands of
requests a minute from one address, which is exactly what they stop. tests/ops turns them
on where it tests them.

Passwords are hashed with MD5 for the whole session: the default PBKDF2 at a million
iterations costs about 0.4 s a password, and the personas alone make hundreds of them per
run. No test is about the strength of the hash. The project's own hashers stay listed
after it, so a password hashed by a child process (which runs on the real settings) still
checks here.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

FAST_HASHER = "django.contrib.auth.hashers.MD5PasswordHasher"


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests marked serial form one pytest-xdist group: one worker runs them one by one.

    They start several real processes each and assert on timing (a restart window, a
    retry); two of them at once on a two-core machine would starve each other.
    """
    for item in items:
        if item.get_closest_marker("serial"):
            item.add_marker(pytest.mark.xdist_group("serial"))


@pytest.fixture(scope="session", autouse=True)
def _fast_password_hasher() -> Iterator[None]:
    from django.conf import settings
    from django.test import override_settings

    hashers = [FAST_HASHER, *(h for h in settings.PASSWORD_HASHERS if h != FAST_HASHER)]
    with override_settings(PASSWORD_HASHERS=hashers):
        yield


@pytest.fixture(autouse=True)
def _no_http_rate_limits(settings: Any) -> None:
    settings.HUYING_RATE_LIMIT_PUBLIC = None
    settings.HUYING_RATE_LIMIT_API = None
