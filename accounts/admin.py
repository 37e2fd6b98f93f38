"""Admin for users (with their role), API tokens and keys, sign-in lock-outs and second factors."""

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.forms import AdminLoginForm
from accounts.lockout import login_lockout_lift
from accounts.models import ApiKey, ApiToken, LoginFailure, LoginLockout, TotpDevice, User
from core import reference_cache

# The admin's own sign-in explains lock-outs and sends two-factor accounts to the console.
admin.site.login_form = AdminLoginForm


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
    actions = ("reset_two_factor", "unlock_sign_in")

    @admin.action(description=_("Reset two-factor sign-in (the user sets the app up again)"))
    def reset_two_factor(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        deleted, _counts = TotpDevice.objects.filter(user__in=queryset).delete()
        self.message_user(
            request, _("Two-factor sign-in reset for %(n)d user(s).") % {"n": deleted}
        )

    @admin.action(description=_("Unlock sign-in"))
    def unlock_sign_in(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        lifted = sum(
            login_lockout_lift(username=user.get_username(), by=request.user.get_username())
            for user in queryset
        )
        self.message_user(request, _("%(n)d lock-out(s) lifted.") % {"n": lifted})


class RevokeMixin:
    """Revoking keeps the row (who had it, when it was last used) and stops it working."""

    @admin.action(description=_("Revoke selected"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        revoked = queryset.filter(revoked_at=None).update(revoked_at=timezone.now())
        # update() sends no signal: tell the processes' copies of the keys themselves.
        reference_cache.changed()
        admin.ModelAdmin.message_user(
            self,  # type: ignore[arg-type]
            request,
            _("%(n)d revoked.") % {"n": revoked},
            messages.SUCCESS,
        )


@admin.register(ApiToken)
class ApiTokenAdmin(RevokeMixin, admin.ModelAdmin[ApiToken]):
    list_display = ("prefix", "name", "user", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("prefix", "created_at", "last_used_at")
    actions = ("revoke",)


@admin.register(ApiKey)
class ApiKeyAdmin(RevokeMixin, admin.ModelAdmin[ApiKey]):
    list_display = ("prefix", "name", "channel", "created_at", "revoked_at")
    readonly_fields = ("prefix", "created_at")
    actions = ("revoke",)


@admin.register(LoginLockout)
class LoginLockoutAdmin(admin.ModelAdmin[LoginLockout]):
    list_display = ("scope", "key", "created_at", "until", "lifted_at", "lifted_by")
    list_filter = ("scope",)
    search_fields = ("key",)
    readonly_fields = ("scope", "key", "created_at", "until", "lifted_at", "lifted_by")
    actions = ("lift",)

    @admin.action(description=_("Unlock sign-in"))
    def lift(self, request: HttpRequest, queryset: QuerySet[LoginLockout]) -> None:
        lifted = 0
        for lockout in queryset:
            scope_key = (
                {"username": lockout.key}
                if lockout.scope == LoginLockout.Scope.USERNAME
                else {"client_ip": lockout.key}
            )
            lifted += login_lockout_lift(by=request.user.get_username(), **scope_key)
        self.message_user(request, _("%(n)d lock-out(s) lifted.") % {"n": lifted})

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(LoginFailure)
class LoginFailureAdmin(admin.ModelAdmin[LoginFailure]):
    list_display = ("username", "client_ip", "at", "reason", "counted")
    list_filter = ("reason",)
    search_fields = ("username", "client_ip")
    readonly_fields = ("username", "client_ip", "at", "reason", "counted")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
