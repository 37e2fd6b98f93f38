"""How a requester's personal data is shown: masked by default, in full only to a role that
needs it and only after the viewer gave a reason, and every full view written down (PIPL).
The API and the console both ask here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time

from django.core.exceptions import ValidationError
from django.core.validators import MinLengthValidator
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext as _

from core.access import Actor, is_requester, may_see_personal_data
from core.errors import Forbidden, InvalidInput
from core.models import (
    Attachment,
    Event,
    HelpRequest,
    OutboundMessage,
    PersonalDataAccess,
    PersonalDataPurge,
    Requester,
    Status,
    id_number_lookup_hash,
    phone_lookup_hash,
)
from lib.fieldcrypt import decrypt, encrypt, key_id_of, needs_reencryption
from lib.masking import mask_id_number, mask_name, mask_phone

#: A reason must say something ("回访核实" is four characters); longer ones are cut off.
REASON_MIN_LENGTH = 4
REASON_MAX_LENGTH = 500


@dataclass(frozen=True)
class RequesterCard:
    kind: str
    kind_label: str
    name: str
    phone: str
    id_number: str
    # An enterprise's name and credit code are public registry data, not personal data.
    organisation: str
    uscc: str
    masked: bool
    #: The viewer's role may ask to see this card in full (giving a reason); it is masked now.
    may_reveal: bool = False


def _card(requester: Requester, *, full: bool, may_reveal: bool) -> RequesterCard:
    return RequesterCard(
        kind=requester.kind,
        kind_label=requester.get_kind_display(),
        name=requester.name if full else mask_name(requester.name),
        phone=requester.phone if full else mask_phone(requester.phone),
        id_number=requester.id_number if full else mask_id_number(requester.id_number),
        organisation=requester.organisation,
        uscc=requester.uscc,
        masked=not full,
        may_reveal=may_reveal and not full,
    )


def requester_card(*, actor: Actor, help_request: HelpRequest, via: str = "") -> RequesterCard:
    """The requester of ``help_request`` as shown by default: masked for everyone but the
    requester themself. Staff whose role needs the full values ask ``requester_reveal``.

    Nothing is recorded, so ``via`` (where it is shown) is only accepted, not used.
    """
    own = is_requester(actor, help_request)
    return _card(
        help_request.requester,
        full=own,
        may_reveal=may_see_personal_data(actor, help_request),
    )


def clean_reason(reason: str) -> str:
    """The reason given for a full view, or ``InvalidInput`` on the ``reason`` field.

    The messages are Django's own (required, minimum length), so they come in every language
    Django speaks without a new entry in our catalogue.
    """
    text = " ".join((reason or "").split())
    if not text:
        raise InvalidInput(details={"reason": [gettext("This field is required.")]})
    try:
        MinLengthValidator(REASON_MIN_LENGTH)(text)
    except ValidationError as error:
        raise InvalidInput(details={"reason": list(error.messages)}) from None
    return text[:REASON_MAX_LENGTH]


def requester_reveal(
    *, actor: Actor, help_request: HelpRequest, via: str, reason: str
) -> RequesterCard:
    """The requester in full, for a role that needs it, once a reason is given; the view is
    recorded with the reason. The caller has already checked that ``actor`` sees the request.

    The role is checked before the reason, so a role that may never see the values is told
    so rather than how to phrase a reason.
    """
    if actor.user is None or not may_see_personal_data(actor, help_request):
        raise Forbidden(_("Your role sees personal data masked."))
    text = clean_reason(reason)
    # People looking at their own request are not the ones the log is meant to watch.
    if not is_requester(actor, help_request):
        PersonalDataAccess.objects.create(
            user=actor.user, help_request=help_request, via=via, reason=text
        )
    return _card(help_request.requester, full=True, may_reveal=True)


def masked_contact(requester: Requester) -> tuple[str, str]:
    """Name and phone for a list row: always masked, a list is for finding, not for calling."""
    return mask_name(requester.name), mask_phone(requester.phone)


# --- Purge -----------------------------------------------------------------------------------

#: The request's own words, which name people, streets and illnesses. Everything the figures
#: count (status, category, county/street, channel, urgency, group, timestamps, clocks,
#: satisfaction, the events) is kept.
PURGED_REQUEST_TEXT = ("summary", "description", "address", "answer")


@dataclass(frozen=True)
class PurgeResult:
    requests: int
    requesters: int
    requesters_kept: int
    attachments: int
    messages: int
    dry_run: bool

    def as_dict(self) -> dict[str, int | bool]:
        return {
            "requests": self.requests,
            "requesters": self.requesters,
            "requesters_kept": self.requesters_kept,
            "attachments": self.attachments,
            "messages": self.messages,
            "dry_run": self.dry_run,
        }


def finished_before(cutoff: datetime) -> Q:
    """Requests finished before ``cutoff``: closed then, or merged (by their merge event) then."""
    merged_then = Exists(
        Event.objects.filter(
            help_request=OuterRef("pk"), kind=Event.Kind.MERGED, created_at__lt=cutoff
        )
    )
    return Q(status=Status.CLOSED, closed_at__lt=cutoff) | Q(merged_then, status=Status.MERGED)


def _chunks(ids: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def personal_data_purge(
    *, closed_before: date, run_by: str, dry_run: bool = False, batch_size: int = 1000
) -> PurgeResult:
    """Blank the personal data of the requests finished before ``closed_before`` (local
    midnight): their text fields, their files, the texts sent about them, and each requester
    whose every request is finished (a requester with one still open keeps their data).

    Idempotent: a second run finds nothing new. Writes one ``PersonalDataPurge`` row.
    """
    cutoff = datetime.combine(closed_before, time(0), tzinfo=timezone.get_current_timezone())
    done = finished_before(cutoff)
    request_ids = list(
        HelpRequest.objects.filter(done)
        .exclude(summary="", description="", address="", answer="")
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    all_done = HelpRequest.objects.filter(done)
    candidates = Requester.objects.filter(purged_at=None).filter(
        Exists(all_done.filter(requester=OuterRef("pk")))
    )
    requester_ids = list(
        candidates.exclude(
            Exists(HelpRequest.objects.filter(requester=OuterRef("pk")).exclude(done))
        ).values_list("pk", flat=True)
    )
    kept = candidates.count() - len(requester_ids)
    files = Attachment.objects.filter(help_request__in=all_done).exclude(file="")
    messages = OutboundMessage.objects.filter(help_request__in=all_done).exclude(phone="", body="")
    if dry_run:
        return PurgeResult(
            requests=len(request_ids),
            requesters=len(requester_ids),
            requesters_kept=kept,
            attachments=files.count(),
            messages=messages.count(),
            dry_run=True,
        )
    blank = dict.fromkeys(PURGED_REQUEST_TEXT, "")
    for chunk in _chunks(request_ids, batch_size):
        with transaction.atomic():
            HelpRequest.objects.filter(pk__in=chunk).update(**blank)
    now = timezone.now()
    for chunk in _chunks(requester_ids, batch_size):
        with transaction.atomic():
            # Through save(), so that the blanks are written by the encrypted fields and the
            # hashes follow; select_for_update keeps a concurrent intake from reusing one.
            for requester in Requester.objects.select_for_update().filter(pk__in=chunk):
                requester.name = requester.phone = requester.id_number = ""
                requester.purged_at = now
                requester.save()
    attachment_count = 0
    for attachment in files.order_by("pk").iterator():
        # The file first, then the row: a crash in between leaves a row pointing at nothing
        # (served as 404), never a file that the row no longer names.
        attachment.file.delete(save=False)
        Attachment.objects.filter(pk=attachment.pk).update(file="", original_name="")
        attachment_count += 1
    message_count = messages.update(phone="", body="")
    PersonalDataPurge.objects.create(
        run_by=run_by,
        closed_before=closed_before,
        requests=len(request_ids),
        requesters=len(requester_ids),
        attachments=attachment_count,
    )
    return PurgeResult(
        requests=len(request_ids),
        requesters=len(requester_ids),
        requesters_kept=kept,
        attachments=attachment_count,
        messages=message_count,
        dry_run=False,
    )


# --- Key rotation ----------------------------------------------------------------------------

ENCRYPTED_COLUMNS = ("name", "phone", "id_number")


@dataclass
class RotationCounts:
    rows: int = 0
    reencrypted: int = 0
    rehashed: int = 0


def requester_keys_in_use() -> dict[str, int]:
    """How many stored values use each key id ("plaintext" for values not yet encrypted)."""
    counts: dict[str, int] = {}
    table = Requester._meta.db_table
    columns = ", ".join(ENCRYPTED_COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns} FROM {table}")  # noqa: S608 - fixed names
        for row in cursor.fetchall():
            for value in row:
                if value:
                    kid = key_id_of(value) or "plaintext"
                    counts[kid] = counts.get(kid, 0) + 1
    return counts


def requester_reencrypt(
    *,
    rehash: bool = False,
    batch_size: int = 500,
    progress: Callable[[RotationCounts], None] | None = None,
) -> RotationCounts:
    """Encrypt every requester's name, phone and ID number again with the current first key
    (rows already under it are skipped, so an interrupted run can simply be run again), and
    with ``rehash`` recompute the lookup hashes from the decrypted values under the current
    lookup key. Each batch is its own transaction.
    """
    table = Requester._meta.db_table
    columns = ", ".join(ENCRYPTED_COLUMNS)
    counts = RotationCounts()
    last = 0
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id, {columns}, phone_hash, id_number_hash FROM {table} "  # noqa: S608
                "WHERE id > %s ORDER BY id LIMIT %s",
                [last, batch_size],
            )
            rows = cursor.fetchall()
            for pk, name, phone, id_number, phone_hash, id_hash in rows:
                stored = [name or "", phone or "", id_number or ""]
                plain = [decrypt(value) for value in stored]
                fresh = [
                    encrypt(text) if needs_reencryption(value) else value
                    for value, text in zip(stored, plain, strict=True)
                ]
                hashes = [phone_hash, id_hash]
                if rehash:
                    hashes = [phone_lookup_hash(plain[1]), id_number_lookup_hash(plain[2])]
                if fresh == stored and hashes == [phone_hash, id_hash]:
                    continue
                cursor.execute(
                    f"UPDATE {table} SET name = %s, phone = %s, id_number = %s, "  # noqa: S608
                    "phone_hash = %s, id_number_hash = %s WHERE id = %s",
                    [*fresh, *hashes, pk],
                )
                counts.reencrypted += fresh != stored
                counts.rehashed += hashes != [phone_hash, id_hash]
        counts.rows += len(rows)
        if progress is not None:
            progress(counts)
        if len(rows) < batch_size:
            return counts
        last = rows[-1][0]
