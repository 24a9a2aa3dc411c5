"""Tesseract for the OCR tests: the real Debian program, skipped with a message where it is missing.

Under CI=true a missing Tesseract or Vietnamese data fails instead (``make test`` installs them).
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

from ci import unavailable
from PIL import Image
from sqlalchemy import select

from ereceipt.core.ocr.errors import OcrUnavailable
from ereceipt.core.ocr.tesseract import TesseractEngine
from ereceipt.core.receipts.tables import EnforcementCase, Issuer
from ereceipt.core.storage.database import Database

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
    "case_payment_code": "THA6315",  # inside the content
}
# The case the example pays into: the tests that turn the scan into a draft register it.
EXAMPLE_CASE = {
    "payment_code": "THA6315",
    "judgment_number": "77/2024/DS-ST",
    "decision_number": "589/2025/QĐ-THADS",
    "obligor_name": "Võ Ngọc Quỳnh",
    "obligor_id_number": "330943310",
    "obligor_address": "Số 200 đường Lý Thường Kiệt, Ba Đình, Hà Nội",
    "amount_due": 543000,
    "purpose": "Thi hành án theo Quyết định số 589/2025/QĐ-THADS",
}


def add_case(database: Database, agency_code: str, **case) -> None:
    """Register an enforcement case of the agency (the cases a counter scan names must exist)."""
    with database.write() as session:
        issuer_id = session.scalar(select(Issuer.id).where(Issuer.code == agency_code))
        session.add(EnforcementCase(issuer_id=issuer_id, **case))


def left_out_sample(index: int = 0, seed: int = 23):
    """A clean 300 dpi document of the left-out group of bench/ocr.py (a layout the extractor was
    not developed against), with what it says."""
    bench = str(Path(__file__).resolve().parents[1] / "bench")
    if bench not in sys.path:
        sys.path.insert(0, bench)
    import ocr_holdout_documents

    layout = ocr_holdout_documents.LAYOUTS[index % len(ocr_holdout_documents.LAYOUTS)]
    font = ocr_holdout_documents.available_fonts()[0]
    return ocr_holdout_documents.make_sample(index, layout, font, 300, "clean", seed)


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
