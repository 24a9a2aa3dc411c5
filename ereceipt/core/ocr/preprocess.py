"""Page preprocessing before Tesseract, each step switchable so that bench/ocr.py can measure it.

- grayscale: colour carries nothing Tesseract uses, and a grey page is a third of the pixels;
- rescale: bring the page to the resolution Tesseract reads best (about 300 dpi, text 20-40 px
  high); a page without a resolution is taken to be A4/A5-landscape wide (8.27 inches);
- deskew: the angle whose horizontal projection of dark pixels is sharpest (a projection-profile
  search over ±5°), then a rotation by it;
- denoise: a 3×3 median filter takes out specks and scanner noise that Tesseract would read as marks
  (whole-array passes over sorted columns: a sort per pixel would cost as much as a third of
  Tesseract's own time);
- binarise: divide by an estimate of the background (uneven light on a photographed page) and
  threshold with Otsu's method.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageFilter, ImageOps

A4_WIDTH_INCHES = 8.27
MAX_SKEW_DEGREES = 5.0


@dataclass(frozen=True)
class Preprocessing:
    grayscale: bool = True
    deskew: bool = True
    binarise: bool = False
    rescale: bool = False
    denoise: bool = True
    target_dpi: int = 300


def estimated_dpi(image: Image.Image, declared: float | None) -> float:
    return declared if declared else image.width / A4_WIDTH_INCHES


def prepare(image: Image.Image, dpi: float | None, steps: Preprocessing) -> Image.Image:
    """The page as Tesseract should see it."""
    image = ImageOps.exif_transpose(image) if image.format == "JPEG" else image
    image = image.convert("L") if steps.grayscale else image.convert("RGB")
    if steps.rescale:
        factor = steps.target_dpi / estimated_dpi(image, dpi)
        factor = min(max(factor, 0.4), 3.0)
        if abs(factor - 1) > 0.1:
            size = (round(image.width * factor), round(image.height * factor))
            image = image.resize(size, Image.Resampling.LANCZOS if factor < 1 else Image.Resampling.BICUBIC)
    if steps.deskew:
        angle = skew_angle(image)
        if abs(angle) >= 0.1:
            fill = 255 if image.mode == "L" else (255, 255, 255)
            image = image.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=fill)
    if steps.denoise:
        image = median3(image) if image.mode == "L" else image.filter(ImageFilter.MedianFilter(3))
    if steps.binarise:
        image = binarised(image)
    return image


def _sorted3(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The three arrays sorted element by element: (lowest, middle, highest)."""
    low, high = np.minimum(a, b), np.maximum(a, b)
    middle, high = np.minimum(high, c), np.maximum(high, c)
    return np.minimum(low, middle), np.maximum(low, middle), high


def _median3_of(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    return np.maximum(np.minimum(a, b), np.minimum(np.maximum(a, b), c))


def median3(gray: Image.Image) -> Image.Image:
    """The 3×3 median of a grey page (the edge pixels repeated), as ``ImageFilter.MedianFilter(3)``
    gives, in a few array passes instead of a sort per pixel.

    Each column of three is sorted once for the whole page; the median of a window is then the
    median of the highest of its three column minima, the median of its three column medians and the
    lowest of its three column maxima (exact for nine values), half the passes of a sorting network.
    """
    pixels = np.pad(np.asarray(gray, dtype=np.uint8), 1, mode="edge")
    height, width = gray.height, gray.width
    low, middle, high = _sorted3(pixels[:height], pixels[1 : height + 1], pixels[2 : height + 2])

    def shifted(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return rows[:, :width], rows[:, 1 : width + 1], rows[:, 2 : width + 2]

    lows, middles, highs = shifted(low), shifted(middle), shifted(high)
    highest_low = np.maximum(np.maximum(lows[0], lows[1]), lows[2])
    lowest_high = np.minimum(np.minimum(highs[0], highs[1]), highs[2])
    return Image.fromarray(_median3_of(highest_low, _median3_of(*middles), lowest_high))


def _dark_pixels(gray: Image.Image, limit: int = 1500) -> np.ndarray:
    """Coordinates (x, y) of ink in a copy at most ``limit`` pixels wide (each pixel the mean of a
    whole block: no resampling filter to pay for, and the angle wants only where the ink is)."""
    small = gray.reduce(math.ceil(gray.width / limit))
    pixels = np.asarray(small, dtype=np.uint8)
    ys, xs = np.nonzero(pixels <= _otsu(pixels))
    return np.stack([xs, ys]).astype(np.float32)


def skew_angle(image: Image.Image) -> float:
    """Degrees to rotate the page counter-clockwise to make its lines horizontal."""
    points = _dark_pixels(image.convert("L"))
    if points.shape[1] < 100:
        return 0.0
    if points.shape[1] > 200_000:
        points = points[:, :: points.shape[1] // 200_000 + 1]
    xs, ys = points

    def sharpness(degrees: float) -> float:
        rows = np.round(ys - xs * math.tan(math.radians(degrees))).astype(np.int64)
        counts = np.bincount(rows - rows.min())
        return float(np.dot(counts, counts))

    best = max(np.arange(-MAX_SKEW_DEGREES, MAX_SKEW_DEGREES + 0.01, 0.5), key=sharpness)
    best = max(np.arange(best - 0.5, best + 0.51, 0.1), key=sharpness)
    return float(best)


def _otsu(pixels: np.ndarray) -> int:
    histogram = np.bincount(pixels.ravel(), minlength=256).astype(np.float64)
    total = histogram.sum()
    levels = np.arange(256)
    weight = np.cumsum(histogram)
    mean = np.cumsum(histogram * levels)
    between = (mean[-1] * weight / total - mean) ** 2 / np.maximum(weight * (total - weight), 1)
    return int(np.argmax(between))


def binarised(image: Image.Image) -> Image.Image:
    gray = image.convert("L")
    small = gray.reduce(8) if min(gray.size) > 160 else gray
    background = small.filter(ImageFilter.MaxFilter(5)).filter(ImageFilter.GaussianBlur(3)).resize(gray.size)
    pixels = np.asarray(gray, dtype=np.float32)
    level = np.asarray(background, dtype=np.float32)
    flat = np.clip(pixels * 255.0 / np.maximum(level, 1.0), 0, 255).astype(np.uint8)
    return Image.fromarray(np.where(flat > _otsu(flat), 255, 0).astype(np.uint8))
