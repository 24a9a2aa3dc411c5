"""The left-out OCR documents: every layout draws in every font, with labels of the right types."""

from __future__ import annotations

import functools
import importlib
import io
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
holdout = importlib.import_module("ocr_holdout_documents")
development = importlib.import_module("ocr_documents")

AMOUNTS = {"amount_vnd", "amount_words_vnd"}


@functools.cache
def _development_fields() -> frozenset[str]:
    """The field names the development group labels, over many of its samples."""
    names: set[str] = set()
    for index, layout in enumerate(development.LAYOUTS * 3):
        labels = development.make_sample(index, layout, "DejaVu Sans", 100, "clean", seed=1).labels
        names |= labels.keys()
    return frozenset(names)


def test_at_least_six_layouts_across_the_three_kinds() -> None:
    assert len(holdout.LAYOUTS) >= 6
    assert set(holdout.LAYOUTS).isdisjoint(development.LAYOUTS)
    assert holdout.available_fonts()


@pytest.mark.parametrize("layout", holdout.LAYOUTS)
@pytest.mark.parametrize("font", holdout.available_fonts())
def test_every_layout_draws_in_every_font(layout: str, font: str) -> None:
    known = _development_fields()
    for index in range(3):
        sample = holdout.make_sample(index, layout, font, 100, "clean", seed=5)
        page = Image.open(io.BytesIO(sample.data))
        assert page.width == 827 and page.height > 400
        assert sample.layout == layout and sample.font == font
        assert {"payer_name", "amount_vnd", "document_date"} <= sample.labels.keys()
        assert sample.labels.keys() <= known, sample.labels.keys() - known
        for name, value in sample.labels.items():
            if name in AMOUNTS:
                assert type(value) is int and value > 0
            else:
                assert isinstance(value, str) and value.strip()
        if "amount_in_words" in sample.labels:
            assert sample.labels["amount_words_vnd"] == sample.labels["amount_vnd"]


@pytest.mark.parametrize("degradation", ["clean", "scan", "photo"])
def test_degradations_give_the_media_type_they_say(degradation: str) -> None:
    sample = holdout.make_sample(
        1, holdout.LAYOUTS[0], holdout.available_fonts()[0], 150, degradation, seed=3
    )
    page = Image.open(io.BytesIO(sample.data))
    assert page.format == ("PNG" if degradation == "clean" else "JPEG")
    assert sample.media_type == f"image/{page.format.lower()}"
    again = holdout.make_sample(1, holdout.LAYOUTS[0], holdout.available_fonts()[0], 150, degradation, seed=3)
    assert again.data == sample.data and again.labels == sample.labels


@pytest.mark.parametrize("layout", holdout.LAYOUTS)
def test_nothing_is_drawn_off_the_page(layout: str) -> None:
    """A tenth of an inch at the right and bottom edges stays blank, whatever the sample holds."""
    for font in holdout.available_fonts():
        for index in range(5):
            sample = holdout.make_sample(index, layout, font, 60, "clean", seed=11)
            pixels = np.asarray(Image.open(io.BytesIO(sample.data)).convert("L"))
            assert (pixels[-6:, :] > 200).all() and (pixels[:, -6:] > 200).all(), (font, index)


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


@pytest.mark.parametrize("layout", holdout.LAYOUTS)
def test_labels_say_exactly_what_the_page_prints(layout: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A labelled value is printed (wrapped lines joined); a value printed is labelled."""
    printed: list[str] = []
    content: dict = {}
    draw_text, make_content = holdout.Page.text, holdout._content

    def text(self, x, y, value, *args, **kwargs):
        printed.append(value)
        return draw_text(self, x, y, value, *args, **kwargs)

    def remembered(rng):
        content.clear()
        content.update(make_content(rng))
        return content

    monkeypatch.setattr(holdout.Page, "text", text)
    monkeypatch.setattr(holdout, "_content", remembered)
    for index in range(30):
        printed.clear()
        sample = holdout.make_sample(index, layout, "FreeSans", 30, "clean", seed=13)
        page = " ".join(" ".join(printed).split())
        for name in TEXT_FIELDS:
            value = sample.labels.get(name) or content.get(name)
            if not value:
                continue
            assert (name in sample.labels) == (value in page), (index, name, value)
        amount = sample.labels["amount_vnd"]
        assert str(amount) in page.replace(".", "").replace(",", "").replace(" ", "")
        assert sample.labels["document_date"][:4] in page
