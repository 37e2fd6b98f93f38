"""Peers are configured here; the message tables are records, so they are read-only."""

from django.contrib import admin

from core.admin import ReadOnlyAdmin
from federation.models import InboxMessage, OutboxMessage, Peer, RefusedMessage


@admin.register(Peer)
class PeerAdmin(admin.ModelAdmin[Peer]):
    list_display = ("code", "name", "url", "is_active")


@admin.register(OutboxMessage)
class OutboxAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at",
        "peer",
        "kind",
        "attempts",
        "delivered_at",
        "abandoned_at",
        "last_error",
    )
    list_filter = ("peer", "kind")


@admin.register(InboxMessage)
class InboxAdmin(ReadOnlyAdmin):
    list_display = ("received_at", "peer", "kind", "sent_at", "processed_at")
    list_filter = ("peer", "kind")


@admin.register(RefusedMessage)
class RefusedAdmin(ReadOnlyAdmin):
    list_display = ("received_at", "sender", "reason", "detail", "remote_addr")
    list_filter = ("reason",)
