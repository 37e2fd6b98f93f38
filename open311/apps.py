from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Open311Config(AppConfig):
    """Open311 GeoReport v2: the standard door for other systems."""

    name = "open311"
    verbose_name = _("Open311 GeoReport v2")
