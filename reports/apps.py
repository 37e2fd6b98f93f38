from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    """日研判、日报告: the day's numbers, the judgment read from them, and the numbered report."""

    name = "reports"
    verbose_name = _("Daily report")

    def ready(self) -> None:
        from reports import checks  # noqa: F401  (registers the start-up checks)
