"""Filings are changed only through their steps (the console comes later); here they are read."""

from django.contrib import admin

from core.admin import ReadOnlyAdmin
from greenchannel.models import Filing, FilingEvent


class FilingEventInline(admin.TabularInline[FilingEvent, Filing]):
    model = FilingEvent
    extra = 0
    can_delete = False
    fields = ("created_at", "side", "kind", "from_status", "to_status", "actor_name", "note")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Filing)
class FilingAdmin(ReadOnlyAdmin):
    list_display = ("number", "side", "peer", "kind", "status", "vehicle_plate", "window_start")
    list_filter = ("side", "status", "kind", "peer")
    search_fields = ("number", "vehicle_plate", "driver_name")
    inlines = [FilingEventInline]
