"""Every write to a help request. Each transition locks the row, checks the state, saves,
writes exactly one ``Event`` and queues its side effects for after the commit.

Nothing else in the project sets ``HelpRequest.status``.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import clocks, numbering
from core.access import ACTION_FROM, Actor, channel_of, may_file_requests, require_action
from core.dispatching import rule_for
from core.errors import Forbidden, IdempotencyConflict, InvalidInput, TransitionNotAllowed
from core.models import (
    URGENCY_RANK,
    AnswerMethod,
    Attachment,
    Category,
    Channel,
    DispatchRule,
    Division,
    Enterprise,
    Event,
    Group,
    HelpRequest,
    IdempotencyRecord,
    MediaOutlet,
    Requester,
    RequesterKind,
    Satisfaction,
    Status,
    phone_lookup_hash,
)
from core.signals import event_committed
from lib.uploads import CleanUpload

log = logging.getLogger(__name__)

MAX_TEXT = 4000


@dataclass(frozen=True)
class NewRequest:
    """A validated intake (see ``core.intake``), ready to be filed."""

    channel: str
    category: Category
    urgency: str
    description: str
    division: Division
    requester_name: str
    requester_phone: str
    summary: str = ""
    address: str = ""
    requester_kind: str = RequesterKind.PERSON
    requester_id_number: str = ""
    organisation: str = ""
    uscc: str = ""
    external_ref: str = ""
    #: Enterprise portal: the company and its head count when it asked.
    enterprise: Enterprise | None = None
    workforce: int | None = None
    #: Media channel: the outlet that passed the lead on, and where it came from.
    media_outlet: MediaOutlet | None = None
    lead_source: str = ""
    #: Checked files (``lib.uploads``), stored with the request in the same transaction.
    attachments: tuple[CleanUpload, ...] = ()


def _summary_of(description: str) -> str:
    first_line = description.strip().splitlines()[0] if description.strip() else ""
    return first_line[:60]


def _requester_for(new: NewRequest) -> Requester:
    """Reuse the requester already known by this phone and name, so their history stays one."""
    # Name and phone are encrypted: find by the phone's keyed hash, compare names decrypted.
    requester = next(
        (
            found
            for found in Requester.objects.filter(
                kind=new.requester_kind, phone_hash=phone_lookup_hash(new.requester_phone)
            ).order_by("id")
            if found.name == new.requester_name
        ),
        None,
    )
    if requester is None:
        return Requester.objects.create(
            kind=new.requester_kind,
            name=new.requester_name,
            phone=new.requester_phone,
            id_number=new.requester_id_number,
            organisation=new.organisation,
            uscc=new.uscc,
        )
    changed = False
    for attr, value in (
        ("id_number", new.requester_id_number),
        ("organisation", new.organisation),
        ("uscc", new.uscc),
    ):
        if value and getattr(requester, attr) != value:
            setattr(requester, attr, value)
            changed = True
    if changed:
        requester.save()
    return requester


def _event(
    help_request: HelpRequest,
    *,
    actor: Actor,
    kind: str,
    from_status: str,
    to_status: str | None = None,
    note: str = "",
    data: dict[str, Any] | None = None,
    at: datetime,
) -> Event:
    """An unsaved event of ``help_request``; ``to_status`` defaults to its status now."""
    return Event(
        help_request=help_request,
        kind=kind,
        from_status=from_status,
        to_status=help_request.status if to_status is None else to_status,
        actor=actor.user,
        actor_name=actor.name,
        note=note,
        data=data or {},
        created_at=at,
    )


def _write_event(
    help_request: HelpRequest,
    *,
    actor: Actor,
    kind: str,
    from_status: str,
    note: str = "",
    data: dict[str, Any] | None = None,
    at: datetime,
) -> Event:
    event = _event(
        help_request, actor=actor, kind=kind, from_status=from_status, note=note, data=data, at=at
    )
    event.save()
    return event


def _idempotent_replay(scope: str, key: str, body_hash: str) -> HelpRequest | None:
    record = (
        IdempotencyRecord.objects.select_related("help_request")
        .filter(scope=scope, key=key)
        .first()
    )
    if record is None:
        return None
    if record.body_hash != body_hash:
        raise IdempotencyConflict(
            _("This Idempotency-Key was already used for a different request."),
            details={"idempotency_key": [_("Use a new key for a new request.")]},
        )
    return record.help_request


def idempotency_scope(actor: Actor) -> str:
    if actor.api_key is not None:
        return f"key:{actor.api_key.pk}"
    if actor.user is not None:
        return f"user:{actor.user.pk}"
    return "anonymous"


@dataclass(frozen=True)
class Filed:
    """What ``request_file`` did: the request, whether it is new, and the rows it wrote with
    it, so that an answer can show them without reading them back."""

    help_request: HelpRequest
    created: bool
    #: ``None`` for a replay, which wrote nothing: read them from the request then.
    assisting_groups: tuple[Group, ...] | None = None
    attachments: tuple[Attachment, ...] | None = None


def request_create(
    *,
    actor: Actor,
    new: NewRequest,
    idempotency_key: str | None = None,
    body_hash: str = "",
    auto_dispatch: bool = True,
) -> tuple[HelpRequest, bool]:
    """File a request (see ``request_file``); return it and whether it is new."""
    filed = request_file(
        actor=actor,
        new=new,
        idempotency_key=idempotency_key,
        body_hash=body_hash,
        auto_dispatch=auto_dispatch,
    )
    return filed.help_request, filed.created


def request_file(
    *,
    actor: Actor,
    new: NewRequest,
    idempotency_key: str | None = None,
    body_hash: str = "",
    auto_dispatch: bool = True,
) -> Filed:
    """File a request; ``created`` is False for an idempotent replay.

    If an active dispatch rule matches (``core.dispatching``), the request is filed already
    dispatched by the system: one transaction inserts it with both events, ``created`` and
    ``dispatched``; otherwise it waits, received, for the dispatcher.
    ``auto_dispatch=False`` files it received whatever the rules say (直办 at intake).
    """
    if not may_file_requests(actor):
        raise Forbidden(_("You may not file requests."))
    own_channel = channel_of(actor)
    if own_channel and new.channel != own_channel:
        # A citizen, a company or an integration files on its own channel only, so the
        # daily numbers by channel can be trusted.
        raise InvalidInput.for_field(
            "channel",
            _("Requests from this account come by the channel “%(channel)s”.")
            % {"channel": Channel(own_channel).label},
        )
    scope = idempotency_scope(actor)
    if idempotency_key:
        replay = _idempotent_replay(scope, idempotency_key, body_hash)
        if replay is not None:
            return Filed(replay, created=False)
    # The rule is chosen before the transaction, from the process's copy of the rules, so
    # the transaction only writes: the request goes in once, in its final state.
    rule = (
        rule_for(category_code=new.category.code, division=new.division, urgency=new.urgency)
        if auto_dispatch
        else None
    )
    try:
        with transaction.atomic():
            filed = _file(actor=actor, new=new, rule=rule)
            help_request = filed.help_request
            if idempotency_key:
                IdempotencyRecord.objects.create(
                    scope=scope, key=idempotency_key, body_hash=body_hash, help_request=help_request
                )
            # Last before the commit: on PostgreSQL this takes the day's number, and the
            # day's row stays locked only from here to the commit (see core.numbering).
            numbering.assign(help_request)
    except IntegrityError:
        # A concurrent retry with the same key won the unique constraint; answer with its
        # request. Anything else is a real integrity failure and must surface.
        if not idempotency_key:
            raise
        replay = _idempotent_replay(scope, idempotency_key, body_hash)
        if replay is None:
            raise
        return Filed(replay, created=False)
    return filed


def request_create_answered(
    *, actor: Actor, new: NewRequest, answer: str, data: dict[str, Any] | None = None
) -> HelpRequest:
    """直办 at intake: file a request and record the answer given on the line, both or neither.

    If the answer is refused, nothing is filed, so the operator fixes it and saves once more
    instead of finding a half-done request in the queue.
    """
    with transaction.atomic():
        help_request, _created = request_create(actor=actor, new=new, auto_dispatch=False)
        return request_resolve_at_intake(help_request, actor=actor, answer=answer, data=data)


#: The platform itself, applying a dispatch rule (see ``core.access.Actor``).
SYSTEM = Actor(system=True)


def _file(*, actor: Actor, new: NewRequest, rule: DispatchRule | None) -> Filed:
    """Insert the request, dispatched by ``rule`` if there is one, and its events.

    What the system's dispatch writes is what ``request_dispatch`` would have written a
    moment later — status, lead group, assisting groups, the accept deadline due, a
    ``dispatched`` event with the rule — without reading back and saving again the row just
    inserted.
    """
    now = timezone.now()
    requester = _requester_for(new)
    windows = clocks.windows_for(category_code=new.category.code, urgency=new.urgency)
    help_request = HelpRequest(
        channel=new.channel,
        category=new.category,
        urgency=new.urgency,
        priority=URGENCY_RANK[new.urgency],  # type: ignore[index]
        summary=new.summary or _summary_of(new.description),
        description=new.description,
        division=new.division,
        address=new.address,
        requester=requester,
        created_by=actor.user,
        api_key=actor.api_key,
        external_ref=new.external_ref,
        enterprise=new.enterprise,
        workforce=new.workforce,
        media_outlet=new.media_outlet,
        lead_source=new.lead_source,
        received_at=now,
    )
    clocks.set_deadlines(help_request, start=now, windows=windows)
    helpers: list[Group] = []
    if rule is not None:
        # A helper made inactive after the rule was written is left out, not an error:
        # the person's request must not fail to file because of a rule.
        helpers = [
            g for g in rule.assisting_groups.all() if g.is_active and g.pk != rule.lead_group_id
        ]
        # The gate every dispatch passes: the system may dispatch, and do nothing else.
        require_action(SYSTEM, "dispatch", help_request)
        help_request.status = Status.DISPATCHED
        help_request.lead_group = rule.lead_group
        help_request.dispatched_at = now
    help_request.due_at = clocks.current_due(help_request)
    help_request.number = numbering.number_for(timezone.localdate(now))
    help_request.save()
    if helpers:
        through = HelpRequest.assisting_groups.through
        through.objects.bulk_create(
            [through(helprequest_id=help_request.pk, group_id=g.pk) for g in helpers]
        )
    attachments = tuple(
        _attach(help_request, upload, actor=actor, at=now) for upload in new.attachments
    )
    events = [
        _event(
            help_request,
            actor=actor,
            kind=Event.Kind.CREATED,
            from_status="",
            to_status=Status.RECEIVED,
            at=now,
            data={"attachments": len(new.attachments)} if new.attachments else None,
        )
    ]
    if rule is not None:
        events.append(
            _event(
                help_request,
                actor=SYSTEM,
                kind=Event.Kind.DISPATCHED,
                from_status=Status.RECEIVED,
                at=now,
                data={
                    "rule": rule.pk,
                    "automatic": True,
                    "group": rule.lead_group.code,
                    "assisting": [g.code for g in helpers],
                },
            )
        )
    for event in Event.objects.bulk_create(events):
        _queue_side_effects(event)
    return Filed(
        help_request, created=True, assisting_groups=tuple(helpers), attachments=attachments
    )


def _attach(
    help_request: HelpRequest, upload: CleanUpload, *, actor: Actor, at: datetime
) -> Attachment:
    attachment = Attachment(
        help_request=help_request,
        kind=Attachment.Kind.PHOTO if upload.is_photo else Attachment.Kind.DOCUMENT,
        original_name=upload.name,
        content_type=upload.content_type,
        size=len(upload.data),
        uploaded_by=actor.user,
        created_at=at,
    )
    # A random stored name: the sender's file name is shown, never used as a path. A file
    # left behind by a rolled-back create is an orphan on disk, not a hole in the records.
    attachment.file.save(
        f"{secrets.token_hex(16)}{upload.extension}", ContentFile(upload.data), save=False
    )
    attachment.save()
    return attachment


#: Sets the new state on the locked row; may fill the event's data and return another kind.
Apply = Callable[[HelpRequest, datetime, dict[str, Any]], str | None]


def _transition(
    help_request: HelpRequest,
    *,
    actor: Actor,
    action: str,
    kind: str,
    apply: Apply,
    note: str = "",
    data: dict[str, Any] | None = None,
    also_lock: HelpRequest | None = None,
    due_now: bool = False,
) -> HelpRequest:
    """Lock, check, apply, record.

    ``apply`` runs on the locked row inside the transaction: it sets the new status and
    fields, may add to the event's ``data`` and may return a different event kind when the
    outcome depends on the locked state (a first 不满意 reopens instead of closing).
    ``due_now`` makes the request due at once (a return), so it heads its queue.
    """
    data = dict(data or {})
    with transaction.atomic():
        # The lock makes two people acting at once queue up: the second sees the first's
        # result and is refused if the state no longer allows its action, so the timeline
        # never shows two accepts or an accept after a return. Rows are locked in id order
        # so that two merges of a pair in opposite directions cannot deadlock.
        pks = sorted({help_request.pk} | ({also_lock.pk} if also_lock else set()))
        rows = {
            row.pk: row
            for row in HelpRequest.objects.select_for_update().filter(pk__in=pks).order_by("pk")
        }
        locked = rows[help_request.pk]
        require_action(actor, action, locked)
        if locked.status not in ACTION_FROM[action]:
            raise TransitionNotAllowed(
                _("Request %(number)s has the status “%(status)s”; it cannot be %(action)s now.")
                % {
                    "number": locked.number,
                    "status": locked.get_status_display(),
                    "action": ACTION_LABELS[action],
                },
                details={"status": locked.status, "action": action},
            )
        now = timezone.now()
        from_status = locked.status
        kind = apply(locked, now, data) or kind
        locked.due_at = now if due_now else clocks.current_due(locked)
        locked.save()
        event = _write_event(
            locked, actor=actor, kind=kind, from_status=from_status, note=note, data=data, at=now
        )
        _queue_side_effects(event)
    return locked


def _queue_side_effects(event: Event) -> None:
    from core import tasks

    event_id = event.pk
    if event.kind == Event.Kind.CREATED:
        transaction.on_commit(lambda: tasks.send_receipt.enqueue(event_id))
    elif event.kind in (Event.Kind.RESOLVED, Event.Kind.RESOLVED_AT_INTAKE):
        transaction.on_commit(lambda: tasks.send_answer.enqueue(event_id))
    transaction.on_commit(lambda: event_committed.send(sender=Event, event=event))


ACTION_LABELS = {
    "dispatch": gettext_lazy("dispatched"),
    "merge": gettext_lazy("merged"),
    "resolve_at_intake": gettext_lazy("answered on the line"),
    "accept": gettext_lazy("accepted"),
    "return": gettext_lazy("returned"),
    "start": gettext_lazy("started"),
    "resolve": gettext_lazy("resolved"),
    "close": gettext_lazy("closed"),
    "reopen": gettext_lazy("reopened"),
}


def _require_text(value: str, field_name: str, *, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise InvalidInput.for_field(field_name, _("This field is required."))
    if len(value) > MAX_TEXT:
        raise InvalidInput.for_field(
            field_name,
            _("At most %(max)d characters (it has %(n)d).") % {"max": MAX_TEXT, "n": len(value)},
        )
    return value


def request_dispatch(
    help_request: HelpRequest,
    *,
    actor: Actor,
    group: Group,
    assisting: Iterable[Group] = (),
    note: str = "",
    data: dict[str, Any] | None = None,
) -> HelpRequest:
    """Send a received request to the group that leads it (主办), with optional helpers (协办).

    ``data`` goes into the event, e.g. the dispatch rule that decided it.
    """
    note = _require_text(note, "note", required=False)
    if not group.is_active:
        raise InvalidInput.for_field(
            "group", _("Group %(name)s is not active.") % {"name": group.display_name}
        )
    helpers = [g for g in assisting if g.pk != group.pk]
    inactive = [g.display_name for g in helpers if not g.is_active]
    if inactive:
        raise InvalidInput.for_field(
            "assisting_groups", _("Not active: %(names)s.") % {"names": "、".join(inactive)}
        )

    def apply(hr: HelpRequest, now: datetime, data: dict[str, Any]) -> str | None:
        hr.status = Status.DISPATCHED
        hr.lead_group = group
        hr.dispatched_at = now
        hr.assisting_groups.set(helpers)
        return None

    return _transition(
        help_request,
        actor=actor,
        action="dispatch",
        kind=Event.Kind.DISPATCHED,
        apply=apply,
        note=note,
        data={**(data or {}), "group": group.code, "assisting": [g.code for g in helpers]},
    )


def request_accept(help_request: HelpRequest, *, actor: Actor, note: str = "") -> HelpRequest:
    note = _require_text(note, "note", required=False)

    def apply(hr: HelpRequest, now: datetime, data: dict[str, Any]) -> str | None:
        hr.status = Status.ACCEPTED
        hr.accepted_at = now
        hr.accepted_by = actor.user
        return None

    return _transition(
        help_request, actor=actor, action="accept", kind=Event.Kind.ACCEPTED, apply=apply, note=note
    )


def request_start(help_request: HelpRequest, *, actor: Actor, note: str = "") -> HelpRequest:
    note = _require_text(note, "note", required=False)

    def apply(hr: HelpRequest, now: datetime, data: dict[str, Any]) -> str | None:
        hr.status = Status.IN_PROGRESS
        return None

    return _transition(
        help_request, actor=actor, action="start", kind=Event.Kind.STARTED, apply=apply, note=note
    )


def _check_answer_method(method: str) -> str:
    if method not in AnswerMethod.values:
        raise InvalidInput.for_field(
            "answer_method",
            _("Choose one of: %(choices)s.") % {"choices": ", ".join(AnswerMethod.values)},
        )
    return method


def request_resolve(
    help_request: HelpRequest, *, actor: Actor, answer: str, answer_method: str
) -> HelpRequest:
    """Record the answer given to the requester (答复) and how they were told."""
    answer = _require_text(answer, "answer")
    answer_method = _check_answer_method(answer_method)

    def apply(hr: HelpRequest, now: datetime, data: dict[str, Any]) -> str | None:
        hr.status = Status.RESOLVED
        hr.resolved_at = now
        hr.answer = answer
        hr.answer_method = answer_method
        return None

    return _transition(
        help_request,
        actor=actor,
        action="resolve",
        kind=Event.Kind.RESOLVED,
        apply=apply,
        note=answer,
        data={"answer_method": answer_method},
    )


def request_resolve_at_intake(
    help_request: HelpRequest,
    *,
    actor: Actor,
    answer: str,
    answer_method: str = AnswerMethod.PHONE,
    data: dict[str, Any] | None = None,
) -> HelpRequest:
    """直办: the operator answered the caller on the line; no group is needed.

    ``data`` goes into the event, e.g. which policy entry the answer came from.
    """
    answer = _require_text(answer, "answer")
    answer_method = _check_answer_method(answer_method)

    def apply(hr: HelpRequest, now: datetime, data: dict[str, Any]) -> str | None:
        hr.status = Status.RESOLVED
        hr.resolved_at = now
        hr.answer = answer
        hr.answer_method = answer_method
        return None

    return _transition(
        help_request,
        actor=actor,
        action="resolve_at_intake",
        kind=Event.Kind.RESOLVED_AT_INTAKE,
        apply=apply,
        note=answer,
        data={**(data or {}), "answer_method": answer_method},
    )


def request_close(
    help_request: HelpRequest, *, actor: Actor, satisfaction: str, note: str = ""
) -> HelpRequest:
    """Close with the requester's rating. The first 不满意 reopens the request instead."""
    note = _require_text(note, "note", required=False)
    if satisfaction not in Satisfaction.values:
        raise InvalidInput.for_field(
            "satisfaction",
            _("Choose one of: %(choices)s.") % {"choices": ", ".join(Satisfaction.values)},
        )

    def apply(hr: HelpRequest, now: datetime, data: dict[str, Any]) -> str | None:
        hr.satisfaction = satisfaction
        # Decided on the locked row: only the first 不满意 earns an automatic second try.
        reopening = satisfaction == Satisfaction.UNSATISFIED and hr.reopen_count == 0
        data["automatic_reopen"] = reopening
        if reopening:
            _reopen(hr, now, data)
            return Event.Kind.REOPENED
        hr.status = Status.CLOSED
        hr.closed_at = now
        return None

    return _transition(
        help_request,
        actor=actor,
        action="close",
        kind=Event.Kind.CLOSED,
        apply=apply,
        note=note,
        data={"satisfaction": satisfaction},
    )


def _reopen(hr: HelpRequest, now: datetime, data: dict[str, Any]) -> str | None:
    # The group must try again, with a fresh resolve clock; the old answer stays in the log.
    windows = clocks.windows_for(category_code=hr.category_id, urgency=hr.urgency)
    hr.status = Status.IN_PROGRESS
    hr.reopen_count += 1
    hr.resolve_due_at = now + windows.resolve
    hr.resolved_at = None
    hr.closed_at = None
    if hr.lead_group_id is None:
        # Answered on the line (直办): no group holds it, and "in progress" would leave it
        # open with nobody allowed to act on it. It goes back to the dispatcher's queue.
        hr.status = Status.RECEIVED
        hr.dispatch_due_at = now + windows.dispatch
        hr.accept_due_at = now + windows.accept
    return None


def request_reopen(help_request: HelpRequest, *, actor: Actor, reason: str) -> HelpRequest:
    """不满意重办 decided by the dispatcher or the group's leader."""
    reason = _require_text(reason, "reason")
    return _transition(
        help_request,
        actor=actor,
        action="reopen",
        kind=Event.Kind.REOPENED,
        apply=_reopen,
        note=reason,
    )


def request_return(help_request: HelpRequest, *, actor: Actor, reason: str) -> HelpRequest:
    """退单: the group hands the request back to the dispatcher, saying why."""
    reason = _require_text(reason, "reason")

    def apply(hr: HelpRequest, now: datetime, data: dict[str, Any]) -> str | None:
        # The dispatcher must act again quickly, so the dispatch and accept clocks restart;
        # the resolve clock does not: the person's wait does not start over.
        windows = clocks.windows_for(category_code=hr.category_id, urgency=hr.urgency)
        data["group"] = hr.lead_group.code if hr.lead_group else ""
        hr.status = Status.RECEIVED
        hr.lead_group = None
        hr.accepted_by = None
        hr.accepted_at = None
        hr.return_count += 1
        hr.dispatch_due_at = now + windows.dispatch
        hr.accept_due_at = now + windows.accept
        hr.assisting_groups.clear()
        return None

    # Back at the top of the dispatcher's queue: ``due_at`` is the moment it came back, ahead
    # of every request of its urgency not yet late (docs/domain.md, "Clocks").
    return _transition(
        help_request,
        actor=actor,
        action="return",
        kind=Event.Kind.RETURNED,
        apply=apply,
        note=reason,
        due_now=True,
    )


def request_merge(
    help_request: HelpRequest, *, actor: Actor, into: HelpRequest, note: str = ""
) -> HelpRequest:
    """Mark ``help_request`` a duplicate of ``into``; the person is answered through ``into``.

    The caller checks that the actor may see ``into`` (``core.access.get_request_for``).
    """
    note = _require_text(note, "note", required=False)
    if into.pk == help_request.pk:
        raise InvalidInput.for_field("into", _("A request cannot be merged into itself."))

    def apply(hr: HelpRequest, now: datetime, data: dict[str, Any]) -> str | None:
        # ``into`` is locked too, so two merges at once cannot build a chain A→B→C.
        target = HelpRequest.objects.select_related("merged_into").get(pk=into.pk)
        if target.status == Status.MERGED:
            raise InvalidInput.for_field(
                "into",
                _("Request %(number)s is itself merged; merge into %(target)s.")
                % {
                    "number": target.number,
                    "target": target.merged_into.number if target.merged_into else "?",
                },
            )
        hr.status = Status.MERGED
        hr.merged_into = target
        return None

    return _transition(
        help_request,
        actor=actor,
        action="merge",
        kind=Event.Kind.MERGED,
        apply=apply,
        note=note,
        data={"into": into.number},
        also_lock=into,
    )


ACTION_LABELS["note"] = gettext_lazy("noted")


def request_note(help_request: HelpRequest, *, actor: Actor, note: str) -> HelpRequest:
    """办理进展: a member of the lead or an assisting group, or the dispatcher, writes down
    where the work stands. One ``noted`` event; the status and the clocks stay as they are.

    Not through ``_transition``: nothing on the request is saved, so a returned request
    keeps the ``due_at`` that puts it at the top of the dispatcher's queue.
    """
    note = _require_text(note, "note")
    with transaction.atomic():
        locked = HelpRequest.objects.select_for_update().get(pk=help_request.pk)
        require_action(actor, "note", locked)
        if locked.status not in ACTION_FROM["note"]:
            raise TransitionNotAllowed(
                _("Request %(number)s has the status “%(status)s”; it cannot be %(action)s now.")
                % {
                    "number": locked.number,
                    "status": locked.get_status_display(),
                    "action": ACTION_LABELS["note"],
                },
                details={"status": locked.status, "action": "note"},
            )
        event = _write_event(
            locked,
            actor=actor,
            kind=Event.Kind.NOTED,
            from_status=locked.status,
            note=note,
            at=timezone.now(),
        )
        _queue_side_effects(event)
    return locked
