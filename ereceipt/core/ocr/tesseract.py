"""The OCR port implemented with Tesseract 5 (LSTM) and its Vietnamese data, through pytesseract.

Each page is preprocessed (``preprocess``) and read with ``image_to_data``: words with boxes and
confidences, text normalised to Unicode NFC. Tesseract runs as a child process limited to
``threads`` OpenMP threads (OMP_THREAD_LIMIT) and ``timeout`` seconds per page.
"""

from __future__ import annotations

import os
import threading
import unicodedata
from dataclasses import dataclass, field

import pytesseract
from PIL import Image

from ereceipt.core.ocr.documents import DocumentLimits, check_document, page_images
from ereceipt.core.ocr.errors import OcrFailed, OcrUnavailable
from ereceipt.core.ocr.port import Page, Word
from ereceipt.core.ocr.preprocess import Preprocessing, prepare

# pytesseract keeps the program's path in a module global: set it under a lock for each call.
_COMMAND_LOCK = threading.Lock()


@dataclass
class TesseractEngine:
    command: str = "tesseract"
    language: str = "vie"
    limits: DocumentLimits = field(default_factory=DocumentLimits)
    preprocessing: Preprocessing = field(default_factory=Preprocessing)
    page_segmentation_mode: int = 4
    threads: int = 1
    timeout_seconds: int = 60
    _checked: bool = field(default=False, init=False, repr=False)

    def __post_init__(self) -> None:
        # Inherited by every Tesseract child process; without it Tesseract takes every core.
        os.environ["OMP_THREAD_LIMIT"] = str(self.threads)

    def check_available(self) -> str:
        """Tesseract's version; ``OcrUnavailable`` saying what to install when it or the data is missing."""
        with _COMMAND_LOCK:
            pytesseract.pytesseract.tesseract_cmd = self.command
            try:
                version = str(pytesseract.get_tesseract_version())
                languages = set(pytesseract.get_languages(config=""))
            except (pytesseract.TesseractNotFoundError, pytesseract.TesseractError, OSError) as exc:
                raise OcrUnavailable(
                    f"OCR is unavailable: Tesseract ({self.command!r}) cannot be run ({exc}); install the "
                    "Debian packages tesseract-ocr and tesseract-ocr-vie, or set [ocr] tesseract_command"
                ) from None
        missing = [part for part in self.language.split("+") if part not in languages]
        if missing:
            raise OcrUnavailable(
                f"OCR is unavailable: Tesseract {version} has no language data {', '.join(missing)}; "
                "install the Debian package tesseract-ocr-vie"
            )
        self._checked = True
        return version

    def read(self, data: bytes, media_type: str | None = None) -> list[Page]:
        media_type = check_document(data, media_type, self.limits)
        if not self._checked:
            self.check_available()
        return [
            self.read_image(page.image, page.dpi, number)
            for number, page in enumerate(page_images(data, media_type, self.limits), start=1)
        ]

    def read_image(self, image: Image.Image, dpi: float | None, number: int = 1) -> Page:
        prepared = prepare(image, dpi, self.preprocessing)
        # Handed to Tesseract as an uncompressed TIFF: compressing a noisy page to PNG costs as much
        # as a good part of the reading itself, and Leptonica reads a PNM byte by byte (a tenth of
        # Tesseract's time on a 300 dpi page) where libtiff reads whole rows.
        prepared.format = "TIFF"
        config = f"--psm {self.page_segmentation_mode} --dpi {self.preprocessing.target_dpi}"
        with _COMMAND_LOCK:
            pytesseract.pytesseract.tesseract_cmd = self.command
        try:
            data = pytesseract.image_to_data(
                prepared,
                lang=self.language,
                config=config,
                output_type=pytesseract.Output.DICT,
                timeout=self.timeout_seconds,
            )
        except pytesseract.TesseractNotFoundError:
            raise OcrUnavailable(
                f"OCR is unavailable: Tesseract ({self.command!r}) is not installed"
            ) from None
        except pytesseract.TesseractError as exc:
            raise OcrFailed(f"Tesseract failed on page {number}: {exc.message}") from None
        except RuntimeError as exc:  # pytesseract's time-out
            raise OcrFailed(f"Tesseract failed on page {number}: {exc}") from None
        words = []
        for index, text in enumerate(data["text"]):
            text = unicodedata.normalize("NFC", text).strip()
            confidence = float(data["conf"][index])
            if not text or confidence < 0:
                continue
            words.append(
                Word(
                    text,
                    int(data["left"][index]),
                    int(data["top"][index]),
                    int(data["width"][index]),
                    int(data["height"][index]),
                    min(max(confidence / 100, 0.0), 1.0),
                )
            )
        return Page(number, prepared.width, prepared.height, tuple(words))
