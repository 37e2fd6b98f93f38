from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Help requests")

    def ready(self) -> None:
        from core import reference_cache
        from core.escalation import on_event_committed
        from core.signals import event_committed

        # Each process keeps the reference data a create reads; a change drops that copy.
        reference_cache.connect_signals()

        # A critical request pages the duty post as soon as it is filed or dispatched.
        event_committed.connect(on_event_committed, dispatch_uid="core.escalation.page")
