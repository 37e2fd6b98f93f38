"""Uploaded files are judged by their contents: photos are decoded and written out again without
EXIF, documents must really be PDF or XLSX, and nothing too big or too large gets through."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

import pytest
from django.core.exceptions import ValidationError
from PIL import Image

from lib.uploads import PDF_TYPE, XLSX_TYPE, clean_document, clean_photo
from tests.portal_helpers import (
    EXIF_GPS_IFD,
    EXIF_MAKE,
    EXIF_ORIENTATION,
    exif_of,
    image_bytes,
    jpeg_with_exif,
    pdf_bytes,
    upload,
    xlsx_bytes,
)

LIMIT = 1024 * 1024


def codes(error: pytest.ExceptionInfo[ValidationError]) -> list[str | None]:
    return [e.code for e in error.value.error_list]


def messages(error: pytest.ExceptionInfo[ValidationError]) -> str:
    return " ".join(error.value.messages)


def png_declaring(width: int, height: int) -> bytes:
    """A small PNG whose header claims ``width`` × ``height``: a decompression bomb's shape."""
    data = bytearray(image_bytes("PNG", (1, 1)))
    # The IHDR chunk follows the 8-byte signature: length, type, 13 bytes of data, CRC.
    data[16:24] = struct.pack(">II", width, height)
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))
    return bytes(data)


def test_it_strips_exif_from_a_jpeg():
    original = jpeg_with_exif()
    assert EXIF_MAKE in exif_of(original)

    clean = clean_photo(upload("IMG_0001.JPG", original), max_bytes=LIMIT)

    assert clean.is_photo
    assert clean.content_type == "image/jpeg"
    assert clean.extension == ".jpg"
    assert clean.name == "IMG_0001.JPG"
    assert exif_of(clean.data) == {}
    assert b"PhoneMaker" not in clean.data
    with Image.open(io.BytesIO(clean.data)) as image:
        assert EXIF_GPS_IFD not in image.getexif()
        assert image.size == (40, 20)


def test_it_turns_the_picture_the_way_the_phone_meant_it():
    # Orientation 6: the camera held upright, the pixels stored lying on their side.
    clean = clean_photo(
        upload("rotated.jpg", jpeg_with_exif((40, 20), orientation=6)), max_bytes=LIMIT
    )

    with Image.open(io.BytesIO(clean.data)) as image:
        assert image.size == (20, 40)
        assert EXIF_ORIENTATION not in image.getexif()


@pytest.mark.parametrize(
    ("kind", "content_type", "extension"),
    [("PNG", "image/png", ".png"), ("WEBP", "image/webp", ".webp")],
)
def test_it_accepts_png_and_webp(kind, content_type, extension):
    clean = clean_photo(upload(f"photo{extension}", image_bytes(kind)), max_bytes=LIMIT)

    assert (clean.content_type, clean.extension) == (content_type, extension)
    with Image.open(io.BytesIO(clean.data)) as image:
        assert image.format == kind


def test_it_drops_what_hides_after_the_image():
    data = image_bytes("PNG") + b"<script>alert(1)</script>"

    clean = clean_photo(upload("x.png", data), max_bytes=LIMIT)

    assert b"<script>" not in clean.data


def test_it_refuses_a_text_file_named_jpg_naming_the_file():
    with pytest.raises(ValidationError) as error:
        clean_photo(upload("holiday.jpg", b"<html>not a photo</html>"), max_bytes=LIMIT)

    assert codes(error) == ["not_an_image"]
    assert "holiday.jpg" in messages(error)


def test_it_refuses_a_gif():
    with pytest.raises(ValidationError) as error:
        clean_photo(upload("anim.gif", image_bytes("GIF")), max_bytes=LIMIT)

    assert codes(error) == ["not_an_image"]


@pytest.mark.parametrize("kind", ["JPEG", "PNG"])
def test_it_refuses_a_truncated_image(kind):
    data = image_bytes(kind, (200, 200)) if kind == "PNG" else jpeg_with_exif((200, 200))

    with pytest.raises(ValidationError) as error:
        clean_photo(upload("cut.img", data[: len(data) // 2]), max_bytes=LIMIT)

    assert codes(error) == ["not_an_image"]


def test_it_refuses_an_image_declaring_too_many_pixels():
    with pytest.raises(ValidationError) as error:
        clean_photo(upload("big.png", png_declaring(8000, 8000)), max_bytes=LIMIT)

    assert codes(error) == ["image_too_large"]
    assert "big.png" in messages(error)


def test_it_refuses_a_decompression_bomb():
    # Beyond Pillow's own limit too: its warning is an error here, never a slow decode.
    with pytest.raises(ValidationError) as error:
        clean_photo(upload("bomb.png", png_declaring(50_000, 50_000)), max_bytes=LIMIT)

    assert codes(error) in (["image_too_large"], ["not_an_image"])


def test_it_refuses_an_empty_file():
    with pytest.raises(ValidationError) as error:
        clean_photo(upload("empty.jpg", b""), max_bytes=LIMIT)

    assert codes(error) == ["empty_file"]
    assert "empty.jpg" in messages(error)


def test_it_refuses_a_file_too_big_by_its_declared_size():
    with pytest.raises(ValidationError) as error:
        clean_photo(upload("large.jpg", jpeg_with_exif((400, 400))), max_bytes=1024)

    assert codes(error) == ["file_too_large"]
    assert "large.jpg" in messages(error)


def test_it_refuses_a_stream_longer_than_the_limit_whatever_it_claims():
    stream = io.BytesIO(b"x" * 2048)
    stream.name = "stream.jpg"  # type: ignore[attr-defined]

    with pytest.raises(ValidationError) as error:
        clean_photo(stream, max_bytes=1024)

    assert codes(error) == ["file_too_large"]


def test_it_keeps_only_the_last_part_of_a_path_as_the_name():
    clean = clean_photo(upload("..\\..\\etc\\passwd.png", image_bytes("PNG")), max_bytes=LIMIT)

    assert clean.name == "passwd.png"


def test_a_document_may_be_a_pdf():
    clean = clean_document(upload("证明.pdf", pdf_bytes()), max_bytes=LIMIT)

    assert (clean.content_type, clean.extension, clean.is_photo) == (PDF_TYPE, ".pdf", False)
    assert clean.data == pdf_bytes()


def test_a_document_may_be_an_xlsx_workbook():
    clean = clean_document(upload("员工名单.xlsx", xlsx_bytes()), max_bytes=LIMIT)

    assert (clean.content_type, clean.extension) == (XLSX_TYPE, ".xlsx")


def test_a_document_may_be_a_photo_cleaned_like_one():
    clean = clean_document(upload("licence.jpg", jpeg_with_exif()), max_bytes=LIMIT)

    assert clean.is_photo
    assert exif_of(clean.data) == {}


def test_a_zip_that_is_not_a_workbook_is_refused():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("readme.txt", "hello")

    with pytest.raises(ValidationError) as error:
        clean_document(upload("list.xlsx", out.getvalue()), max_bytes=LIMIT)

    assert codes(error) == ["unsupported_file"]
    assert "list.xlsx" in messages(error)


def test_a_zip_bomb_dressed_as_a_workbook_is_refused():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/padding.xml", b"\0" * 30_000_000)

    with pytest.raises(ValidationError) as error:
        clean_document(upload("bomb.xlsx", out.getvalue()), max_bytes=LIMIT)

    assert codes(error) == ["unsupported_file"]


def test_a_file_named_pdf_that_is_not_one_is_refused():
    with pytest.raises(ValidationError) as error:
        clean_document(upload("report.pdf", b"MZ\x90\x00 an executable"), max_bytes=LIMIT)

    assert codes(error) == ["unsupported_file"]
    assert "report.pdf" in messages(error)


def test_an_empty_document_is_refused():
    with pytest.raises(ValidationError) as error:
        clean_document(upload("empty.pdf", b""), max_bytes=LIMIT)

    assert codes(error) == ["empty_file"]


def test_a_document_too_big_is_refused():
    with pytest.raises(ValidationError) as error:
        clean_document(upload("big.pdf", pdf_bytes() + b"0" * 4096), max_bytes=1024)

    assert codes(error) == ["file_too_large"]
