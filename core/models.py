"""Models of the domain core. Status fields are written only by ``core.services``."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from lib.fieldcrypt import EncryptedTextField, digits_only, keyed_hash, upper_stripped


class Channel(models.TextChoices):
    HOTLINE = "hotline", _("12345 hotline")
    APP = "app", _("Citizen app")
    ENTERPRISE = "enterprise", _("Enterprise portal")
    MEDIA = "media", _("Media help channel")
    API = "api", _("Integration (API)")
    VISIT = "visit", _("Home visit")
    CHECKPOINT = "checkpoint", _("Checkpoint")
    QUARANTINE = "quarantine", _("Quarantine site")


class Urgency(models.TextChoices):
    CRITICAL = "critical", _("Critical")
    URGENT = "urgent", _("Urgent")
    NORMAL = "normal", _("Normal")


#: Sort rank of each urgency; stored on the request so that one index serves the queue order.
URGENCY_RANK = {Urgency.CRITICAL: 0, Urgency.URGENT: 1, Urgency.NORMAL: 2}


class Status(models.TextChoices):
    RECEIVED = "received", _("Received")
    DISPATCHED = "dispatched", _("Dispatched")
    ACCEPTED = "accepted", _("Accepted")
    IN_PROGRESS = "in_progress", _("In progress")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")
    MERGED = "merged", _("Merged")


#: A request in one of these states is still waiting on someone, and its clock runs.
OPEN_STATUSES = frozenset({Status.RECEIVED, Status.DISPATCHED, Status.ACCEPTED, Status.IN_PROGRESS})


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")
    BASICALLY_SATISFIED = "basically_satisfied", _("Basically satisfied")
    UNSATISFIED = "unsatisfied", _("Unsatisfied")


class AnswerMethod(models.TextChoices):
    PHONE = "phone", _("By phone")
    SMS = "sms", _("By text message")
    APP = "app", _("In the app")
    IN_PERSON = "in_person", _("In person")


class RequesterKind(models.TextChoices):
    PERSON = "person", _("Person")
    ENTERPRISE = "enterprise", _("Enterprise")


class BilingualName(models.Model):
    """A fixed code with a Chinese name and an English one, shown by the active language."""

    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        language = get_language() or ""
        if language.startswith("en") and self.name_en:
            return self.name_en
        return self.name


class Category(BilingualName):
    """诉求类别. Codes are fixed by DESIGN.md; they are loaded by a data migration."""

    code = models.CharField(_("code"), max_length=20, primary_key=True)
    position = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["position"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")


class Division(BilingualName):
    """行政区划: a county-level division or a street/town inside one (GB/T 2260-style code)."""

    class Level(models.TextChoices):
        COUNTY = "county", _("County / district")
        STREET = "street", _("Street / town")

    code = models.CharField(_("code"), max_length=12, primary_key=True)
    level = models.CharField(max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("division")
        verbose_name_plural = _("divisions")

    @property
    def county(self) -> Division:
        return self.parent if self.parent_id and self.parent else self

    @property
    def full_name(self) -> str:
        if self.parent_id and self.parent:
            return f"{self.parent.display_name} {self.display_name}"
        return self.display_name


class Group(BilingualName):
    """工作组 / 专班: the team a request is dispatched to."""

    class Kind(models.TextChoices):
        WORKING_GROUP = "working_group", _("Working group")
        TASK_FORCE = "task_force", _("Task force")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="led_groups",
        verbose_name=_("leader"),
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="GroupMembership",
        related_name="work_groups",
        blank=True,
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["kind", "code"]
        verbose_name = _("group")
        verbose_name_plural = _("groups")


class GroupMembership(models.Model):
    group = models.ForeignKey(Group, on_delete=models.CASCADE)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    joined_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["group", "user"], name="unique_group_member")
        ]

    def __str__(self) -> str:
        return f"{self.user_id}@{self.group_id}"


def phone_lookup_hash(phone: str) -> str:
    """The keyed hash a requester is found by phone with: digits only, so spacing and dashes
    in a landline do not make another person."""
    return keyed_hash(phone, normalise=digits_only)


def id_number_lookup_hash(id_number: str) -> str:
    """The keyed hash of an ID number: upper-case, so a final ``x`` and ``X`` are one person."""
    return keyed_hash(id_number, normalise=upper_stripped)


class Requester(models.Model):
    """The person or enterprise asking for help. Personal data is masked on display.

    Name, phone and ID number are encrypted at rest (``lib.fieldcrypt``); a requester is found
    by phone or ID number through ``phone_hash`` / ``id_number_hash``, kept up to date by
    ``save()``. See docs/personal-data.md.
    """

    kind = models.CharField(max_length=12, choices=RequesterKind.choices)
    name = EncryptedTextField(_("name"), max_length=100)
    phone = EncryptedTextField(_("phone"), max_length=20)
    id_number = EncryptedTextField(_("ID card number"), max_length=18, blank=True)
    phone_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    id_number_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    organisation = models.CharField(_("enterprise name"), max_length=200, blank=True)
    uscc = models.CharField(_("unified social credit code"), max_length=18, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    #: When ``purge_personal_data`` blanked name, phone and ID number (None: never).
    purged_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("requester")
        verbose_name_plural = _("requesters")

    def __str__(self) -> str:
        return f"Requester #{self.pk}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.refresh_hashes()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"phone", "id_number"} & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "phone_hash", "id_number_hash"}
        super().save(*args, **kwargs)

    def refresh_hashes(self) -> None:
        self.phone_hash = phone_lookup_hash(self.phone)
        self.id_number_hash = id_number_lookup_hash(self.id_number)


class Enterprise(models.Model):
    """A company on the enterprise portal, known by its unified social credit code (USCC).

    Its contact people are users with ``enterprise`` set; each sees all the company's requests.
    """

    uscc = models.CharField(_("unified social credit code"), max_length=18, unique=True)
    name = models.CharField(_("enterprise name"), max_length=200)
    workforce = models.PositiveIntegerField(_("number of employees"))
    division = models.ForeignKey(
        Division, on_delete=models.PROTECT, verbose_name=_("county / street")
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("enterprise")
        verbose_name_plural = _("enterprises")

    def __str__(self) -> str:
        return self.name


class MediaOutlet(models.Model):
    """A newspaper, radio or TV station whose editors pass on leads from its help line."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("media outlet")
        verbose_name_plural = _("media outlets")

    def __str__(self) -> str:
        return self.name


class LeadSource(models.TextChoices):
    """Where a media outlet's lead came from."""

    HOTLINE_CALL = "call", _("Call to the newspaper's help line")
    READER_MESSAGE = "reader", _("Reader's message")
    REPORTER = "reporter", _("Reporter at the scene")


class ClockPolicy(models.Model):
    """Overrides of the default clocks (DESIGN.md) for one urgency, optionally one category."""

    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.CASCADE)
    urgency = models.CharField(max_length=10, choices=Urgency.choices)
    dispatch_minutes = models.PositiveIntegerField()
    accept_minutes = models.PositiveIntegerField()
    resolve_minutes = models.PositiveIntegerField()

    class Meta:
        verbose_name = _("clock policy")
        verbose_name_plural = _("clock policies")
        constraints = [
            models.UniqueConstraint(
                fields=["category", "urgency"], name="unique_clock_per_category_urgency"
            ),
            models.UniqueConstraint(
                fields=["urgency"],
                condition=models.Q(category=None),
                name="unique_default_clock_per_urgency",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.category_id or '*'}/{self.urgency}"


class DispatchRule(models.Model):
    """派单规则: sends a newly filed request straight to the group that handles it.

    A rule matches a request of its category, and, when set, of its division (a county
    matches its streets too) and of its urgency. When several match, the most specific wins
    (division and urgency, then division, then urgency, then the category alone; a street
    before its county), then the lowest ``position``. Rules are checked by
    ``core.dispatching.check_rule`` and applied by ``core.services.request_create``.
    """

    category = models.ForeignKey(
        Category,
        on_delete=models.PROTECT,
        related_name="dispatch_rules",
        verbose_name=_("category"),
    )
    division = models.ForeignKey(
        Division,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="dispatch_rules",
        verbose_name=_("division"),
        help_text=_("A county also matches the requests of its streets."),
    )
    urgency = models.CharField(_("urgency"), max_length=10, choices=Urgency.choices, blank=True)
    lead_group = models.ForeignKey(
        Group, on_delete=models.PROTECT, related_name="lead_rules", verbose_name=_("lead group")
    )
    assisting_groups = models.ManyToManyField(
        Group, blank=True, related_name="assisting_rules", verbose_name=_("assisting groups")
    )
    position = models.PositiveSmallIntegerField(
        _("position"),
        default=0,
        help_text=_("Between equally specific rules, the lowest position wins."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["category", "position", "id"]
        verbose_name = _("dispatch rule")
        verbose_name_plural = _("dispatch rules")
        indexes = [models.Index(fields=["category", "is_active"], name="rule_category")]

    def __str__(self) -> str:
        parts = [str(self.category_id), self.division_id or "*", self.urgency or "*"]
        return "/".join(parts)

    @property
    def specificity(self) -> tuple[int, int, int]:
        """Sorts the more specific rule first when reversed: division, urgency, street."""
        has_division = self.division_id is not None
        street = bool(has_division and self.division and self.division.parent_id)
        return (int(has_division), int(bool(self.urgency)), int(street))


class HelpRequest(models.Model):
    """求助工单. ``status`` and the clock fields change only through ``core.services``."""

    number = models.CharField(_("number"), max_length=20, unique=True)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, verbose_name=_("category"))
    urgency = models.CharField(_("urgency"), max_length=10, choices=Urgency.choices)
    #: 0 critical, 1 urgent, 2 normal — kept with ``urgency`` so the queue index can sort on it.
    priority = models.PositiveSmallIntegerField(editable=False)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.RECEIVED
    )
    summary = models.CharField(_("summary"), max_length=200)
    description = models.TextField(_("description"))
    division = models.ForeignKey(Division, on_delete=models.PROTECT, verbose_name=_("division"))
    address = models.CharField(_("address"), max_length=200, blank=True)
    requester = models.ForeignKey(Requester, on_delete=models.PROTECT, related_name="requests")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="filed_requests",
    )
    api_key = models.ForeignKey("accounts.ApiKey", null=True, blank=True, on_delete=models.SET_NULL)
    external_ref = models.CharField(_("external reference"), max_length=100, blank=True)
    #: Set for requests filed on the enterprise portal: the whole company sees them.
    enterprise = models.ForeignKey(
        Enterprise,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="requests",
        verbose_name=_("enterprise"),
    )
    #: The company's head count when it asked: a factory of 800 waiting on a pass is not
    #: a shop of three.
    workforce = models.PositiveIntegerField(_("number of employees"), null=True, blank=True)
    #: Set for leads passed on by a media outlet: its editors follow them.
    media_outlet = models.ForeignKey(
        MediaOutlet,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="leads",
        verbose_name=_("media outlet"),
    )
    lead_source = models.CharField(
        _("source of the lead"), max_length=10, choices=LeadSource.choices, blank=True
    )

    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    dispatch_due_at = models.DateTimeField(_("dispatch due"))
    accept_due_at = models.DateTimeField(_("accept due"))
    resolve_due_at = models.DateTimeField(_("resolve due"))
    #: Deadline of the step the request now waits on; once finished, the last one it had,
    #: so that the queue order stays total and one index serves it.
    due_at = models.DateTimeField(_("due"))

    lead_group = models.ForeignKey(
        Group,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="lead_requests",
        verbose_name=_("lead group"),
    )
    assisting_groups = models.ManyToManyField(
        Group, blank=True, related_name="assisting_requests", verbose_name=_("assisting groups")
    )
    dispatched_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="accepted_requests",
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    answer = models.TextField(_("answer"), blank=True)
    answer_method = models.CharField(
        _("answered by"), max_length=12, choices=AnswerMethod.choices, blank=True
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    satisfaction = models.CharField(
        _("satisfaction"), max_length=20, choices=Satisfaction.choices, blank=True
    )
    reopen_count = models.PositiveSmallIntegerField(default=0)
    return_count = models.PositiveSmallIntegerField(default=0)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="duplicates"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("help request")
        verbose_name_plural = _("help requests")
        indexes = [
            models.Index(fields=["priority", "due_at", "id"], name="hr_queue"),
            # The open queue is the console's default and a tiny share of a long history;
            # without this the database walks ``hr_queue`` past every finished request.
            models.Index(
                fields=["priority", "due_at", "id"],
                condition=models.Q(status__in=sorted(OPEN_STATUSES)),
                name="hr_open_queue",
            ),
            models.Index(fields=["status", "priority", "due_at", "id"], name="hr_status_queue"),
            models.Index(fields=["lead_group", "priority", "due_at", "id"], name="hr_group_queue"),
            models.Index(fields=["category", "priority", "due_at", "id"], name="hr_cat_queue"),
            models.Index(fields=["received_at"], name="hr_received"),
            # Open311's list by service code, newest first: without it a rare category means
            # walking ``hr_received`` past everything else.
            models.Index(fields=["category", "received_at"], name="hr_cat_received"),
            # The daily report counts by these moments: resolved, due for acceptance, rated.
            models.Index(fields=["resolved_at"], name="hr_resolved"),
            models.Index(fields=["accept_due_at"], name="hr_accept_due"),
            models.Index(fields=["closed_at"], name="hr_closed"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def is_overdue(self, now: Any = None) -> bool:
        return self.is_open and self.due_at < (now or timezone.now())


class Event(models.Model):
    """办理记录: one append-only row for everything that happened to a request."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Received")
        DISPATCHED = "dispatched", _("Dispatched")
        ACCEPTED = "accepted", _("Accepted")
        STARTED = "started", _("Work started")
        RESOLVED = "resolved", _("Resolved")
        RESOLVED_AT_INTAKE = "resolved_at_intake", _("Answered on the line")
        CLOSED = "closed", _("Closed")
        REOPENED = "reopened", _("Reopened")
        RETURNED = "returned", _("Returned to dispatcher")
        MERGED = "merged", _("Merged into another request")
        # Steps that do not change the status: the group's progress notes, and the clocks'
        # pages and escalations (the status stays; ``to_status`` repeats it).
        NOTED = "noted", _("Progress note")
        PAGED = "paged", _("Duty post paged")
        ESCALATED = "escalated", _("Escalated")

    help_request = models.ForeignKey(HelpRequest, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    from_status = models.CharField(max_length=12, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=12, choices=Status.choices)
    # PROTECT: the database refuses to rewrite an event, so an account that acted is
    # deactivated, never deleted.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT
    )
    #: Who acted, as text, so the record survives the account: a username or an API key name.
    actor_name = models.CharField(max_length=150)
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["help_request", "created_at", "id"], name="event_timeline"),
            # The daily report counts merges, returns and reopenings by day; they are a few per
            # cent of all events, so a partial index keeps this cheap to maintain.
            models.Index(
                fields=["kind", "created_at"],
                condition=models.Q(kind__in=["merged", "reopened", "returned"]),
                name="event_rare_kind",
            ),
        ]
        verbose_name = _("event")
        verbose_name_plural = _("events")

    def __str__(self) -> str:
        return f"{self.help_request_id} {self.kind}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise RuntimeError("Events are append-only; write a new one instead.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise RuntimeError("Events are append-only and cannot be deleted.")


class Attachment(models.Model):
    """A photo or document sent with a request. Files are served only through access checks."""

    class Kind(models.TextChoices):
        PHOTO = "photo", _("Photo")
        DOCUMENT = "document", _("Document")

    help_request = models.ForeignKey(
        HelpRequest, on_delete=models.PROTECT, related_name="attachments"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    file = models.FileField(upload_to="attachments/%Y/%m/")
    #: The name it had on the sender's device, shown but never used as a path.
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.original_name


class DailySequence(models.Model):
    """The last number given out on a day; bumped in one atomic statement per request."""

    day = models.DateField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.day}: {self.last}"


class IdempotencyRecord(models.Model):
    """Remembers a create's ``Idempotency-Key`` so a retry returns the first request."""

    scope = models.CharField(max_length=80)
    key = models.CharField(max_length=200)
    body_hash = models.CharField(max_length=64)
    help_request = models.ForeignKey(HelpRequest, on_delete=models.CASCADE)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["scope", "key"], name="unique_idem_key")]

    def __str__(self) -> str:
        return f"{self.scope}/{self.key}"


class AppendOnly(Exception):
    """An attempt to change or delete a row of an append-only audit table."""


class AppendOnlyQuerySet(models.QuerySet["PersonalDataAccess"]):
    """Refuses the bulk writes that would bypass ``save()`` and ``delete()``."""

    def update(self, **kwargs: Any) -> int:
        raise AppendOnly("the personal data access log is append-only")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnly("the personal data access log is append-only")

    def bulk_update(self, objs: Any, fields: Any, batch_size: int | None = None) -> int:
        raise AppendOnly("the personal data access log is append-only")


class PersonalDataAccess(models.Model):
    """A record of each time someone was shown a requester's personal data unmasked, and why.

    Append-only: ``save()`` of an existing row, ``delete()`` and bulk updates raise, the admin
    only lists, and a database trigger refuses UPDATE and DELETE from any other client.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, verbose_name=_("user")
    )
    help_request = models.ForeignKey(
        HelpRequest, on_delete=models.PROTECT, verbose_name=_("request")
    )
    via = models.CharField(_("via"), max_length=20)
    #: What the viewer gave as the reason; empty for files opened from an entitled role's page.
    reason = models.TextField(_("reason"), blank=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("personal data access")
        verbose_name_plural = _("personal data accesses")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.user_id} saw {self.help_request_id} via {self.via}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            raise AppendOnly("the personal data access log is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnly("the personal data access log is append-only")


class PersonalDataPurge(models.Model):
    """One run of ``manage.py purge_personal_data``: when, by whom and what it blanked."""

    created_at = models.DateTimeField(_("time"), default=timezone.now)
    run_by = models.CharField(_("run by"), max_length=150)
    closed_before = models.DateField(_("closed before"))
    requests = models.PositiveIntegerField(_("requests"))
    requesters = models.PositiveIntegerField(_("requesters"))
    attachments = models.PositiveIntegerField(_("attachments"))

    class Meta:
        verbose_name = _("personal data purge")
        verbose_name_plural = _("personal data purges")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"purge {self.closed_before:%Y-%m-%d} at {self.created_at:%Y-%m-%d %H:%M}"


class OutboundMessage(models.Model):
    """A text message sent (or, on the local backend, only written down) to a requester."""

    help_request = models.ForeignKey(
        HelpRequest, null=True, blank=True, on_delete=models.SET_NULL, related_name="messages"
    )
    event = models.OneToOneField(
        Event, null=True, blank=True, on_delete=models.SET_NULL, related_name="message"
    )
    phone = models.CharField(max_length=20)
    body = models.TextField()
    backend = models.CharField(max_length=40)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("outbound message")
        verbose_name_plural = _("outbound messages")

    def __str__(self) -> str:
        return f"SMS {self.pk}"
