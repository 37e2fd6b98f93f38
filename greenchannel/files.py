"""Supporting files of a filing: attached on one side, sent to the other in parts.

A federation message is at most 1 MiB (``federation.views.MAX_BODY_BYTES``), and a hospital
letter scanned as a PDF is often more, so a file travels as ``gc.file_part`` messages of
``PART_BYTES`` each (base64 in JSON), after the filing's own message; the outbox keeps a
peer's messages in order. The receiving side keeps the parts until all have come, checks the
whole against the sender's SHA-256, and then checks the contents itself, as it would an
upload of its own: a peer is trusted to be who it is, not to send only good files.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import uuid
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from core.access import Actor
from core.errors import InvalidInput, TransitionNotAllowed
from federation import services as federation
from federation.handlers import handles
from federation.models import InboxMessage, Peer
from greenchannel.models import Filing, FilingFile, FilingFilePart, FilingStatus, Side
from greenchannel.services import filing_event, is_shared
from lib.uploads import UploadedFileLike, clean_document

PART_MESSAGE = "gc.file_part"
#: Raw bytes per part: base64 makes it 683 KiB, well inside a message's 1 MiB.
PART_BYTES = 512 * 1024
#: Most files a filing may carry; each is a few messages to the other side.
MAX_FILES = 20
#: A filing that is over takes no more files.
FINISHED = frozenset({FilingStatus.CLOSED, FilingStatus.REJECTED})


def max_bytes() -> int:
    return int(settings.HUYING_GREEN_CHANNEL_MAX_FILE_BYTES)


class _Named(io.BytesIO):
    """Bytes with a name, as ``lib.uploads`` reads an upload."""

    def __init__(self, data: bytes, name: str) -> None:
        super().__init__(data)
        self.name = name
        self.size = len(data)


def filing_attach(
    filing: Filing, *, actor: Actor, upload: IO[bytes] | UploadedFileLike
) -> FilingFile:
    """Attach a checked file to ``filing``; the other side gets it when it knows the filing."""
    try:
        clean = clean_document(upload, max_bytes=max_bytes())
    except ValidationError as error:
        raise InvalidInput(details={"file": list(error.messages)}) from None
    with transaction.atomic():
        filing = Filing.objects.select_for_update().select_related("peer").get(pk=filing.pk)
        if filing.status in FINISHED:
            raise TransitionNotAllowed(
                _("A filing that is “%(status)s” takes no more files.")
                % {"status": FilingStatus(filing.status).label}
            )
        if filing.files.count() >= MAX_FILES:
            raise InvalidInput.for_field(
                "file", _("A filing carries at most %(count)d files.") % {"count": MAX_FILES}
            )
        attached = FilingFile(
            filing=filing,
            side=filing.side,
            name=clean.name,
            content_type=clean.content_type,
            size=len(clean.data),
            sha256=hashlib.sha256(clean.data).hexdigest(),
            added_by=actor.user,
            added_by_name=actor.name,
        )
        attached.file.save(f"{attached.uid}{clean.extension}", ContentFile(clean.data), save=False)
        attached.save()
        filing_event(
            filing,
            kind="file_added",
            side=filing.side,
            from_status=filing.status,
            actor=actor,
            actor_name=actor.name,
            note=clean.name,
        )
        if is_shared(filing):
            send_file(attached)
    return attached


def send_file(attached: FilingFile) -> None:
    """Queue ``attached`` to the other side, part by part (inside the caller's transaction)."""
    data = attached.file.open("rb").read()
    attached.file.close()
    count = max(1, -(-len(data) // PART_BYTES))
    for index in range(count):
        chunk = data[index * PART_BYTES : (index + 1) * PART_BYTES]
        federation.send(
            attached.filing.peer,
            PART_MESSAGE,
            {
                "uid": str(attached.filing.uid),
                "file": str(attached.uid),
                "index": index,
                "count": count,
                "name": attached.name,
                "size": attached.size,
                "sha256": attached.sha256,
                "added_by": attached.added_by_name,
                "data": base64.b64encode(chunk).decode("ascii"),
            },
        )


def send_files(filing: Filing) -> None:
    """Every file our side attached before the other side knew the filing."""
    for attached in filing.files.filter(side=filing.side).select_related("filing__peer"):
        send_file(attached)


def receive_part(peer: Peer, body: dict[str, Any], message_id: Any) -> str:
    """Keep one part; when all have come, check the whole and attach it to our copy."""
    try:
        filing_uid, file_uid = uuid.UUID(str(body.get("uid"))), uuid.UUID(str(body.get("file")))
        index, count, size = int(body["index"]), int(body["count"]), int(body["size"])
        chunk = base64.b64decode(str(body["data"]), validate=True)
    except (KeyError, TypeError, ValueError, binascii.Error):
        return "ignored: not a file part"
    if not (0 <= index < count <= -(-max_bytes() // PART_BYTES)) or not 0 < size <= max_bytes():
        return "ignored: more parts or bytes than a file may have"
    filing = Filing.objects.select_for_update().filter(uid=filing_uid, peer=peer).first()
    if filing is None:
        return "ignored: not a filing shared with this peer"
    if FilingFile.objects.filter(uid=file_uid).exists():
        return "ignored: this file is known"
    try:
        with transaction.atomic():
            FilingFilePart.objects.create(file_uid=file_uid, index=index, count=count, data=chunk)
    except IntegrityError:
        pass  # this part came before; the others may still be missing
    parts = list(FilingFilePart.objects.filter(file_uid=file_uid).order_by("index"))
    if [part.index for part in parts] != list(range(count)):
        return f"file {file_uid}: part {index + 1} of {count}"
    data = b"".join(bytes(part.data) for part in parts)
    FilingFilePart.objects.filter(file_uid=file_uid).delete()
    name = str(body.get("name") or "file")[-120:]
    if len(data) != size or hashlib.sha256(data).hexdigest() != str(body.get("sha256")):
        filing_event(
            filing,
            kind="file_refused",
            side=_other(filing.side),
            from_status=filing.status,
            actor_name=peer.name,
            note=f"{name}: SHA-256",
            message_id=message_id,
        )
        return f"refused: {name} does not match its SHA-256"
    try:
        clean = clean_document(_Named(data, name), max_bytes=max_bytes())
    except ValidationError as error:
        filing_event(
            filing,
            kind="file_refused",
            side=_other(filing.side),
            from_status=filing.status,
            actor_name=peer.name,
            note=" ".join(error.messages),
            message_id=message_id,
        )
        return f"refused: {name}: {' '.join(error.messages)}"
    attached = FilingFile(
        uid=file_uid,
        filing=filing,
        side=_other(filing.side),
        name=clean.name,
        content_type=clean.content_type,
        size=len(clean.data),
        sha256=hashlib.sha256(clean.data).hexdigest(),
        added_by_name=f"{peer.name} · {str(body.get('added_by', ''))[:60]}",
    )
    attached.file.save(f"{attached.uid}{clean.extension}", ContentFile(clean.data), save=False)
    attached.save()
    filing_event(
        filing,
        kind="file_added",
        side=attached.side,
        from_status=filing.status,
        actor_name=attached.added_by_name,
        note=attached.name,
        message_id=message_id,
    )
    return f"file {attached.name} received"


def _other(side: str) -> str:
    return Side.DESTINATION if side == Side.ORIGIN else Side.ORIGIN


@handles(PART_MESSAGE)
def _part(message: InboxMessage, body: dict[str, Any]) -> str:
    return receive_part(message.peer, body, message.message_id)
