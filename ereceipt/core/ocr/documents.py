"""Documents accepted at the counter: PNG, JPEG, TIFF (every frame) and PDF (every page), within limits.

The type is sniffed from the bytes (their signature), never taken from a file name; a declared type
that disagrees with the bytes is refused. PDF pages are rendered by PDFium (pypdfium2) at the
configured resolution. Size, page and pixel limits are checked before anything is decoded in full.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterator
from dataclasses import dataclass

from PIL import Image, ImageSequence

from ereceipt.core.ocr.errors import DocumentTooLarge, UnsupportedDocument

PNG, JPEG, TIFF, PDF = "image/png", "image/jpeg", "image/tiff", "application/pdf"
MEDIA_TYPES = (PNG, JPEG, TIFF, PDF)
_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", PNG),
    (b"\xff\xd8\xff", JPEG),
    (b"II*\x00", TIFF),
    (b"MM\x00*", TIFF),
    (b"%PDF-", PDF),
)
_UNDECLARED = {"", "application/octet-stream", "binary/octet-stream"}
_ALIASES = {"image/jpg": JPEG, "image/pjpeg": JPEG, "image/tif": TIFF, "application/x-pdf": PDF}
MAX_PIXELS = 80_000_000  # an A4 page at 600 dpi is 35 million


@dataclass(frozen=True)
class DocumentLimits:
    max_bytes: int = 20 * 1024 * 1024
    max_pages: int = 10
    dpi: int = 300  # PDF pages are rendered at this resolution


@dataclass(frozen=True)
class PageImage:
    image: Image.Image
    dpi: float | None  # as the file says, or as rendered; None when unknown


def sniff(data: bytes) -> str | None:
    """The media type the bytes are, by their signature; None for anything not accepted."""
    head = data[:1024]
    for signature, media_type in _SIGNATURES:
        if head.startswith(signature):
            return media_type
    # PDF allows a little junk before the header.
    return PDF if b"%PDF-" in head else None


def check_document(data: bytes, declared: str | None, limits: DocumentLimits) -> str:
    """The document's media type, or a typed refusal naming the reason."""
    if not data:
        raise UnsupportedDocument("the document is empty")
    if len(data) > limits.max_bytes:
        raise DocumentTooLarge(f"the document has {len(data)} bytes; at most {limits.max_bytes} are accepted")
    actual = sniff(data)
    if actual is None:
        raise UnsupportedDocument("the document is not a PNG, JPEG, TIFF or PDF file")
    wanted = (declared or "").split(";")[0].strip().lower()
    wanted = _ALIASES.get(wanted, wanted)
    if wanted not in _UNDECLARED and wanted != actual:
        raise UnsupportedDocument(f"the document was declared {wanted} but its bytes are {actual}")
    return actual


def page_images(data: bytes, media_type: str, limits: DocumentLimits) -> Iterator[PageImage]:
    """Each page as an image, in order; refuses documents over the page or pixel limit."""
    if media_type == PDF:
        yield from _pdf_pages(data, limits)
    else:
        yield from _image_pages(data, limits)


def _image_pages(data: bytes, limits: DocumentLimits) -> Iterator[PageImage]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            frames = getattr(image, "n_frames", 1)
            if frames > limits.max_pages:
                raise DocumentTooLarge(f"the document has {frames} pages; at most {limits.max_pages}")
            for frame in ImageSequence.Iterator(image):
                if frame.width * frame.height > MAX_PIXELS:
                    raise DocumentTooLarge(f"a page of {frame.width}×{frame.height} pixels is too large")
                dpi = frame.info.get("dpi")
                page = frame.convert("RGB") if frame.mode not in {"L", "RGB"} else frame.copy()
                page.load()
                yield PageImage(page, float(dpi[0]) if dpi and dpi[0] and dpi[0] > 1 else None)
    except (DocumentTooLarge, UnsupportedDocument):
        raise
    except (
        OSError,
        ValueError,
        SyntaxError,
        Image.DecompressionBombWarning,
        Image.DecompressionBombError,
    ) as exc:
        raise UnsupportedDocument(f"the image cannot be decoded: {exc}") from None


def _pdf_pages(data: bytes, limits: DocumentLimits) -> Iterator[PageImage]:
    import pypdfium2

    try:
        document = pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError as exc:
        raise UnsupportedDocument(f"the PDF cannot be read: {exc}") from None
    try:
        if len(document) == 0:
            raise UnsupportedDocument("the PDF has no pages")
        if len(document) > limits.max_pages:
            raise DocumentTooLarge(f"the PDF has {len(document)} pages; at most {limits.max_pages}")
        scale = limits.dpi / 72
        for index in range(len(document)):
            page = document[index]
            width, height = page.get_size()
            if width * scale * height * scale > MAX_PIXELS:
                raise DocumentTooLarge(f"page {index + 1} of the PDF is too large")
            try:
                image = page.render(scale=scale, grayscale=True).to_pil()
            except pypdfium2.PdfiumError as exc:
                raise UnsupportedDocument(f"page {index + 1} of the PDF cannot be rendered: {exc}") from None
            finally:
                page.close()
            yield PageImage(image, float(limits.dpi))
    finally:
        document.close()
