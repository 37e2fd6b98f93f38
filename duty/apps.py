from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DutyConfig(AppConfig):
    """值班表: who holds each group's A and B post, shift by shift."""

    name = "duty"
    verbose_name = _("Duty roster")
