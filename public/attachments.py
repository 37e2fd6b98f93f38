"""Photos and documents sent with requests, served only to those entitled to see them.

There is no public URL for uploaded files (no MEDIA_URL): a prescription photo or a
hospital letter is health data about a named person. A file is served to a signed-in user
who may see its request *and* may see the requester's personal data in full — the staff
who work on it and the requester themselves; commanders, auditors and media editors see
personal data masked and so do not get the file. Everyone else gets the same 404 as for an
id that does not exist. Each view by someone other than the requester is recorded, like
every other full view of personal data (``via="attachment"``, no reason: opening a file is
already a deliberate act by a role whose work needs it, so no reveal is asked first). A file
removed by ``purge_personal_data`` is gone: 404.
"""

from __future__ import annotations

import re
from pathlib import PurePath
from urllib.parse import quote

from django.contrib.auth.views import redirect_to_login
from django.http import FileResponse, Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.views.decorators.http import require_safe

from accounts.models import User
from core.access import Actor, is_requester, may_see_personal_data, visible_requests
from core.models import Attachment, PersonalDataAccess
from lib.uploads import PDF_TYPE, PHOTO_FORMATS, XLSX_TYPE

#: The file name endings each stored type may keep; another ending gets the right one added,
#: so a PDF that came as "scan.exe" is saved as "scan.exe.pdf" and opens as what it is.
EXTENSIONS: dict[str, tuple[str, ...]] = {
    **{content_type: (extension,) for content_type, extension in PHOTO_FORMATS.values()},
    "image/jpeg": (".jpg", ".jpeg"),
    PDF_TYPE: (".pdf",),
    XLSX_TYPE: (".xlsx",),
}

#: Even served as an image, a file is never a page: no scripts, no plugins, no embedding.
CONTENT_SECURITY_POLICY = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"


def download_name(attachment: Attachment) -> str:
    """The sender's file name, with the ending its checked content calls for."""
    name = attachment.original_name.strip() or "file"
    endings = EXTENSIONS.get(attachment.content_type, ())
    if endings and PurePath(name).suffix.lower() not in endings:
        name += endings[0]
    return name


def content_disposition(disposition: str, name: str) -> str:
    """``inline`` or ``attachment`` with the name as RFC 6266 asks: an ASCII fallback for
    old clients and the exact UTF-8 name in RFC 5987 form (证明.pdf → filename*=UTF-8''%E8…)."""
    path = PurePath(name)
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", path.stem).strip("._") or "attachment"
    suffix = re.sub(r"[^A-Za-z0-9.]+", "", path.suffix)
    fallback = f"{stem}{suffix}"
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def _attachment_for(user: User, pk: int) -> Attachment:
    actor = Actor(user=user)
    attachment = Attachment.objects.select_related("help_request").filter(pk=pk).first()
    # Two look-ups by primary key rather than one join with the visible set, which for the
    # roles that see everything would be a semi-join over every request.
    if (
        attachment is None
        or not visible_requests(actor).filter(pk=attachment.help_request_id).exists()
        or not may_see_personal_data(actor, attachment.help_request)
    ):
        raise Http404("no such attachment")
    return attachment


@require_safe
def attachment(request: HttpRequest, pk: int) -> HttpResponseBase:
    user = request.user
    if not user.is_authenticated:
        # Before any look-up, so the answer is the same whether the id exists or not.
        return redirect_to_login(request.get_full_path())
    if not isinstance(user, User):
        raise Http404("no such attachment")
    found = _attachment_for(user, pk)
    if not found.file:
        raise Http404("no such attachment")
    try:
        handle = found.file.open("rb")
    except FileNotFoundError:
        raise Http404("no such attachment") from None
    # People looking at what they sent themselves are not the ones the log is meant to watch.
    if not is_requester(Actor(user=user), found.help_request):
        PersonalDataAccess.objects.create(
            user=user, help_request=found.help_request, via="attachment"
        )
    response = FileResponse(handle, content_type=found.content_type)
    is_photo = found.kind == Attachment.Kind.PHOTO and found.content_type.startswith("image/")
    response["Content-Disposition"] = content_disposition(
        "inline" if is_photo else "attachment", download_name(found)
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    return response
