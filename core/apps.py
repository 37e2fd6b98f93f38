from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Help requests")

    def ready(self) -> None:
        from core.escalation import on_event_committed
        from core.signals import event_committed

        # A critical request pages the duty post as soon as it is filed or dispatched.
        event_committed.connect(on_event_committed, dispatch_uid="core.escalation.page")
