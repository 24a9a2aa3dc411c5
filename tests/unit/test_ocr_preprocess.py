"""Preprocessing steps that must give exactly what their slower reference gives."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageFilter

from ereceipt.core.ocr.preprocess import median3


def test_the_fast_median_is_pillows_median_filter() -> None:
    rng = np.random.default_rng(7)
    page = rng.integers(0, 256, size=(61, 83), dtype=np.uint8)
    page[rng.random(page.shape) < 0.05] = 0  # specks
    image = Image.fromarray(page)
    assert np.array_equal(np.asarray(median3(image)), np.asarray(image.filter(ImageFilter.MedianFilter(3))))


def test_the_fast_median_takes_out_a_lone_speck() -> None:
    page = np.full((9, 9), 255, dtype=np.uint8)
    page[4, 4] = 0
    assert np.asarray(median3(Image.fromarray(page))).min() == 255


@pytest.mark.parametrize("shape", [(1, 1), (1, 7), (6, 1), (2, 2), (40, 57)])
def test_the_fast_median_is_pillows_on_ink_and_paper_of_any_size(shape: tuple[int, int]) -> None:
    rng = np.random.default_rng(sum(shape))
    page = np.where(rng.random(shape) < 0.3, 0, 255).astype(np.uint8)  # black ink on white paper
    image = Image.fromarray(page)
    assert np.array_equal(np.asarray(median3(image)), np.asarray(image.filter(ImageFilter.MedianFilter(3))))
