"""What Open311 knows about a request that the domain core does not: where the client said it
was, the client's own identifiers and the token of the filing.

Everything else (category, text, division, requester, status) lives on ``core.HelpRequest``;
this row only hangs off it, one to one, for requests filed through ``/open311/v2/``.
"""

from __future__ import annotations

import secrets
from typing import ClassVar

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import HelpRequest


def new_token() -> str:
    """A random token for ``tokens/{token}``: unguessable, URL-safe, no dot (the format marker)."""
    return secrets.token_urlsafe(18)


class ServiceRequestLink(models.Model):
    """The Open311 facts of one help request filed through Open311."""

    help_request = models.OneToOneField(
        HelpRequest, on_delete=models.CASCADE, related_name="open311_link"
    )
    token = models.CharField(max_length=40, unique=True, default=new_token, editable=False)
    # WGS84 degrees as the client sent them; only the filer sees them again (see open311.reads).
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    long = models.FloatField(_("longitude"), null=True, blank=True)
    address_string = models.CharField(_("address as sent"), max_length=255, blank=True)
    address_id = models.CharField(_("address ID"), max_length=100, blank=True)
    email = models.CharField(_("email"), max_length=254, blank=True)
    device_id = models.CharField(_("device ID"), max_length=100, blank=True)
    account_id = models.CharField(_("account ID"), max_length=100, blank=True)
    media_url = models.CharField(_("media URL"), max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects: ClassVar[models.Manager[ServiceRequestLink]]

    class Meta:
        verbose_name = _("Open311 filing")
        verbose_name_plural = _("Open311 filings")

    def __str__(self) -> str:
        return f"open311:{self.help_request_id}"
