"""Tesseract for the OCR tests: the real Debian program, skipped with a message where it is missing.

Under CI=true a missing Tesseract or Vietnamese data fails instead (``make test`` installs them).
"""

from __future__ import annotations

import io
from pathlib import Path

from ci import unavailable
from PIL import Image

from ereceipt.core.ocr.errors import OcrUnavailable
from ereceipt.core.ocr.tesseract import TesseractEngine

EXAMPLE_SCAN = Path(__file__).resolve().parents[1] / "examples" / "uy-nhiem-chi.png"
# What examples/uy-nhiem-chi.png says (it was drawn by bench/ocr_documents.py with these values).
EXAMPLE_FIELDS = {
    "payer_name": "Võ Ngọc Quỳnh",
    "payer_id_number": "330943310",
    "payer_address": "Số 200 đường Lý Thường Kiệt, Ba Đình, Hà Nội",
    "amount_vnd": 543000,
    "amount_in_words": "Năm trăm bốn mươi ba nghìn đồng",
    "amount_words_vnd": 543000,
    "decision_number": "589/2025/QĐ-THADS",
    "document_date": "2025-06-14",
    "bank_reference": "FT25296660703",
    "purpose": "Nộp tiền thi hành án theo Quyết định số 589/2025/QĐ-THADS mã THA6315",
}


def tesseract_or_skip() -> TesseractEngine:
    engine = TesseractEngine()
    try:
        engine.check_available()
    except OcrUnavailable as exc:
        unavailable(f"{exc.message} (make ocr-deps)")
    return engine


def as_pdf(*scans: bytes) -> bytes:
    """The scans as the pages of one PDF, as a scanner would make it."""
    pages = [Image.open(io.BytesIO(scan)).convert("RGB") for scan in scans]
    out = io.BytesIO()
    pages[0].save(out, "PDF", resolution=200.0, save_all=True, append_images=pages[1:])
    return out.getvalue()
