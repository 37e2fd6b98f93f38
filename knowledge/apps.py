from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KnowledgeConfig(AppConfig):
    """疫情政策库: the policy answers an operator can give on the line."""

    name = "knowledge"
    verbose_name = _("Policy knowledge base")
