"""Admin for users (with their role), API tokens and API keys."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.models import ApiKey, ApiToken, User


@admin.register(User)
class UserAdmin(BaseUserAdmin[User]):
    list_display = ("username", "role", "first_name", "last_name", "is_active")
    list_filter = ("role", "is_active", "is_superuser")
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        (_("huying"), {"fields": ("role", "phone", "media_outlet")}),
    )
    # A media editor's account is made in one step: role and outlet with the password.
    add_fieldsets = (
        *(BaseUserAdmin.add_fieldsets or ()),
        (_("huying"), {"fields": ("role", "media_outlet")}),
    )


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin[ApiToken]):
    list_display = ("prefix", "name", "user", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("prefix", "created_at", "last_used_at")


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin[ApiKey]):
    list_display = ("prefix", "name", "channel", "created_at", "revoked_at")
    readonly_fields = ("prefix", "created_at")
