"""The left-out OCR documents: every layout draws in every font, with labels of the right types."""

from __future__ import annotations

import importlib
import io
import sys
from pathlib import Path

import pytest
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
holdout = importlib.import_module("ocr_holdout_documents")
development = importlib.import_module("ocr_documents")

AMOUNTS = {"amount_vnd", "amount_words_vnd"}


def _development_fields() -> set[str]:
    """The field names the development group labels, over many of its samples."""
    names: set[str] = set()
    for index, layout in enumerate(development.LAYOUTS * 3):
        labels = development.make_sample(index, layout, "DejaVu Sans", 100, "clean", seed=1).labels
        names |= labels.keys()
    return names


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
