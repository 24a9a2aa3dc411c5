"""Typed errors of counter OCR: the engine missing, a document refused, a page unreadable."""

from ereceipt.core.errors import BadInput, EReceiptError


class OcrUnavailable(EReceiptError):
    """Tesseract or its language data is not installed; everything but OCR keeps working."""

    code = "OCR_UNAVAILABLE"


class UnsupportedDocument(BadInput):
    """Not a PNG, JPEG, TIFF or PDF, a type other than the one declared, or bytes that do not decode."""

    code = "UNSUPPORTED_DOCUMENT"


class DocumentTooLarge(BadInput):
    """More bytes, pages or pixels than ``[ocr]`` allows."""

    code = "DOCUMENT_TOO_LARGE"


class OcrFailed(EReceiptError):
    """Tesseract ran but failed on a page (crashed or timed out)."""

    code = "OCR_FAILED"
