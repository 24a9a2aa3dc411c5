"""Real Tesseract 5 with the Vietnamese data reading scans: the example, a PDF of every page, no Tesseract."""

from __future__ import annotations

import dataclasses
import io

import pytest
from ocr_support import EXAMPLE_FIELDS, EXAMPLE_SCAN, as_pdf, tesseract_or_skip
from PIL import Image

from ereceipt.core.ocr.errors import OcrUnavailable, UnsupportedDocument
from ereceipt.core.ocr.reading import read_document
from ereceipt.core.ocr.tesseract import TesseractEngine

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def engine() -> TesseractEngine:
    return tesseract_or_skip()


def test_the_example_scan_is_read_field_by_field(engine: TesseractEngine) -> None:
    reading = read_document(engine, EXAMPLE_SCAN.read_bytes(), "image/png")
    assert reading.fields.values == EXAMPLE_FIELDS
    assert reading.fields.warnings == []
    assert all(0.5 < confidence <= 1 for confidence in reading.fields.confidences.values())


def test_words_come_with_boxes_and_nfc_text(engine: TesseractEngine) -> None:
    page = engine.read(EXAMPLE_SCAN.read_bytes())[0]
    texts = [word.text for word in page.words]
    assert "NHIỆM" in texts
    word = page.words[texts.index("NHIỆM")]
    assert 0 < word.left < page.width and 0 < word.top < page.height and word.confidence > 0.5


def test_every_page_of_a_pdf_is_read(engine: TesseractEngine) -> None:
    scan = EXAMPLE_SCAN.read_bytes()
    blank = io.BytesIO()
    Image.new("L", (1654, 1180), 255).save(blank, "PNG")
    pages = engine.read(as_pdf(blank.getvalue(), scan), "application/pdf")
    assert [page.number for page in pages] == [1, 2]
    assert pages[0].words == () and any(word.text == "NHIỆM" for word in pages[1].words)


def test_a_skewed_jpeg_is_read(engine: TesseractEngine) -> None:
    tilted = Image.open(EXAMPLE_SCAN).rotate(2.0, expand=True, fillcolor=255)
    out = io.BytesIO()
    tilted.save(out, "JPEG", quality=60, dpi=(200, 200))
    values = read_document(engine, out.getvalue(), "image/jpeg").fields.values
    assert values["amount_vnd"] == EXAMPLE_FIELDS["amount_vnd"]
    assert values["payer_id_number"] == EXAMPLE_FIELDS["payer_id_number"]


def test_a_file_that_is_no_scan_is_refused_before_tesseract_runs(engine: TesseractEngine) -> None:
    with pytest.raises(UnsupportedDocument, match="not a PNG, JPEG, TIFF or PDF"):
        engine.read(b"PK\x03\x04 a word document", None)


def test_without_tesseract_ocr_says_what_to_install(engine: TesseractEngine) -> None:
    missing = dataclasses.replace(engine, command="/nonexistent/tesseract")
    with pytest.raises(
        OcrUnavailable, match="install the Debian packages tesseract-ocr and tesseract-ocr-vie"
    ):
        missing.read(EXAMPLE_SCAN.read_bytes())


def test_without_the_vietnamese_data_ocr_says_so(engine: TesseractEngine) -> None:
    klingon = dataclasses.replace(engine, language="tlh")
    with pytest.raises(OcrUnavailable, match="no language data tlh"):
        klingon.check_available()
