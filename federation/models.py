"""Peers, and every message that crossed between us and them: stored before anything is done.

Outgoing messages wait in the outbox until a peer has acknowledged them; incoming ones are
written to the inbox (once per sender and message id) before they are acted on, so neither a
peer that is down nor a crash in the middle loses a message.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Peer(models.Model):
    """Another command centre we exchange filings with (外地指挥部)."""

    code = models.SlugField(_("instance id"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=100)
    url = models.URLField(_("base URL"), max_length=300)
    public_key = models.CharField(_("public key (Ed25519, base64)"), max_length=60)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["code"]
        verbose_name = _("peer")
        verbose_name_plural = _("peers")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class OutboxMessage(models.Model):
    """A signed message waiting for, or delivered to, one peer."""

    peer = models.ForeignKey(Peer, on_delete=models.PROTECT, related_name="outbox")
    message_id = models.UUIDField(unique=True)
    kind = models.CharField(max_length=60)
    #: The exact bytes that were signed and are sent, so a retry sends the same message.
    envelope = models.TextField()
    signature = models.CharField(max_length=100)
    created_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)
    #: Set when the message grew older than peers accept: it stays, with why, but is not sent.
    abandoned_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("outgoing message")
        verbose_name_plural = _("outgoing messages")
        indexes = [
            models.Index(
                fields=["next_attempt_at", "id"],
                condition=models.Q(delivered_at=None, abandoned_at=None),
                name="outbox_due",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.peer_id} ({self.message_id})"


class InboxMessage(models.Model):
    """A message a peer sent us, verified and stored before it is acted on."""

    peer = models.ForeignKey(Peer, on_delete=models.PROTECT, related_name="inbox")
    message_id = models.UUIDField()
    kind = models.CharField(max_length=60)
    envelope = models.TextField()
    signature = models.CharField(max_length=100)
    sent_at = models.DateTimeField()
    received_at = models.DateTimeField(default=timezone.now)
    processed_at = models.DateTimeField(null=True, blank=True)
    #: What acting on it did, or why it could not be acted on.
    outcome = models.TextField(blank=True)

    class Meta:
        ordering = ["received_at", "id"]
        verbose_name = _("incoming message")
        verbose_name_plural = _("incoming messages")
        constraints = [
            # A replay of the same message is refused by the database as well.
            models.UniqueConstraint(fields=["peer", "message_id"], name="unique_inbox_message")
        ]

    def __str__(self) -> str:
        return f"{self.kind} ← {self.peer_id} ({self.message_id})"


class RefusedMessage(models.Model):
    """A message we refused, and why: the clear record of a forgery, a replay or garbage."""

    received_at = models.DateTimeField(default=timezone.now)
    sender = models.CharField(max_length=60, blank=True)
    message_id = models.CharField(max_length=60, blank=True)
    reason = models.CharField(max_length=40)
    detail = models.TextField(blank=True)
    remote_addr = models.CharField(max_length=60, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("refused message")
        verbose_name_plural = _("refused messages")

    def __str__(self) -> str:
        return f"{self.reason} from {self.sender or '?'}"
