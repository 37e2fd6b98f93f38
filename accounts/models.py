"""Users with a role, personal API tokens, and channel-bound API keys for integrations."""

from __future__ import annotations

import hashlib
import secrets
from typing import ClassVar

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import Channel, Enterprise, MediaOutlet


class Role(models.TextChoices):
    """The roles of DESIGN.md. A user has exactly one; group membership is separate."""

    CITIZEN = "citizen", _("Citizen")
    ENTERPRISE = "enterprise", _("Enterprise contact")
    OPERATOR = "operator", _("Hotline operator")
    MEDIA = "media", _("Media editor")
    DISPATCHER = "dispatcher", _("Dispatcher")
    MEMBER = "member", _("Group member")
    LEADER = "leader", _("Group leader")
    COMMANDER = "commander", _("Commander")
    AUDITOR = "auditor", _("Auditor")
    ADMIN = "admin", _("Administrator")


#: Roles that work in the staff console.
STAFF_ROLES = frozenset(
    {
        Role.OPERATOR,
        Role.DISPATCHER,
        Role.MEMBER,
        Role.LEADER,
        Role.COMMANDER,
        Role.AUDITOR,
        Role.ADMIN,
    }
)


class User(AbstractUser):
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.CITIZEN)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    #: Real-name sign-up (实名注册) of the citizen app; checked with python-stdnum.
    id_number = models.CharField(_("ID card number"), max_length=18, blank=True)
    #: When the phone was last confirmed by a one-time code.
    phone_confirmed_at = models.DateTimeField(null=True, blank=True)
    #: An enterprise contact's company.
    enterprise = models.ForeignKey(
        Enterprise,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="contacts",
        verbose_name=_("enterprise"),
    )
    #: A media editor's outlet.
    media_outlet = models.ForeignKey(
        MediaOutlet,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="editors",
        verbose_name=_("media outlet"),
    )

    @property
    def is_console_user(self) -> bool:
        return self.is_active and (self.role in STAFF_ROLES or self.is_superuser)

    @property
    def effective_role(self) -> str:
        """A superuser acts as an administrator whatever role field says."""
        return Role.ADMIN if self.is_superuser else self.role


def _hash(secret: str) -> str:
    # Tokens are long random strings, so a fast hash is enough; a slow one would only
    # slow down every API call.
    return hashlib.sha256(secret.encode()).hexdigest()


def secret_hash(secret: str) -> str:
    """What a token or key is stored and found by (``core.reference_cache`` keys by it)."""
    return _hash(secret)


class ApiToken(models.Model):
    """A staff member's personal token, sent as ``Authorization: Bearer <token>``."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=8, editable=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name})"

    @classmethod
    def issue(cls, *, user: User, name: str) -> tuple[ApiToken, str]:
        """Create a token; the clear secret is returned once and never stored."""
        secret = "hyt_" + secrets.token_urlsafe(32)
        token = cls.objects.create(
            user=user, name=name, prefix=secret[:8], token_hash=_hash(secret)
        )
        return token, secret

    @classmethod
    def lookup(cls, secret: str) -> ApiToken | None:
        return (
            cls.objects.select_related("user")
            .filter(token_hash=_hash(secret), revoked_at=None, user__is_active=True)
            .first()
        )


class ApiKey(models.Model):
    """An integration's key, sent as ``X-API-Key``; requests it files carry its channel."""

    name = models.CharField(_("name"), max_length=100)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    prefix = models.CharField(max_length=8, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects: ClassVar[models.Manager[ApiKey]]

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")

    def __str__(self) -> str:
        return f"{self.name} ({self.channel})"

    @classmethod
    def issue(cls, *, name: str, channel: str, secret: str | None = None) -> tuple[ApiKey, str]:
        """Create a key; the clear secret is returned once and never stored.

        ``secret`` is for the demo data only, whose integration key is printed by ``make run``.
        """
        secret = secret or "hyk_" + secrets.token_urlsafe(32)
        key = cls.objects.create(
            name=name, channel=channel, prefix=secret[:8], key_hash=_hash(secret)
        )
        return key, secret

    @classmethod
    def lookup(cls, secret: str) -> ApiKey | None:
        return cls.objects.filter(key_hash=_hash(secret), revoked_at=None).first()


class PhoneCode(models.Model):
    """A one-time code sent by text message to confirm a phone (sign-up, sign-in).

    Only a keyed hash of the code is kept; each code allows a few tries and then dies.
    """

    class Purpose(models.TextChoices):
        SIGN_UP = "sign_up", _("Sign up")
        SIGN_IN = "sign_in", _("Sign in")

    phone = models.CharField(max_length=20)
    purpose = models.CharField(max_length=10, choices=Purpose.choices)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)
    client_ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["phone", "purpose", "created_at"], name="phonecode_recent")]

    def __str__(self) -> str:
        return f"{self.purpose} code for {self.phone[-4:]}"


class LoginFailure(models.Model):
    """A failed staff sign-in: a wrong password, or a wrong second-factor code.

    Kept in the database rather than the cache so that every worker process sees the same
    count (the cache is per process on the embedded default) and an administrator can read
    what happened after the fact. ``counted`` goes false once a lock-out, a successful
    sign-in or an unlock has dealt with the failure, so the rows stay as a record.
    """

    username = models.CharField(max_length=150, db_index=True)
    client_ip = models.CharField(max_length=64, db_index=True)
    at = models.DateTimeField(default=timezone.now)
    reason = models.CharField(max_length=20, default="password")
    counted = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("failed sign-in")
        verbose_name_plural = _("failed sign-ins")
        indexes = [models.Index(fields=["at"], name="loginfailure_at")]

    def __str__(self) -> str:
        return f"{self.username} from {self.client_ip} at {self.at:%Y-%m-%d %H:%M:%S}"


class LoginLockout(models.Model):
    """Sign-in refused for a username, or for a client address, until ``until``."""

    class Scope(models.TextChoices):
        USERNAME = "username", _("Username")
        CLIENT_IP = "client_ip", _("Client address")

    scope = models.CharField(_("scope"), max_length=10, choices=Scope.choices)
    key = models.CharField(_("username or address"), max_length=150)
    created_at = models.DateTimeField(_("locked at"), default=timezone.now)
    until = models.DateTimeField(_("locked until"))
    lifted_at = models.DateTimeField(_("unlocked at"), null=True, blank=True)
    lifted_by = models.CharField(_("unlocked by"), max_length=150, blank=True)

    class Meta:
        verbose_name = _("sign-in lock-out")
        verbose_name_plural = _("sign-in lock-outs")
        indexes = [models.Index(fields=["scope", "key", "until"], name="loginlockout_active")]

    def __str__(self) -> str:
        return f"{self.scope} {self.key} until {self.until:%Y-%m-%d %H:%M}"


class TotpDevice(models.Model):
    """A staff member's authenticator app (TOTP, RFC 6238), once confirmed with a code.

    The shared secret is kept encrypted with a key derived from ``SECRET_KEY``
    (``accounts.twofactor``); it is shown once, while setting up, and never again.
    """

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="totp_device")
    secret_encrypted = models.BinaryField(editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    #: The last time step a code was accepted for: a code works once, even within its step.
    last_step = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("authenticator app")
        verbose_name_plural = _("authenticator apps")

    def __str__(self) -> str:
        return f"TOTP for {self.user}"
