"""Files and codes for the tests of the citizen app, the enterprise portal and ``lib.uploads``:
real JPEGs with EXIF, PNG, WebP, PDF and XLSX bytes, and the code a text message carried."""

from __future__ import annotations

import io
import re
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from core.models import OutboundMessage

#: EXIF tags of a phone's photo that must not survive: the maker and where it was taken.
EXIF_MAKE = 0x010F
EXIF_ORIENTATION = 0x0112
EXIF_GPS_IFD = 0x8825


def jpeg_with_exif(
    size: tuple[int, int] = (40, 20), *, orientation: int = 1, colour: str = "red"
) -> bytes:
    """A JPEG that carries a camera make, a GPS position and an orientation tag."""
    image = Image.new("RGB", size, colour)
    exif = Image.Exif()
    exif[EXIF_MAKE] = "PhoneMaker"
    exif[EXIF_ORIENTATION] = orientation
    gps = exif.get_ifd(EXIF_GPS_IFD)
    gps[1] = "N"
    gps[2] = (35.0, 14.0, 0.0)
    gps[3] = "E"
    gps[4] = (113.0, 14.0, 0.0)
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def image_bytes(kind: str, size: tuple[int, int] = (30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, "blue").save(out, kind)
    return out.getvalue()


def pdf_bytes() -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )


def xlsx_bytes() -> bytes:
    """The smallest zip that has a workbook's parts; ``lib.uploads`` looks no further."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        archive.writestr("xl/workbook.xml", '<?xml version="1.0"?><workbook/>')
        archive.writestr("xl/worksheets/sheet1.xml", '<?xml version="1.0"?><worksheet/>')
    return out.getvalue()


def upload(
    name: str, data: bytes, content_type: str = "application/octet-stream"
) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def last_code(phone: str) -> str:
    """The one-time code in the last text message to ``phone``."""
    message = OutboundMessage.objects.filter(phone=phone).order_by("-id").first()
    assert message is not None, f"no text message to {phone}"
    found = re.search(r"(?<!\d)(\d{6})(?!\d)", message.body)
    assert found is not None, message.body
    return found.group(1)


def exif_of(data: bytes) -> dict[int, object]:
    with Image.open(io.BytesIO(data)) as image:
        return dict(image.getexif())
