"""Admin for reference data and a read-only view of requests and their events.

Requests change state only through the services, so the admin shows them but cannot edit
status or clocks; events and access records are read-only by law and by design.
"""

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core.dispatching import check_rule
from core.errors import InvalidInput
from core.models import (
    Attachment,
    Category,
    ClockPolicy,
    DispatchRule,
    Division,
    Enterprise,
    Event,
    Group,
    GroupMembership,
    HelpRequest,
    MediaOutlet,
    OutboundMessage,
    PersonalDataAccess,
    PersonalDataPurge,
)


class ReadOnlyAdmin(admin.ModelAdmin[Any]):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin[Category]):
    list_display = ("code", "name", "name_en", "position", "is_active")


@admin.register(Division)
class DivisionAdmin(admin.ModelAdmin[Division]):
    list_display = ("code", "name", "level", "parent")
    list_filter = ("level",)
    search_fields = ("code", "name")


class MembershipInline(admin.TabularInline[GroupMembership, Group]):
    model = GroupMembership
    extra = 0


@admin.register(Group)
class GroupAdmin(admin.ModelAdmin[Group]):
    list_display = ("code", "name", "kind", "leader", "is_active")
    list_filter = ("kind", "is_active")
    inlines = [MembershipInline]


@admin.register(ClockPolicy)
class ClockPolicyAdmin(admin.ModelAdmin[ClockPolicy]):
    list_display = ("urgency", "category", "dispatch_minutes", "accept_minutes", "resolve_minutes")


class DispatchRuleForm(forms.ModelForm[DispatchRule]):
    """Refuses, field by field, what ``core.dispatching.check_rule`` refuses."""

    class Meta:
        model = DispatchRule
        fields = (
            "category",
            "division",
            "urgency",
            "lead_group",
            "assisting_groups",
            "position",
            "is_active",
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        category, lead_group = cleaned.get("category"), cleaned.get("lead_group")
        if category is None or lead_group is None:
            return cleaned  # the required-field errors are already shown
        try:
            check_rule(
                category=category,
                lead_group=lead_group,
                division=cleaned.get("division"),
                urgency=cleaned.get("urgency") or "",
                assisting=cleaned.get("assisting_groups") or (),
                is_active=bool(cleaned.get("is_active")),
                rule_id=self.instance.pk,
            )
        except InvalidInput as error:
            for field, messages in error.details.items():
                for message in messages:
                    self.add_error(field if field in self.fields else None, message)
        return cleaned


@admin.register(DispatchRule)
class DispatchRuleAdmin(admin.ModelAdmin[DispatchRule]):
    form = DispatchRuleForm
    list_display = ("category", "division", "urgency", "lead_group", "position", "is_active")
    list_filter = ("is_active", "category", "urgency")
    autocomplete_fields = ("division",)
    filter_horizontal = ("assisting_groups",)


@admin.register(HelpRequest)
class HelpRequestAdmin(ReadOnlyAdmin):
    list_display = ("number", "status", "urgency", "category", "channel", "lead_group", "due_at")
    list_filter = ("status", "urgency", "channel", "category")
    search_fields = ("number",)
    show_full_result_count = False


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ("help_request", "kind", "from_status", "to_status", "actor_name", "created_at")
    list_filter = ("kind",)
    show_full_result_count = False


@admin.register(OutboundMessage)
class OutboundMessageAdmin(ReadOnlyAdmin):
    """What went out by text message. On the default log backend nothing is really sent, so
    this page is where a tester reads the one-time codes of the app and the portal."""

    list_display = ("created_at", "phone", "body", "help_request", "backend")
    list_display_links = ("created_at",)
    search_fields = ("phone",)
    ordering = ("-created_at", "-id")
    show_full_result_count = False


@admin.register(Enterprise)
class EnterpriseAdmin(admin.ModelAdmin[Enterprise]):
    list_display = ("name", "uscc", "workforce", "division", "created_at")
    search_fields = ("name", "uscc")
    raw_id_fields = ("division",)


@admin.register(MediaOutlet)
class MediaOutletAdmin(admin.ModelAdmin[MediaOutlet]):
    list_display = ("name", "code", "is_active")


@admin.register(Attachment)
class AttachmentAdmin(ReadOnlyAdmin):
    list_display = ("help_request", "kind", "original_name", "content_type", "size", "created_at")
    # No link to the stored file: there is no public URL for it, only the checked view.
    exclude = ("file",)
    readonly_fields = ("open",)
    show_full_result_count = False

    @admin.display(description=_("file"))
    def open(self, attachment: Attachment) -> str:
        url = reverse("attachment", args=[attachment.pk])
        return format_html('<a href="{}">{}</a>', url, attachment.original_name)


@admin.register(PersonalDataAccess)
class PersonalDataAccessAdmin(ReadOnlyAdmin):
    """The auditor's list of full views of personal data: who, which request, how, why, when.
    Nobody adds, changes or deletes here (nor anywhere: the table refuses it)."""

    list_display = ("created_at", "user", "help_request", "via", "reason")
    list_filter = ("via", ("created_at", admin.DateFieldListFilter), "user__role")
    search_fields = ("help_request__number", "user__username", "reason")
    date_hierarchy = "created_at"
    list_select_related = ("user", "help_request")
    ordering = ("-created_at", "-id")
    show_full_result_count = False


@admin.register(PersonalDataPurge)
class PersonalDataPurgeAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at",
        "run_by",
        "closed_before",
        "requests",
        "requesters",
        "attachments",
    )
