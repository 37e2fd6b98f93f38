from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GreenChannelConfig(AppConfig):
    """绿色通道、双向报备: filings between two command centres, approved at both ends."""

    name = "greenchannel"
    verbose_name = _("Green channel")

    def ready(self) -> None:
        from greenchannel import files, handlers, passes  # noqa: F401  (register the message handlers)
