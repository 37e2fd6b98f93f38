"""Checks for files people upload: what a file is, not what its name or browser says it is.

A photo is decoded and written out again, which drops its EXIF block (a phone's photo
carries where and when it was taken) and anything hidden after the image data. A document
must be a real PDF or XLSX by its contents. Everything else is refused with a message
naming the file.
"""

from __future__ import annotations

import io
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import PurePath
from typing import IO, Protocol

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

#: Refuse images that would unpack to more pixels than this: a small file can be a huge bitmap.
MAX_PIXELS = 40_000_000

#: Decoded format → (content type, extension) of the copy we keep.
PHOTO_FORMATS = {
    "JPEG": ("image/jpeg", ".jpg"),
    "PNG": ("image/png", ".png"),
    "WEBP": ("image/webp", ".webp"),
}
PDF_TYPE = "application/pdf"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class CleanUpload:
    """A checked file, ready to be stored: its contents are what ``content_type`` says."""

    name: str
    content_type: str
    extension: str
    data: bytes
    is_photo: bool


class UploadedFileLike(Protocol):
    """What the checks need of an upload: Django's ``UploadedFile`` has all of it."""

    name: str | None
    size: int | None

    def read(self, size: int = -1) -> bytes: ...


def _display_name(upload: IO[bytes] | UploadedFileLike) -> str:
    # Only the last part of the name, and not too long: it is shown, never used as a path.
    name = PurePath(str(getattr(upload, "name", "") or "file").replace("\\", "/")).name
    return name[-120:] or "file"


def _read_limited(upload: IO[bytes] | UploadedFileLike, max_bytes: int) -> bytes:
    name = _display_name(upload)
    size = getattr(upload, "size", None)
    if size is not None and size > max_bytes:
        raise _too_big(name, max_bytes)
    data = upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise _too_big(name, max_bytes)
    if not data:
        raise ValidationError(_("%(name)s is empty."), code="empty_file", params={"name": name})
    return data


def _too_big(name: str, max_bytes: int) -> ValidationError:
    return ValidationError(
        _("%(name)s is larger than %(max)s MB."),
        code="file_too_large",
        params={"name": name, "max": f"{max_bytes / (1024 * 1024):g}"},
    )


def clean_photo(upload: IO[bytes] | UploadedFileLike, *, max_bytes: int) -> CleanUpload:
    """Decode the image and keep a fresh copy without EXIF or trailing data."""
    name = _display_name(upload)
    data = _read_limited(upload, max_bytes)
    return _photo_from_bytes(name, data)


def _photo_from_bytes(name: str, data: bytes) -> CleanUpload:
    not_an_image = ValidationError(
        _("%(name)s is not a JPEG, PNG or WebP image."),
        code="not_an_image",
        params={"name": name},
    )
    try:
        with warnings.catch_warnings():
            # Pillow only warns between its limit and twice it; make every bomb an error.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                kind = probe.format or ""
                if kind not in PHOTO_FORMATS:
                    raise not_an_image
                if probe.width * probe.height > MAX_PIXELS:
                    raise ValidationError(
                        _("%(name)s has too many pixels."),
                        code="image_too_large",
                        params={"name": name},
                    )
                probe.verify()
            with Image.open(io.BytesIO(data)) as image:
                # Turn the picture the way the phone meant it before the orientation tag goes.
                upright = ImageOps.exif_transpose(image)
                out = io.BytesIO()
                if kind == "JPEG":
                    upright.convert("RGB").save(out, "JPEG", quality=88, optimize=True)
                elif kind == "PNG":
                    upright.save(out, "PNG", optimize=True)
                else:
                    upright.save(out, "WEBP", quality=88)
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError(
            _("%(name)s has too many pixels."), code="image_too_large", params={"name": name}
        ) from None
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
    ):
        raise not_an_image from None
    content_type, extension = PHOTO_FORMATS[kind]
    return CleanUpload(
        name=name,
        content_type=content_type,
        extension=extension,
        data=out.getvalue(),
        is_photo=True,
    )


def _is_xlsx(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if not {"[Content_Types].xml", "xl/workbook.xml"} <= names:
                return False
            # A zip bomb dressed as a workbook: refuse what would unpack to far more.
            unpacked = sum(info.file_size for info in archive.infolist())
            return unpacked <= 50 * len(data) + 10_000_000
    except (zipfile.BadZipFile, OSError, ValueError):
        return False


def clean_document(upload: IO[bytes] | UploadedFileLike, *, max_bytes: int) -> CleanUpload:
    """A PDF, an XLSX workbook or a photo, recognised by content; kept as it came (photos cleaned)."""
    name = _display_name(upload)
    data = _read_limited(upload, max_bytes)
    if data.startswith(b"%PDF-"):
        return CleanUpload(name, PDF_TYPE, ".pdf", data, is_photo=False)
    if data.startswith(b"PK\x03\x04") and _is_xlsx(data):
        return CleanUpload(name, XLSX_TYPE, ".xlsx", data, is_photo=False)
    try:
        return _photo_from_bytes(name, data)
    except ValidationError:
        raise ValidationError(
            _("%(name)s is not a PDF, an Excel workbook (.xlsx) or an image."),
            code="unsupported_file",
            params={"name": name},
        ) from None
