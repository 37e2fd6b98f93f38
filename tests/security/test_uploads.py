"""Nasty uploads not covered by tests/lib/test_uploads.py: SVG, HTML and polyglot files."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from PIL import Image, PngImagePlugin

from lib.uploads import PDF_TYPE, clean_document, clean_photo
from tests.portal_helpers import image_bytes, upload

LIMIT = 1024 * 1024

SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b"<script>alert(document.cookie)</script><rect width='10' height='10'/></svg>"
)
HTML = b"<!doctype html><html><body><script>alert(1)</script></body></html>"


@pytest.mark.parametrize("name", ["logo.svg", "photo.jpg", "photo.png"])
def test_an_svg_is_refused_as_a_photo_whatever_its_name(name):
    with pytest.raises(ValidationError):
        clean_photo(upload(name, SVG), max_bytes=LIMIT)


@pytest.mark.parametrize("data", [SVG, HTML])
@pytest.mark.parametrize("name", ["letter.pdf", "letter.svg", "letter.html", "sheet.xlsx"])
def test_svg_and_html_are_refused_as_documents(data, name):
    with pytest.raises(ValidationError):
        clean_document(upload(name, data), max_bytes=LIMIT)


def test_a_png_carrying_script_in_a_text_chunk_comes_out_without_it():
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "<script>alert(1)</script>")
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (10, 20, 30)).save(out, "PNG", pnginfo=info)
    assert b"<script>" in out.getvalue()
    cleaned = clean_photo(upload("ok.png", out.getvalue()), max_bytes=LIMIT)
    assert b"<script>" not in cleaned.data


def test_a_jpeg_with_a_zip_appended_keeps_only_the_picture():
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("payload.html", HTML)
    polyglot = image_bytes("JPEG", (16, 16)) + archive.getvalue()
    cleaned = clean_photo(upload("holiday.jpg", polyglot), max_bytes=LIMIT)
    assert b"PK\x03\x04" not in cleaned.data
    assert b"payload.html" not in cleaned.data
    Image.open(io.BytesIO(cleaned.data)).verify()


def test_a_png_named_jpg_is_kept_as_what_it_is():
    cleaned = clean_photo(upload("photo.jpg", image_bytes("PNG", (4, 4))), max_bytes=LIMIT)
    assert cleaned.content_type == "image/png"
    assert cleaned.extension == ".png"


def test_an_html_page_behind_a_pdf_header_is_kept_only_as_a_pdf_download():
    # A "PDF" that a browser would also render as HTML if it were ever served as such:
    # accepted as a PDF by its first bytes, and so served only as an attachment with nosniff.
    polyglot = b"%PDF-1.4\n" + HTML + b"\n%%EOF\n"
    try:
        cleaned = clean_document(upload("letter.pdf", polyglot), max_bytes=LIMIT)
    except ValidationError:
        return
    assert cleaned.content_type == PDF_TYPE
    assert cleaned.extension == ".pdf"
