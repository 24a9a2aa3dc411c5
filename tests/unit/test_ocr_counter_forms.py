"""The three counter templates of the OCR benchmark's development group: each draws a page whose
truth names only the fields the other templates name, leaves fields out, and says what is drawn."""

from __future__ import annotations

import functools
import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import ocr_counter_forms
import ocr_documents

pytestmark = pytest.mark.skipif(
    not ocr_documents.available_fonts(), reason="no Debian fonts with Vietnamese glyphs"
)

COUNTER = tuple(ocr_counter_forms.DRAW)
OTHERS = tuple(layout for layout in ocr_documents.LAYOUTS if layout not in COUNTER)
SEEDS = range(12)


def truth(layout: str, seed: int, font: str | None = None) -> dict:
    font = font or ocr_documents.available_fonts()[0]
    return ocr_documents.make_sample(seed, layout, font, 72, "clean", 7).labels


def drawn(layout: str, seed: int, monkeypatch: pytest.MonkeyPatch) -> tuple[str, dict]:
    """The page's text as drawn, line by line, and its truth."""
    lines: list[str] = []
    text = ocr_documents.Sheet.text

    def recording(sheet, x, y, line, *args, **kwargs) -> None:
        lines.append(line)
        text(sheet, x, y, line, *args, **kwargs)

    monkeypatch.setattr(ocr_documents.Sheet, "text", recording)
    font = ocr_documents.available_fonts()[seed % len(ocr_documents.available_fonts())]
    labels = truth(layout, seed, font)
    monkeypatch.undo()
    return "\n".join(lines), labels


@functools.cache
def known_fields() -> frozenset[str]:
    return frozenset(field for layout in OTHERS for seed in range(4) for field in truth(layout, seed))


def dates_in(text: str) -> set[str]:
    found = {f"{y}-{m}-{d}" for y, m, d in re.findall(r"\b(\d{4})-(\d{2})-(\d{2})\b", text)}
    for d, m, y in re.findall(r"\b(\d{1,2})[/-](\d{1,2})[/-](\d{4})\b", text) + re.findall(
        r"ngày (\d{1,2}) tháng (\d{1,2}) năm (\d{4})", text, re.IGNORECASE
    ):
        found.add(f"{y}-{int(m):02d}-{int(d):02d}")
    return found


def amounts_in(text: str) -> set[int]:
    return {int(re.sub(r"[ .,]", "", n)) for n in re.findall(r"\d{1,3}(?:[ .,]\d{3})+|\d+", text)}


@pytest.mark.parametrize("layout", COUNTER)
def test_each_counter_template_is_a_development_layout_and_draws_a_page(layout: str) -> None:
    assert layout in ocr_documents.LAYOUTS
    sample = ocr_documents.make_sample(5, layout, ocr_documents.available_fonts()[0], 150, "clean", 1)
    assert sample.data.startswith(b"\x89PNG")
    assert {"payer_name", "amount_vnd", "amount_in_words", "document_date", "purpose"} <= set(sample.labels)


@pytest.mark.parametrize("layout", COUNTER)
def test_the_truth_names_only_fields_the_other_templates_name(layout: str) -> None:
    known = known_fields()
    for seed in SEEDS:
        assert set(truth(layout, seed)) <= known


@pytest.mark.parametrize("layout", COUNTER)
def test_fields_are_left_out_and_which_ones_varies_across_seeds(layout: str) -> None:
    known = known_fields()
    carried = [set(truth(layout, seed)) for seed in SEEDS]
    assert known - set().union(*carried), "some field is never on the page"
    assert len({frozenset(fields) for fields in carried}) > 1


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("layout", COUNTER)
def test_every_value_of_the_truth_is_drawn(layout: str, seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    text, labels = drawn(layout, seed, monkeypatch)
    flat = " ".join(text.split())  # values wrapped over lines read on
    for field, value in labels.items():
        if field in ("amount_vnd", "amount_words_vnd"):
            assert value in amounts_in(text), field
        elif field == "document_date":
            assert value in dates_in(text)
        elif field == "payer_address":  # on some forms in its parts, each after its own label
            assert all(part in flat for part in value.split(", ")), value
        else:
            assert value in flat, field
    assert labels["amount_words_vnd"] == labels["amount_vnd"]
