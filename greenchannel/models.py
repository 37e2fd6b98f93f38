"""绿色通道报备: one filing, held by both command centres, each side with its own record.

The origin files and approves; the destination receives it as a message, approves it (or
rejects it, or asks for an amendment, with a reason); then the vehicle travels and arrives.
Both sides keep a ``Filing`` row with the same ``uid`` and write every step to its timeline,
their own steps and those the other side reported; every step one side takes is sent to the
other through the federation outbox, so both show the same status within seconds.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    PATIENT = "patient", _("Critical patient transfer")
    MEDICAL_SUPPLIES = "medical_supplies", _("Medical supplies")
    ESSENTIAL_GOODS = "essential_goods", _("Essential goods")
    PERSONNEL = "personnel", _("Personnel")


class Side(models.TextChoices):
    ORIGIN = "origin", _("Origin")
    DESTINATION = "destination", _("Destination")


class FilingStatus(models.TextChoices):
    FILED = "filed", _("Filed, awaiting origin approval")
    ORIGIN_APPROVED = "origin_approved", _("Approved at origin, awaiting destination")
    AMENDMENT_REQUESTED = "amendment_requested", _("Amendment requested")
    APPROVED = "approved", _("Approved at both ends")
    IN_TRANSIT = "in_transit", _("In transit")
    ARRIVED = "arrived", _("Arrived")
    CLOSED = "closed", _("Closed")
    REJECTED = "rejected", _("Rejected")


#: The fields that describe what moves; they travel in the filing message, and an amendment
#: changes them (never after approval).
FILING_FIELDS = (
    "kind",
    "origin_place",
    "destination_place",
    "cargo",
    "vehicle_plate",
    "driver_name",
    "driver_phone",
    "escort_name",
    "escort_phone",
    "route",
    "checkpoints",
    "window_start",
    "window_end",
    "origin_contact",
    "origin_contact_phone",
    "destination_contact",
    "destination_contact_phone",
)


class Filing(models.Model):
    uid = models.UUIDField(default=uuid.uuid4, editable=False)
    number = models.CharField(_("number"), max_length=40)
    side = models.CharField(_("our side"), max_length=12, choices=Side.choices)
    #: The other command centre.
    peer = models.ForeignKey("federation.Peer", on_delete=models.PROTECT, related_name="filings")
    origin_instance = models.CharField(_("origin"), max_length=60)
    destination_instance = models.CharField(_("destination"), max_length=60)
    status = models.CharField(
        _("status"), max_length=24, choices=FilingStatus.choices, default=FilingStatus.FILED
    )
    version = models.PositiveIntegerField(_("version"), default=1)

    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    origin_place = models.CharField(_("from"), max_length=200)
    destination_place = models.CharField(_("to"), max_length=200)
    cargo = models.TextField(_("what moves (patient's condition, items and quantities)"))
    vehicle_plate = models.CharField(_("vehicle plate"), max_length=20)
    driver_name = models.CharField(_("driver"), max_length=50)
    driver_phone = models.CharField(_("driver's phone"), max_length=20)
    escort_name = models.CharField(_("escort"), max_length=50, blank=True)
    escort_phone = models.CharField(_("escort's phone"), max_length=20, blank=True)
    route = models.TextField(_("route"))
    checkpoints = models.TextField(_("checkpoints"), blank=True)
    window_start = models.DateTimeField(_("window from"))
    window_end = models.DateTimeField(_("window until"))
    origin_contact = models.CharField(_("contact at origin"), max_length=50)
    origin_contact_phone = models.CharField(_("phone at origin"), max_length=20)
    destination_contact = models.CharField(_("contact at destination"), max_length=50, blank=True)
    destination_contact_phone = models.CharField(
        _("phone at destination"), max_length=20, blank=True
    )
    help_request = models.ForeignKey(
        "core.HelpRequest",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="green_channel_filings",
        verbose_name=_("help request"),
    )
    reason = models.TextField(_("last reason given"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("green channel filing")
        verbose_name_plural = _("green channel filings")
        constraints = [models.UniqueConstraint(fields=["uid"], name="unique_filing_uid")]

    def __str__(self) -> str:
        return self.number

    def data(self) -> dict[str, Any]:
        """The filing's description as it travels: JSON-able, times in ISO 8601."""
        out: dict[str, Any] = {}
        for name in FILING_FIELDS:
            value = getattr(self, name)
            out[name] = value.isoformat() if hasattr(value, "isoformat") else value
        return out


class FilingEvent(models.Model):
    """One step of a filing, by us or reported by the other side; append-only."""

    filing = models.ForeignKey(Filing, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=30)
    #: Which side took the step.
    side = models.CharField(max_length=12, choices=Side.choices)
    from_status = models.CharField(max_length=24, blank=True)
    to_status = models.CharField(max_length=24)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT
    )
    actor_name = models.CharField(max_length=150)
    note = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)
    #: The federation message that brought a step from the other side.
    message_id = models.UUIDField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.filing_id} {self.kind}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise RuntimeError("Filing events are append-only.")
        super().save(*args, **kwargs)


class Pass(models.Model):
    """A pass (通行证) for an approved filing: a token signed by the instance that issued it.

    A checkpoint verifies the token offline with the issuer's public key; this row exists so
    the issuer can revoke it, and on the other side to remember a revocation it was told of.
    """

    pid = models.UUIDField(_("pass id"), default=uuid.uuid4, unique=True, editable=False)
    filing = models.ForeignKey(Filing, on_delete=models.PROTECT, related_name="passes")
    #: The instance id whose key signed the token.
    issuer = models.CharField(_("issued by"), max_length=60)
    #: The whole token as printed in the QR code; empty for a pass we only heard was revoked.
    token = models.TextField(blank=True)
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now)
    valid_from = models.DateTimeField(_("valid from"))
    valid_until = models.DateTimeField(_("valid until"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_reason = models.TextField(_("reason for revoking"), blank=True)

    class Meta:
        ordering = ["-issued_at", "-id"]
        verbose_name = _("pass")
        verbose_name_plural = _("passes")

    def __str__(self) -> str:
        return str(self.pid)


class FilingFile(models.Model):
    """A supporting file of a filing (a hospital letter, a photo of the load), on both sides.

    It travels to the other side in parts of its own messages, after the filing itself; the
    ``uid`` is the same on both sides, so a part or a whole file that arrives twice is kept once.
    """

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    filing = models.ForeignKey(Filing, on_delete=models.PROTECT, related_name="files")
    #: Which side attached it.
    side = models.CharField(max_length=12, choices=Side.choices)
    name = models.CharField(_("file name"), max_length=120)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    file = models.FileField(upload_to="greenchannel/%Y/%m/")
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT
    )
    added_by_name = models.CharField(max_length=150)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("supporting file")
        verbose_name_plural = _("supporting files")

    def __str__(self) -> str:
        return self.name


class FilingFilePart(models.Model):
    """A part of the other side's file, kept until every part has come."""

    file_uid = models.UUIDField()
    index = models.PositiveIntegerField()
    count = models.PositiveIntegerField()
    data = models.BinaryField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["file_uid", "index"], name="unique_file_part")
        ]

    def __str__(self) -> str:
        return f"{self.file_uid} {self.index + 1}/{self.count}"
