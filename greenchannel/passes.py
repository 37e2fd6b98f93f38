"""Passes (通行证): a token signed by the issuing instance that a checkpoint can check offline.

The token is ``HY1.<payload>.<signature>``, both parts base64url without padding: the payload
is canonical JSON (the filing's plate, names, route and window), the signature the issuer's
Ed25519 signature of exactly those payload bytes. A checkpoint holding the issuer's public
key needs nothing else to tell a genuine pass from a forged one; only revocation needs the
network, so it is checked last and only when online. The verify page's JavaScript
(``static/greenchannel/passes.js``) repeats these checks in the same order.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.access import Actor
from core.errors import InvalidInput, TransitionNotAllowed
from federation import envelope, keys
from federation import services as federation
from federation.handlers import handles
from federation.models import InboxMessage, Peer
from greenchannel.models import Filing, FilingStatus, Pass, Side
from greenchannel.services import filing_event

PREFIX = "HY1"
REVOKED_MESSAGE = "gc.pass_revoked"
#: Only a filing approved at both ends, and not yet arrived, may travel on a pass.
ISSUABLE = frozenset({FilingStatus.APPROVED, FilingStatus.IN_TRANSIT})
#: Every payload field and its JSON type; a signed payload lacking one is still malformed.
PAYLOAD_FIELDS: dict[str, type] = {
    "iss": str,
    "pid": str,
    "fid": str,
    "no": str,
    "plate": str,
    "driver": str,
    "escort": str,
    "from": str,
    "to": str,
    "route": str,
    "nbf": int,
    "exp": int,
}
#: A QR code holds a few kilobytes at most; anything longer is not one of ours.
MAX_TOKEN = 4000


class Outcome(models.TextChoices):
    VALID = "valid", gettext_lazy("Valid")
    EXPIRED = "expired", gettext_lazy("Expired")
    NOT_YET_VALID = "not_yet_valid", gettext_lazy("Not yet valid")
    REVOKED = "revoked", gettext_lazy("Revoked")
    FORGED = "forged", gettext_lazy("Forged")
    UNKNOWN_ISSUER = "unknown_issuer", gettext_lazy("Unknown issuer")
    MALFORMED = "malformed", gettext_lazy("Not a pass code")


@dataclass(frozen=True)
class Verdict:
    """What a checkpoint is told: the outcome, and what the pass says once its signature holds."""

    outcome: str
    payload: dict[str, Any] = field(default_factory=dict)
    issuer_name: str = ""

    @property
    def is_valid(self) -> bool:
        return self.outcome == Outcome.VALID

    @property
    def label(self) -> str:
        return str(Outcome(self.outcome).label)

    @property
    def valid_from(self) -> datetime | None:
        return _moment(self.payload.get("nbf"))

    @property
    def valid_until(self) -> datetime | None:
        return _moment(self.payload.get("exp"))


def _moment(seconds: Any) -> datetime | None:
    return datetime.fromtimestamp(seconds, UTC) if isinstance(seconds, int) else None


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64url(text: str) -> bytes:
    """Strict base64url without padding: a stray character must not decode to something."""
    if not text or any(
        c not in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_" for c in text
    ):
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def public_keys() -> dict[str, str]:
    """Every key a pass may be signed with: ours and each active peer's, by instance id."""
    found = {settings.HUYING_INSTANCE_ID: keys.public_key_text()}
    for code, key in Peer.objects.filter(is_active=True).values_list("code", "public_key"):
        found.setdefault(code, key)
    return found


def sign_payload(payload: dict[str, Any]) -> str:
    """The token for ``payload``, signed with this instance's key."""
    raw = envelope.canonical(payload)
    return f"{PREFIX}.{_b64url(raw)}.{_b64url(keys.private_key().sign(raw))}"


def issue_pass(filing: Filing) -> Pass:
    """A new pass for ``filing``, valid for its window; TransitionNotAllowed before approval."""
    with transaction.atomic():
        # Locked so a step taken at the same moment (a rejection, an arrival) cannot slip
        # between the status check and the pass.
        filing = Filing.objects.select_for_update().get(pk=filing.pk)
        if filing.status not in ISSUABLE:
            raise TransitionNotAllowed(
                _(
                    "A pass is issued only once the filing is approved at both ends (it is “%(status)s”)."
                )
                % {"status": FilingStatus(filing.status).label}
            )
        pid = uuid.uuid4()
        payload = {
            "iss": settings.HUYING_INSTANCE_ID,
            "pid": str(pid),
            "fid": str(filing.uid),
            "no": filing.number,
            "plate": filing.vehicle_plate,
            "driver": filing.driver_name,
            "escort": filing.escort_name,
            "from": filing.origin_place,
            "to": filing.destination_place,
            "route": filing.route,
            "nbf": int(filing.window_start.timestamp()),
            "exp": int(filing.window_end.timestamp()),
        }
        issued = Pass.objects.create(
            pid=pid,
            filing=filing,
            issuer=settings.HUYING_INSTANCE_ID,
            token=sign_payload(payload),
            valid_from=filing.window_start,
            valid_until=filing.window_end,
        )
        filing_event(
            filing,
            kind="pass_issued",
            side=filing.side,
            from_status=filing.status,
            actor_name=settings.HUYING_INSTANCE_ID,
            note=str(pid),
        )
    return issued


def _split(token: str) -> tuple[bytes, bytes, dict[str, Any]] | None:
    """The payload bytes, the signature and the decoded payload, or None if it is not a token."""
    parts = token.strip().split(".")
    if len(token) > MAX_TOKEN or len(parts) != 3 or parts[0] != PREFIX:
        return None
    try:
        raw, signature = _unb64url(parts[1]), _unb64url(parts[2])
        payload = json.loads(raw.decode("utf-8"))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None
    if not isinstance(payload, dict) or not isinstance(payload.get("iss"), str):
        return None
    return raw, signature, payload


def verify_token(token: str, *, now: datetime | None = None) -> Verdict:
    """Check a pass: its form, its issuer, its signature, its window, then its revocation."""
    parts = _split(token or "")
    if parts is None:
        return Verdict(Outcome.MALFORMED)
    raw, signature, payload = parts
    issuer = payload["iss"]
    if issuer == settings.HUYING_INSTANCE_ID:
        key_text, issuer_name = keys.public_key_text(), str(_("this command centre"))
    else:
        peer = Peer.objects.filter(code=issuer, is_active=True).first()
        if peer is None:
            return Verdict(Outcome.UNKNOWN_ISSUER)
        key_text, issuer_name = peer.public_key, peer.name
    try:
        keys.load_public_key(key_text).verify(signature, raw)
    except (ValueError, InvalidSignature):
        return Verdict(Outcome.FORGED)
    for name, kind in PAYLOAD_FIELDS.items():
        if not isinstance(payload.get(name), kind) or isinstance(payload.get(name), bool):
            return Verdict(Outcome.MALFORMED)
    try:
        pid = uuid.UUID(payload["pid"])
    except ValueError:
        return Verdict(Outcome.MALFORMED)
    seconds = int((now or timezone.now()).timestamp())
    if seconds < payload["nbf"]:
        return Verdict(Outcome.NOT_YET_VALID, payload, issuer_name)
    if seconds >= payload["exp"]:
        return Verdict(Outcome.EXPIRED, payload, issuer_name)
    if is_revoked(pid, issuer):
        return Verdict(Outcome.REVOKED, payload, issuer_name)
    return Verdict(Outcome.VALID, payload, issuer_name)


def is_revoked(pid: uuid.UUID, issuer: str) -> bool:
    """Revoked by us, or by the issuer and told to us; nobody else may revoke a pass."""
    return Pass.objects.filter(pid=pid, issuer=issuer).exclude(revoked_at=None).exists()


def revoke_pass(issued: Pass, *, actor: Actor, reason: str) -> Pass:
    """Revoke a pass we issued, with the reason; the other side of the filing is told."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput.for_field("reason", _("Give the reason for revoking the pass."))
    with transaction.atomic():
        # Locked so two officers revoking at once write one revocation and one message.
        issued = Pass.objects.select_for_update().select_related("filing__peer").get(pk=issued.pk)
        if issued.issuer != settings.HUYING_INSTANCE_ID:
            raise TransitionNotAllowed(
                _("Only the command centre that issued a pass may revoke it.")
            )
        if issued.revoked_at is not None:
            raise TransitionNotAllowed(_("This pass is already revoked."))
        issued.revoked_at = timezone.now()
        issued.revoked_reason = reason
        issued.save(update_fields=["revoked_at", "revoked_reason"])
        filing = issued.filing
        filing_event(
            filing,
            kind="pass_revoked",
            side=filing.side,
            from_status=filing.status,
            actor=actor,
            actor_name=actor.name,
            note=f"{issued.pid}: {reason}",
        )
        federation.send(
            filing.peer,
            REVOKED_MESSAGE,
            {
                "uid": str(filing.uid),
                "pid": str(issued.pid),
                "reason": reason,
                "valid_from": issued.valid_from.isoformat(),
                "valid_until": issued.valid_until.isoformat(),
            },
        )
    return issued


def pass_reissue(filing: Filing, *, actor: Actor, reason: str) -> Pass:
    """A new pass for ``filing`` in place of the current ones (lost, damaged, handed to the
    wrong driver), which are revoked with the same reason: one valid pass per filing at a time.
    Only the origin issues passes, so only the origin re-issues them.
    """
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput.for_field("reason", _("Give the reason for issuing a new pass."))
    if filing.side != Side.ORIGIN:
        raise TransitionNotAllowed(_("Only the command centre that issued a pass may revoke it."))
    with transaction.atomic():
        current = Pass.objects.filter(
            filing=filing, issuer=settings.HUYING_INSTANCE_ID, revoked_at=None
        ).order_by("issued_at")
        for issued in current:
            revoke_pass(issued, actor=actor, reason=_("Replaced: %(reason)s") % {"reason": reason})
        # issue_pass locks the filing and refuses unless it is approved or in transit, which
        # rolls the revocations above back with it.
        return issue_pass(filing)


def receive_revocation(peer: Peer, body: dict[str, Any]) -> str:
    """The other side revoked a pass it issued for a filing we share: remember it."""
    try:
        pid, uid = uuid.UUID(str(body.get("pid"))), uuid.UUID(str(body.get("uid")))
        valid_from = datetime.fromisoformat(str(body.get("valid_from")))
        valid_until = datetime.fromisoformat(str(body.get("valid_until")))
    except ValueError:
        return "ignored: no pass id, filing id or window"
    filing = Filing.objects.filter(uid=uid, peer=peer).first()
    if filing is None:
        return "ignored: not a filing shared with this peer"
    known = Pass.objects.select_for_update().filter(pid=pid).first()
    if known is not None and known.issuer != peer.code:
        return "ignored: the pass is not this peer's"
    if known is None:
        known = Pass(
            pid=pid, filing=filing, issuer=peer.code, valid_from=valid_from, valid_until=valid_until
        )
    if known.revoked_at is None:
        known.revoked_at = timezone.now()
        known.revoked_reason = str(body.get("reason") or "")[:2000]
        known.save()
    return f"pass {pid} revoked"


@handles(REVOKED_MESSAGE)
def _revoked(message: InboxMessage, body: dict[str, Any]) -> str:
    return receive_revocation(message.peer, body)


def qr_svg(token: str) -> str:
    """The token as an inline SVG QR code, drawn here so the page needs nothing from outside."""
    import segno

    return str(
        segno.make(token, error="m", micro=False).svg_inline(scale=3, border=4, omitsize=True)
    )
