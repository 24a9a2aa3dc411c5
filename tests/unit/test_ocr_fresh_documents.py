"""The second left-out OCR group: every layout draws in every font, its labels say what the page prints."""

from __future__ import annotations

import functools
import importlib
import io
import sys
import unicodedata
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageFont

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
fresh = importlib.import_module("ocr_fresh_documents")
holdout = importlib.import_module("ocr_holdout_documents")
development = importlib.import_module("ocr_documents")

AMOUNTS = {"amount_vnd", "amount_words_vnd"}
TEXT_FIELDS = (
    "payer_name",
    "payer_id_number",
    "payer_address",
    "amount_in_words",
    "decision_number",
    "judgment_number",
    "case_payment_code",
    "bank_reference",
    "purpose",
)


@functools.cache
def _known_fields() -> frozenset[str]:
    """The field names the first left-out group labels, over many of its samples."""
    names: set[str] = set()
    for index, layout in enumerate(holdout.LAYOUTS * 3):
        names |= holdout.make_sample(index, layout, "FreeSans", 40, "clean", seed=1).labels.keys()
    return frozenset(names)


def test_six_layouts_of_their_own() -> None:
    assert len(fresh.LAYOUTS) == 6
    assert set(fresh.LAYOUTS).isdisjoint(development.LAYOUTS)
    assert set(fresh.LAYOUTS).isdisjoint(holdout.LAYOUTS)
    assert len(fresh.available_fonts()) >= 3


@pytest.mark.parametrize("font", fresh.available_fonts())
def test_every_face_has_each_vietnamese_letter(font: str) -> None:
    """Drawn without shaping, a letter the face lacks comes out as the missing-glyph box."""
    letters = {"đ", "Đ"}
    for vowel in "aăâeêioôơuưyAĂÂEÊIOÔƠUƯY":
        for mark in ("", "\u0300", "\u0301", "\u0303", "\u0309", "\u0323"):
            letters.add(unicodedata.normalize("NFC", vowel + mark))
    for file in fresh.FONTS[font]:
        face = ImageFont.truetype(str(fresh.FONT_DIR / file), 30, layout_engine=ImageFont.Layout.BASIC)
        missing = bytes(face.getmask("\U000f0000"))
        assert not [letter for letter in letters if bytes(face.getmask(letter)) == missing], file


@pytest.mark.parametrize("layout", fresh.LAYOUTS)
@pytest.mark.parametrize("font", fresh.available_fonts())
def test_every_layout_draws_in_every_font(layout: str, font: str) -> None:
    known = _known_fields()
    for index in range(3):
        sample = fresh.make_sample(index, layout, font, 100, "clean", seed=5)
        page = Image.open(io.BytesIO(sample.data))
        assert page.width > 300 and page.height > 400
        assert sample.layout == layout and sample.font == font
        assert {"payer_name", "amount_vnd", "document_date"} <= sample.labels.keys()
        assert sample.labels.keys() <= known, sample.labels.keys() - known
        for name, value in sample.labels.items():
            if name in AMOUNTS:
                assert type(value) is int and value > 0
            else:
                assert isinstance(value, str) and value.strip()
        assert sample.labels["amount_words_vnd"] == sample.labels["amount_vnd"]


@pytest.mark.parametrize("layout", fresh.LAYOUTS)
def test_each_layout_leaves_fields_out(layout: str) -> None:
    """Over many samples a template never labels every field, and varies what it labels."""
    seen = [fresh.make_sample(index, layout, "FreeSerif", 20, "clean", seed=7).labels for index in range(30)]
    union = set().union(*seen)
    assert union < set(_known_fields())
    assert len({frozenset(labels) for labels in seen}) > 1


@pytest.mark.parametrize("degradation", ["clean", "scan", "photo"])
def test_degradations_give_the_media_type_they_say(degradation: str) -> None:
    font = fresh.available_fonts()[0]
    sample = fresh.make_sample(1, fresh.LAYOUTS[1], font, 150, degradation, seed=3)
    page = Image.open(io.BytesIO(sample.data))
    assert page.format == ("PNG" if degradation == "clean" else "JPEG")
    assert sample.media_type == f"image/{page.format.lower()}"
    again = fresh.make_sample(1, fresh.LAYOUTS[1], font, 150, degradation, seed=3)
    assert again.data == sample.data and again.labels == sample.labels


@pytest.mark.parametrize("layout", fresh.LAYOUTS)
def test_nothing_is_drawn_off_the_page(layout: str) -> None:
    """A tenth of an inch at the right and bottom edges stays blank, whatever the sample holds."""
    for font in fresh.available_fonts():
        for index in range(6):
            sample = fresh.make_sample(index, layout, font, 60, "clean", seed=11)
            pixels = np.asarray(Image.open(io.BytesIO(sample.data)).convert("L"))
            assert (pixels[-6:, :] > 200).all() and (pixels[:, -6:] > 200).all(), (font, index)


@pytest.mark.parametrize("layout", fresh.LAYOUTS)
def test_labels_say_exactly_what_the_page_prints(layout: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A labelled value is put on the page whole; a value the page does not carry is not labelled."""
    printed: list[str] = []
    content: dict = {}
    make_content = fresh._content

    def remembered(rng):
        content.clear()
        content.update(make_content(rng))
        return content

    monkeypatch.setattr(fresh.Page, "note", lambda self, text: printed.append(text))
    monkeypatch.setattr(fresh, "_content", remembered)
    for index in range(40):
        printed.clear()
        sample = fresh.make_sample(index, layout, "FreeMono", 30, "clean", seed=13)
        page = "\n".join(printed)
        for name in TEXT_FIELDS:
            value = sample.labels.get(name) or content.get(name)
            if not value:
                continue
            assert (name in sample.labels) == (value in page), (index, name, value)
        amount = sample.labels["amount_vnd"]
        assert str(amount) in page.replace(".", "").replace(",", "").replace(" ", "")
        year, _, day = sample.labels["document_date"].split("-")
        assert year in page and (day in page or day.lstrip("0") in page)
