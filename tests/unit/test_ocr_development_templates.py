"""The development group of the OCR benchmark: every template draws a page and says what it carries."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import ocr_documents

from ereceipt.core.amount_words import parse_amount_words
from ereceipt.core.ocr.fields import FIELDS

pytestmark = pytest.mark.skipif(
    not ocr_documents.available_fonts(), reason="no Debian fonts with Vietnamese glyphs"
)


@pytest.mark.parametrize("layout", ocr_documents.LAYOUTS)
def test_every_template_draws_a_page_with_labels_of_known_fields(layout: str) -> None:
    sample = ocr_documents.make_sample(3, layout, ocr_documents.available_fonts()[0], 150, "clean", 1)
    assert sample.data.startswith(b"\x89PNG")
    assert set(sample.labels) <= set(FIELDS)
    assert {"payer_name", "amount_vnd", "document_date"} <= set(sample.labels)
    assert parse_amount_words(sample.labels["amount_in_words"]) == sample.labels["amount_vnd"]


def test_the_development_group_has_thirteen_templates_and_leaves_fields_out() -> None:
    assert len(ocr_documents.LAYOUTS) == len(set(ocr_documents.LAYOUTS)) == 13
    font = ocr_documents.available_fonts()[0]
    carried = [
        set(ocr_documents.make_sample(i, layout, font, 150, "clean", 1).labels)
        for i, layout in enumerate(ocr_documents.LAYOUTS[7:])
    ]
    assert all(len(fields) < len(FIELDS) for fields in carried)
    assert any("bank_reference" not in fields for fields in carried)
    assert any("case_payment_code" not in fields for fields in carried)
