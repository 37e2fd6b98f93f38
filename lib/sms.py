"""Text messages. The gateway is outside our reach, so it sits behind this small interface;
the default backend only logs, so every flow works on a machine without a gateway."""

from __future__ import annotations

import logging
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

log = logging.getLogger("huying.sms")


class SmsBackend(Protocol):
    name: str

    def send(self, phone: str, text: str) -> None: ...


class LogBackend:
    """Writes the message to the log instead of sending it."""

    name = "log"

    def send(self, phone: str, text: str) -> None:
        log.info("SMS to %s: %s", phone, text)


def get_backend() -> SmsBackend:
    path = settings.HUYING_SMS_BACKEND
    backend: SmsBackend = import_string(path)()
    return backend
