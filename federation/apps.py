from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FederationConfig(AppConfig):
    """Signed messages between command centres (the green channel's transport)."""

    name = "federation"
    verbose_name = _("Federation")
