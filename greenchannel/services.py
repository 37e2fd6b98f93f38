"""Every step of a filing, on our side and as the other side reports it.

A step checks who may take it on which side and from which status, writes one
``FilingEvent``, and — when the other side knows the filing — sends it there through the
federation outbox in the same transaction. The other side applies the same step to its copy
(``apply_step``), so both hold the same status; the outbox keeps a peer's messages in order.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from core.access import Actor
from core.errors import InvalidInput, TransitionNotAllowed
from federation import services as federation
from federation.models import Peer
from greenchannel.models import FILING_FIELDS, Filing, FilingEvent, FilingStatus, Kind, Side
from greenchannel.signals import filing_event_committed

S = FilingStatus


@dataclass(frozen=True)
class Step:
    side: str  # who may take it
    sources: frozenset[str]  # from which statuses
    target: str
    needs_reason: bool = False


#: The life of a filing. An amendment is only possible before approval at both ends.
STEPS: dict[str, Step] = {
    "approve_origin": Step(Side.ORIGIN, frozenset({S.FILED}), S.ORIGIN_APPROVED),
    "approve": Step(Side.DESTINATION, frozenset({S.ORIGIN_APPROVED}), S.APPROVED),
    "request_amendment": Step(
        Side.DESTINATION, frozenset({S.ORIGIN_APPROVED}), S.AMENDMENT_REQUESTED, True
    ),
    "amend": Step(Side.ORIGIN, frozenset({S.FILED, S.AMENDMENT_REQUESTED}), S.FILED),
    "reject_origin": Step(
        Side.ORIGIN,
        frozenset({S.FILED, S.ORIGIN_APPROVED, S.AMENDMENT_REQUESTED}),
        S.REJECTED,
        True,
    ),
    "reject": Step(Side.DESTINATION, frozenset({S.ORIGIN_APPROVED}), S.REJECTED, True),
    "depart": Step(Side.ORIGIN, frozenset({S.APPROVED}), S.IN_TRANSIT),
    "arrive": Step(Side.DESTINATION, frozenset({S.IN_TRANSIT}), S.ARRIVED),
    "close": Step(Side.ORIGIN, frozenset({S.ARRIVED}), S.CLOSED),
}

FILING_MESSAGE = "gc.filing"
STEP_MESSAGE = "gc.step"
MAX_TEXT = 2000


def _other(side: str) -> str:
    return Side.DESTINATION if side == Side.ORIGIN else Side.ORIGIN


def _next_number() -> str:
    """``<instance>-YYYYMMDD-NNN``: unique across instances because it names the origin."""
    today = timezone.localdate()
    prefix = f"{settings.HUYING_INSTANCE_ID}-{today:%Y%m%d}-"
    count = Filing.objects.filter(number__startswith=prefix).count()
    return f"{prefix}{count + 1:03d}"


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    """The filing's fields, checked; InvalidInput names every field that is wrong."""
    errors: dict[str, list[str]] = {}
    required = {
        "kind",
        "origin_place",
        "destination_place",
        "cargo",
        "vehicle_plate",
        "driver_name",
        "driver_phone",
        "route",
        "window_start",
        "window_end",
        "origin_contact",
        "origin_contact_phone",
    }
    out: dict[str, Any] = {}
    for name in FILING_FIELDS:
        value = data.get(name)
        if name in ("window_start", "window_end"):
            moment = value if isinstance(value, datetime) else parse_datetime(str(value or ""))
            if moment is None:
                errors[name] = [_("Enter a date and time, like 2022-01-14 18:00.")]
            elif timezone.is_naive(moment):
                moment = timezone.make_aware(moment)
            out[name] = moment
            continue
        text = str(value or "").strip()
        # The column's own limit (a plate is 20 characters), so a long value from a form or a
        # peer's message is a field error here rather than a database error later.
        longest = getattr(Filing._meta.get_field(name), "max_length", None) or MAX_TEXT
        if name in required and not text:
            errors[name] = [_("This field is required.")]
        elif len(text) > longest:
            errors[name] = [_("At most %(max)d characters.") % {"max": longest}]
        out[name] = text
    if out.get("kind") and out["kind"] not in Kind.values:
        errors["kind"] = [_("Choose one of: %(kinds)s.") % {"kinds": ", ".join(Kind.values)}]
    start, end = out.get("window_start"), out.get("window_end")
    if isinstance(start, datetime) and isinstance(end, datetime) and end <= start:
        errors["window_end"] = [_("The window must end after it starts.")]
    if errors:
        raise InvalidInput(details=errors)
    return out


def filing_event(
    filing: Filing,
    *,
    kind: str,
    side: str,
    from_status: str,
    actor_name: str,
    actor: Actor | None = None,
    note: str = "",
    message_id: Any = None,
) -> FilingEvent:
    """Write one step of ``filing``'s timeline; the live board hears of it once committed."""
    event = FilingEvent.objects.create(
        filing=filing,
        kind=kind,
        side=side,
        from_status=from_status,
        to_status=filing.status,
        actor=actor.user if actor else None,
        actor_name=actor_name,
        note=note,
        version=filing.version,
        message_id=message_id,
    )
    transaction.on_commit(lambda: filing_event_committed.send(sender=FilingEvent, event=event))
    return event


def filing_create(
    *, actor: Actor, peer: Peer, data: dict[str, Any], help_request: Any = None
) -> Filing:
    """File a transfer from us to ``peer``; it waits for our own approval before it is sent."""
    fields = _clean(data)
    with transaction.atomic():
        filing = Filing.objects.create(
            number=_next_number(),
            side=Side.ORIGIN,
            peer=peer,
            origin_instance=settings.HUYING_INSTANCE_ID,
            destination_instance=peer.code,
            help_request=help_request,
            **fields,
        )
        filing_event(
            filing,
            kind="filed",
            side=Side.ORIGIN,
            from_status="",
            actor=actor,
            actor_name=actor.name,
        )
    return filing


def is_shared(filing: Filing) -> bool:
    """Whether the other side knows the filing: it came from there, or we approved and sent it."""
    return filing.side == Side.DESTINATION or filing.events.filter(kind="approve_origin").exists()


def _send_filing(filing: Filing) -> None:
    federation.send(
        filing.peer,
        FILING_MESSAGE,
        {
            "uid": str(filing.uid),
            "number": filing.number,
            "version": filing.version,
            "origin": filing.origin_instance,
            "destination": filing.destination_instance,
            "data": filing.data(),
        },
    )


def filing_step(
    filing: Filing,
    step_name: str,
    *,
    actor: Actor,
    reason: str = "",
    data: dict[str, Any] | None = None,
) -> Filing:
    """Take ``step_name`` on our side; the other side is told when it knows the filing."""
    step = STEPS.get(step_name)
    if step is None:
        raise InvalidInput.for_field("step", _("Unknown step “%(step)s”.") % {"step": step_name})
    reason = (reason or "").strip()
    with transaction.atomic():
        filing = Filing.objects.select_for_update().get(pk=filing.pk)
        if filing.side != step.side:
            raise TransitionNotAllowed(
                _("Only the %(side)s side may do this.") % {"side": Side(step.side).label}
            )
        if filing.status not in step.sources:
            if step_name == "amend":
                raise TransitionNotAllowed(
                    _(
                        "A filing cannot be amended once it is approved at both ends or closed "
                        "(it is “%(status)s”); file a new one."
                    )
                    % {"status": FilingStatus(filing.status).label}
                )
            raise TransitionNotAllowed(
                _("Not possible while the filing is “%(status)s”.")
                % {"status": FilingStatus(filing.status).label}
            )
        if step.needs_reason and not reason:
            raise InvalidInput.for_field(
                "reason", _("Give the reason; the other side will read it.")
            )
        fields = _clean(data or {}) if step_name == "amend" else None
        shared = is_shared(filing)
        before = filing.status
        filing.status = step.target
        if reason:
            filing.reason = reason
        if fields is not None:
            for name, value in fields.items():
                setattr(filing, name, value)
            filing.version += 1
        filing.save()
        filing_event(
            filing,
            kind=step_name,
            side=filing.side,
            from_status=before,
            actor=actor,
            actor_name=actor.name,
            note=reason,
        )
        if step_name == "approve_origin":
            from greenchannel.files import send_files

            _send_filing(filing)
            # After the filing, so the other side knows it when the files' parts arrive.
            send_files(filing)
        elif shared:
            federation.send(
                filing.peer,
                STEP_MESSAGE,
                {
                    "uid": str(filing.uid),
                    "step": step_name,
                    "version": filing.version,
                    "reason": reason,
                    "actor": actor.name,
                },
            )
    return filing


# --- Messages from the other side ---------------------------------------------------------------


def _uid(body: dict[str, Any]) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(body.get("uid")))
    except ValueError:
        return None


def receive_filing(peer: Peer, body: dict[str, Any], message_id: Any) -> str:
    """A filing the origin approved: create our copy, or take its amended version."""
    uid = _uid(body)
    if uid is None or not isinstance(body.get("version"), int):
        return "ignored: no filing id or version"
    if body.get("destination") != settings.HUYING_INSTANCE_ID or body.get("origin") != peer.code:
        return "ignored: not a filing from this peer to us"
    fields = _clean(body.get("data") or {})
    filing = Filing.objects.select_for_update().filter(uid=uid).first()
    if filing is None:
        filing = Filing.objects.create(
            uid=uid,
            number=str(body["number"])[:40],
            side=Side.DESTINATION,
            peer=peer,
            origin_instance=peer.code,
            destination_instance=settings.HUYING_INSTANCE_ID,
            status=S.ORIGIN_APPROVED,
            version=int(body["version"]),
            **fields,
        )
        filing_event(
            filing,
            kind="approve_origin",
            side=Side.ORIGIN,
            from_status="",
            actor_name=peer.name,
            message_id=message_id,
        )
        return f"filing {filing.number} received"
    if filing.side != Side.DESTINATION or filing.peer_id != peer.pk:
        return "ignored: the filing is not this peer's"
    if int(body["version"]) <= filing.version and filing.status == S.ORIGIN_APPROVED:
        return "ignored: this version is known"
    before = filing.status
    for name, value in fields.items():
        setattr(filing, name, value)
    filing.version = int(body["version"])
    filing.status = S.ORIGIN_APPROVED
    filing.save()
    filing_event(
        filing,
        kind="approve_origin",
        side=Side.ORIGIN,
        from_status=before,
        actor_name=peer.name,
        message_id=message_id,
    )
    return f"filing {filing.number} version {filing.version} received"


def apply_step(peer: Peer, body: dict[str, Any], message_id: Any) -> str:
    """A step the other side took on its copy: take it on ours, if it fits."""
    uid = _uid(body)
    filing = Filing.objects.select_for_update().filter(uid=uid, peer=peer).first() if uid else None
    name = str(body.get("step"))
    step = STEPS.get(name)
    if filing is None or step is None:
        return "ignored: unknown filing or step"
    if step.side != _other(filing.side):
        return f"ignored: {name} is not the other side's step"
    if filing.status not in step.sources:
        filing_event(
            filing,
            kind="out_of_step",
            side=step.side,
            from_status=filing.status,
            actor_name=peer.name,
            note=f"{name} from {filing.status}",
            message_id=message_id,
        )
        return f"ignored: {name} does not fit {filing.status}"
    before = filing.status
    filing.status = step.target
    if body.get("reason"):
        filing.reason = str(body["reason"])[:MAX_TEXT]
    filing.save()
    filing_event(
        filing,
        kind=name,
        side=step.side,
        from_status=before,
        actor_name=f"{peer.name} · {str(body.get('actor', ''))[:60]}",
        note=str(body.get("reason") or ""),
        message_id=message_id,
    )
    if filing.status == S.APPROVED and filing.side == Side.ORIGIN:
        # Approved at both ends: the origin, where the vehicle leaves, issues its pass.
        from greenchannel import passes

        passes.issue_pass(filing)
    return f"{filing.number}: {name}"
