"""What the counter accepts: the type sniffed from the bytes, size and page limits; and deskewing."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageDraw

from ereceipt.core.ocr.documents import DocumentLimits, check_document, page_images, sniff
from ereceipt.core.ocr.errors import DocumentTooLarge, UnsupportedDocument
from ereceipt.core.ocr.preprocess import Preprocessing, binarised, prepare, skew_angle


def image(width: int = 400, height: int = 300) -> Image.Image:
    page = Image.new("L", (width, height), 255)
    ImageDraw.Draw(page).rectangle([40, 40, 200, 60], fill=0)
    return page


def encoded(fmt: str, pages: int = 1, **options) -> bytes:
    out = io.BytesIO()
    frames = [image() for _ in range(pages)]
    frames[0].save(out, fmt, save_all=pages > 1, append_images=frames[1:], **options)
    return out.getvalue()


@pytest.mark.parametrize(
    ("fmt", "media_type"),
    [("PNG", "image/png"), ("JPEG", "image/jpeg"), ("TIFF", "image/tiff"), ("PDF", "application/pdf")],
)
def test_type_is_sniffed_from_the_bytes(fmt: str, media_type: str) -> None:
    data = encoded(fmt)
    assert sniff(data) == media_type
    assert check_document(data, None, DocumentLimits()) == media_type
    assert check_document(data, "application/octet-stream", DocumentLimits()) == media_type


def test_a_declared_type_that_the_bytes_contradict_is_refused() -> None:
    with pytest.raises(UnsupportedDocument, match="declared image/png but its bytes are application/pdf"):
        check_document(encoded("PDF"), "image/png", DocumentLimits())


@pytest.mark.parametrize("data", [b"GIF89a....", b"PK\x03\x04 a docx", b"<html>", b""])
def test_other_files_are_refused(data: bytes) -> None:
    with pytest.raises(UnsupportedDocument):
        check_document(data, None, DocumentLimits())


def test_too_many_bytes_are_refused_before_reading() -> None:
    with pytest.raises(DocumentTooLarge, match="at most 1000"):
        check_document(b"%PDF-" + b"0" * 1000, "application/pdf", DocumentLimits(max_bytes=1000))


@pytest.mark.parametrize("fmt", ["PDF", "TIFF"])
def test_every_page_is_read(fmt: str) -> None:
    data = encoded(fmt, pages=3)
    pages = list(page_images(data, sniff(data), DocumentLimits(dpi=100)))
    assert len(pages) == 3


@pytest.mark.parametrize("fmt", ["PDF", "TIFF"])
def test_too_many_pages_are_refused(fmt: str) -> None:
    data = encoded(fmt, pages=3)
    with pytest.raises(DocumentTooLarge, match="3 pages"):
        list(page_images(data, sniff(data), DocumentLimits(max_pages=2)))


@pytest.mark.parametrize("fmt", ["PNG", "PDF"])
def test_a_broken_file_is_refused_with_the_reason(fmt: str) -> None:
    data = encoded(fmt)[:60]
    with pytest.raises(UnsupportedDocument, match="cannot be"):
        list(page_images(data, sniff(data), DocumentLimits()))


def test_resolution_comes_from_the_file() -> None:
    data = encoded("PNG", dpi=(200, 200))
    assert round(next(page_images(data, "image/png", DocumentLimits())).dpi) == 200


def ruled_page() -> Image.Image:
    page = Image.new("L", (1200, 900), 255)
    draw = ImageDraw.Draw(page)
    for y in range(100, 800, 50):
        draw.rectangle([100, y, 1100, y + 12], fill=0)
    return page


@pytest.mark.parametrize("degrees", [-2.5, -1.0, 0.0, 1.5, 3.0])
def test_skew_is_measured(degrees: float) -> None:
    tilted = ruled_page().rotate(degrees, expand=True, fillcolor=255)
    assert skew_angle(tilted) == pytest.approx(-degrees, abs=0.15)


def test_deskewed_page_is_level() -> None:
    tilted = ruled_page().rotate(2.0, expand=True, fillcolor=255)
    level = prepare(tilted, 300, Preprocessing(rescale=False))
    assert abs(skew_angle(level)) <= 0.15


def test_rescale_brings_a_200_dpi_page_to_300() -> None:
    assert prepare(ruled_page(), 200, Preprocessing(deskew=False, rescale=True)).width == 1800


def test_binarised_page_is_black_and_white() -> None:
    shaded = Image.linear_gradient("L").resize((400, 400)).point(lambda v: 120 + v // 3)
    ImageDraw.Draw(shaded).rectangle([100, 100, 300, 120], fill=20)
    assert {value for _, value in binarised(shaded).getcolors()} == {0, 255}
