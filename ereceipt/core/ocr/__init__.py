"""Counter OCR: scanned payment documents to proposed receipt fields, behind a small port.

``port.OcrEngine`` is what the rest of the engine needs; ``tesseract.TesseractEngine`` implements it
with Tesseract 5 and its Vietnamese data. ``documents`` checks what is accepted, ``preprocess``
prepares pages, ``layout`` makes lines of the words, ``fields`` reads the receipt's fields and
``reading.read_document`` does all of it for one document.
"""
