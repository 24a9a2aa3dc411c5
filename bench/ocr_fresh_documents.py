"""A second left-out group of synthetic Vietnamese payment documents with their labels, for bench/ocr.py.

Templates drawn by someone who has read neither the extractor nor any description of its work, so
their score says how it reads forms nobody tuned it for. Six templates of the three kinds:

- ``bien_lai_1``: a receipt voucher;
- ``bien_lai_2``: a receipt voucher;
- ``lenh_chi_1``: a payment order;
- ``lenh_chi_2``: a payment order;
- ``nop_tien_1``: a cash deposit slip;
- ``nop_tien_2``: a cash deposit slip.

The template names say only the kind, so that a score printed per template tells nothing of the
drawing.

Same public entry points and sample format as bench/ocr_holdout_documents.py (``LAYOUTS``,
``FONTS``, ``available_fonts``, ``make_sample``, ``Sample``; degradations ``clean``, ``scan`` and
``photo``), and the same field names and value types in ``labels``; a field is labelled only when
the document prints it. Fonts are Debian fonts with Vietnamese glyphs; pen-filled values use the
italic of the same family in blue.
"""

from __future__ import annotations

import datetime
import math
import random
from pathlib import Path

from ocr_documents import Sample, _photo, _scan, encode
from PIL import Image, ImageChops, ImageDraw, ImageFont

from ereceipt.core.amount_words import amount_in_words

__all__ = ["FONTS", "LAYOUTS", "Sample", "available_fonts", "make_sample"]

FONT_DIR = Path("/usr/share/fonts/truetype")
# name: (regular, bold, italic)
FONTS = {
    "FreeMono": ("freefont/FreeMono.ttf", "freefont/FreeMonoBold.ttf", "freefont/FreeMonoOblique.ttf"),
    "Liberation Sans": (
        "liberation2/LiberationSans-Regular.ttf",
        "liberation2/LiberationSans-Bold.ttf",
        "liberation2/LiberationSans-Italic.ttf",
    ),
    "FreeSerif": ("freefont/FreeSerif.ttf", "freefont/FreeSerifBold.ttf", "freefont/FreeSerifItalic.ttf"),
    "DejaVu Sans": ("dejavu/DejaVuSans.ttf", "dejavu/DejaVuSans-Bold.ttf", "dejavu/DejaVuSans-Oblique.ttf"),
}
MONO = ("FreeMono",)

INK = (0, 0, 0)
PEN = (20, 40, 140)
SEAL = (205, 40, 45)
SURNAMES = (
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "Đoàn",
    "Lương",
    "Trịnh",
    "Đinh",
    "Mai",
    "Tạ",
    "Cao",
    "Lưu",
    "Quách",
)
MIDDLE = ("Văn", "Thị", "Công", "Bá", "Duy", "Hoài", "Khánh", "Mỹ", "Phương", "Trọng", "Tuấn", "Bảo")
GIVEN = (
    "Hưởng",
    "Nguyệt",
    "Khải",
    "Tường",
    "Diễm",
    "Quỳnh",
    "Thắng",
    "Loan",
    "Hiếu",
    "Duyên",
    "Toản",
    "Vỹ",
    "Oanh",
    "Lực",
    "Nhung",
)
COMPANIES = (
    "Công ty TNHH Thương mại Minh Khuê",
    "Công ty Cổ phần Xây dựng Sông Lam",
    "Hợp tác xã Nông nghiệp Yên Phong",
)
STREETS = ("Lý Thường Kiệt", "Trần Hưng Đạo", "Nguyễn Trãi", "Lạc Long Quân", "Điện Biên Phủ", "Ngô Quyền")
PLACES = (
    ("phường Hưng Bình", "TP. Vinh, Nghệ An"),
    ("xã Nghĩa Trung", "huyện Việt Yên, Bắc Giang"),
    ("phường Tân An", "TP. Buôn Ma Thuột, Đắk Lắk"),
    ("phường Mỹ Bình", "TP. Long Xuyên, An Giang"),
    ("thị trấn Phùng", "huyện Đan Phượng, Hà Nội"),
    ("phường Hải Châu I", "quận Hải Châu, Đà Nẵng"),
    ("xã Hòa Long", "TP. Bà Rịa, Bà Rịa - Vũng Tàu"),
)
# (parent agency, agency, suffix of its decisions, city)
AGENCIES = (
    ("CỤC THI HÀNH ÁN DÂN SỰ TỈNH NGHỆ AN", "Chi cục Thi hành án dân sự TP. Vinh", "CCTHADS", "Vinh"),
    (
        "CỤC THI HÀNH ÁN DÂN SỰ TỈNH BẮC GIANG",
        "Chi cục Thi hành án dân sự huyện Việt Yên",
        "CCTHADS",
        "Việt Yên",
    ),
    ("TỔNG CỤC THI HÀNH ÁN DÂN SỰ", "Cục Thi hành án dân sự tỉnh Đắk Lắk", "CTHADS", "Buôn Ma Thuột"),
    (
        "CỤC THI HÀNH ÁN DÂN SỰ TỈNH AN GIANG",
        "Chi cục Thi hành án dân sự TP. Long Xuyên",
        "CCTHADS",
        "Long Xuyên",
    ),
    ("THI HÀNH ÁN DÂN SỰ TP. ĐÀ NẴNG", "Phòng Thi hành án dân sự khu vực 1", "PTHADS", "Đà Nẵng"),
)
# (short name printed as a logo, full name, branch)
BANKS = (
    ("SHB", "Ngân hàng TMCP Sài Gòn - Hà Nội", "Chi nhánh Nghệ An"),
    ("VPBank", "Ngân hàng TMCP Việt Nam Thịnh Vượng", "Chi nhánh Bắc Giang"),
    ("LPBank", "Ngân hàng TMCP Lộc Phát Việt Nam", "Chi nhánh Đắk Lắk"),
    ("Sacombank", "Ngân hàng TMCP Sài Gòn Thương Tín", "Chi nhánh An Giang"),
    ("ACB", "Ngân hàng TMCP Á Châu", "Chi nhánh Đà Nẵng"),
)
CASE_KINDS = ("DS", "HS", "KDTM", "HNGĐ", "LĐ", "HC")
PURPOSES = (
    "Nộp tiền án phí",
    "Nộp tiền thi hành án dân sự",
    "Nộp tiền bồi thường theo bản án",
    "Nộp tiền tạm ứng chi phí cưỡng chế",
    "Nộp tiền phạt bổ sung",
)


def available_fonts() -> list[str]:
    return [name for name, files in FONTS.items() if all((FONT_DIR / f).is_file() for f in files)]


def _content(rng: random.Random) -> dict:
    company = rng.random() < 0.1
    name = (
        rng.choice(COMPANIES)
        if company
        else f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
    )
    if rng.random() < 0.85:
        province, century, born = rng.randint(1, 96), rng.choice("0123"), rng.randint(40, 99)
        id_number = f"0{province:02d}{century}{born:02d}{rng.randint(0, 999999):06d}"
    else:
        id_number = f"{rng.randint(10, 38)}{rng.randint(0, 9999999):07d}"
    ward, city = rng.choice(PLACES)
    street = rng.choice(STREETS)
    address = rng.choice(
        [
            f"Số {rng.randint(1, 250)} {street}, {ward}, {city}",
            f"Ngõ {rng.randint(2, 120)} {street}, {ward}, {city}",
            f"Tổ {rng.randint(1, 30)}, khối {rng.randint(1, 12)}, {ward}, {city}",
            f"Xóm {rng.randint(1, 15)}, {ward}, {city}",
        ]
    )
    amount = rng.choice(
        [
            rng.randint(1, 999) * 1000,
            rng.randint(1, 9999) * 10_000 + rng.choice([0, 5000]),
            rng.randint(100, 99_999) * 1000,
            rng.randint(1, 1500) * 1_000_000 + rng.randint(0, 999) * 1000,
        ]
    )
    year = rng.randint(2024, 2026)
    parent, agency, suffix, agency_city = rng.choice(AGENCIES)
    decision = rng.choice(
        [
            f"{rng.randint(1, 1999)}/QĐ-{suffix}",
            f"{rng.randint(1, 999)}/{year}/QĐ-THADS",
        ]
    )
    judgment = f"{rng.randint(1, 399)}/{year - 1}/{rng.choice(CASE_KINDS)}-{rng.choice(['ST', 'PT'])}"
    date = datetime.date(year, rng.randint(1, 12), rng.randint(1, 28))
    return {
        "company": company,
        "payer_name": name,
        "payer_id_number": "" if company else id_number,
        "payer_address": address,
        "amount_vnd": amount,
        "amount_in_words": amount_in_words(amount),
        "amount_words_vnd": amount,
        "decision_number": decision,
        "judgment_number": judgment,
        "case_payment_code": f"THA{rng.randint(1000, 9999)}"
        if rng.random() < 0.6
        else f"THA{rng.randint(10000, 69999)}",
        "document_date": date.isoformat(),
        "bank_reference": f"FT{year % 100}{rng.randint(1, 365):03d}{rng.randint(0, 99999999):08d}",
        "date": date,
        "parent": parent,
        "agency": agency,
        "suffix": suffix,
        "city": agency_city,
        "bank": rng.choice(BANKS),
        "payer_account": f"{rng.randint(10**9, 10**13 - 1)}",
        "agency_account": f"3949.0.{rng.randint(1000000, 9999999)}",
        "issued": f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{rng.randint(2015, 2023)}",
    }


# --- how values are written ----------------------------------------------------------------


def _figures(amount: int, rng: random.Random) -> str:
    """The amount in figures as Vietnamese forms print it: dots between thousands, sometimes
    ``,00`` after, sometimes commas with ``.00``, with or without a currency word."""
    dotted = f"{amount:,}".replace(",", ".")
    text = rng.choice([dotted, dotted, f"{dotted},00", f"{amount:,}", f"{amount:,}.00"])
    return text + rng.choice(["", " VND", " VNĐ", " đồng", " đ"])


def _numeric(date: datetime.date, rng: random.Random) -> str:
    separator = rng.choice(["/", "/", ".", "-"])
    return date.strftime(f"%d{separator}%m{separator}%Y")


def _in_words(date: datetime.date, rng: random.Random) -> str:
    if rng.random() < 0.5:
        return f"ngày {date.day:02d} tháng {date.month:02d} năm {date.year}"
    return f"ngày {date.day} tháng {date.month} năm {date.year}"


def _short_agency(c: dict) -> str:
    return c["agency"].replace("Thi hành án dân sự", "THADS")


class Page:
    """A white page measured in inches and drawn at ``dpi``; black print, blue pen, red seals.

    Every value written goes through ``note`` once, whole, however it is drawn (wrapped, one
    character per cell): the tests listen there to check the labels against the page.
    """

    def __init__(self, width: float, height: float, dpi: int, font: str) -> None:
        self.dpi = dpi
        self.width, self.height = width, height
        self.image = Image.new("RGB", (round(width * dpi), round(height * dpi)), (255, 255, 255))
        self.draw = ImageDraw.Draw(self.image)
        self.files = FONTS[font]
        self.scale = 0.84 if font in MONO else 1.0  # monospaced faces run wide
        self.grid = INK  # the colour forms print their character boxes in

    def note(self, text: str) -> None:
        """Hears every string put on the page (the tests listen here)."""

    def face(self, size: float, bold: bool = False, italic: bool = False) -> ImageFont.FreeTypeFont:
        file = self.files[2 if italic else 1 if bold else 0]
        return ImageFont.truetype(str(FONT_DIR / file), max(4, round(size * self.scale / 72 * self.dpi)))

    def measure(self, text: str, size: float = 10, bold: bool = False, italic: bool = False) -> float:
        return self.draw.textlength(text, font=self.face(size, bold, italic)) / self.dpi

    def text(
        self,
        x: float,
        y: float,
        text: str,
        size: float = 10,
        bold: bool = False,
        italic: bool = False,
        align: str = "left",
        fill: tuple[int, int, int] = INK,
        heard: bool = True,
    ) -> float:
        """Draws ``text`` with its top at ``y``; returns the x where it ends."""
        if heard:
            self.note(text)
        font = self.face(size, bold, italic)
        width = self.draw.textlength(text, font=font) / self.dpi
        x -= width / 2 if align == "center" else width if align == "right" else 0
        self.draw.text((x * self.dpi, y * self.dpi), text, font=font, fill=fill)
        return x + width

    def wrap(
        self, text: str, width: float, size: float = 10, italic: bool = False, first: float = 0
    ) -> list[str]:
        """``text`` cut into lines ``width`` inches wide, the first ``first`` inches shorter."""
        font, lines, current, room = self.face(size, italic=italic), [], "", width - first
        for word in text.split():
            trial = f"{current} {word}".strip()
            if current and self.draw.textlength(trial, font=font) > room * self.dpi:
                lines.append(current)
                current, room = word, width
            else:
                current = trial
        return [*lines, current]

    def line(self, x0: float, y0: float, x1: float, y1: float, weight: float = 1.0, fill=INK) -> None:
        self.draw.line(
            [(x0 * self.dpi, y0 * self.dpi), (x1 * self.dpi, y1 * self.dpi)],
            fill=fill,
            width=max(1, round(weight * self.dpi / 100)),
        )

    def dashed(self, x0: float, y0: float, x1: float, y1: float, dash: float = 0.08) -> None:
        length = math.hypot(x1 - x0, y1 - y0)
        steps = max(1, int(length / dash))
        for k in range(0, steps, 2):
            a, b = k / steps, min(1.0, (k + 1) / steps)
            self.line(x0 + (x1 - x0) * a, y0 + (y1 - y0) * a, x0 + (x1 - x0) * b, y0 + (y1 - y0) * b)

    def rect(self, x0: float, y0: float, x1: float, y1: float, weight: float = 1.0, fill=None, outline=INK):
        self.draw.rectangle(
            [x0 * self.dpi, y0 * self.dpi, x1 * self.dpi, y1 * self.dpi],
            fill=fill,
            outline=outline,
            width=max(1, round(weight * self.dpi / 100)) if outline else 0,
        )

    def leader(self, x0: float, y: float, x1: float) -> None:
        """A row of dots from ``x0`` to ``x1`` at baseline ``y``, as forms leave for the pen."""
        r, x = max(1, self.dpi // 160), x0
        while x < x1:
            cx, cy = x * self.dpi, y * self.dpi
            self.draw.ellipse([cx - r / 2, cy - r / 2, cx + r / 2, cy + r / 2], fill=(80, 80, 80))
            x += 0.06

    def cells(
        self,
        x: float,
        y: float,
        value: str,
        cell: float = 0.2,
        height: float = 0.26,
        size: float = 10,
        count: int | None = None,
        pen: bool = False,
    ) -> float:
        """``value`` one character to a box, right-aligned in ``count`` boxes; returns the x after."""
        self.note(value)
        count = max(count or len(value), len(value))
        font = self.face(size, italic=pen)
        blank = count - len(value)
        for k in range(count):
            left = x + k * cell
            self.rect(left, y, left + cell, y + height, weight=0.8, outline=self.grid)
            if k >= blank:
                char = value[k - blank]
                self.draw.text(
                    ((left + cell / 2) * self.dpi, (y + height / 2) * self.dpi),
                    char,
                    font=font,
                    fill=PEN if pen else INK,
                    anchor="mm",
                )
        return x + count * cell

    def code_block(self, x: float, y: float, side: float, seed: str) -> None:
        """A square of modules like a QR code, three finder squares in its corners."""
        n = 25
        module = side / n
        rng = random.Random(seed)
        for row in range(n):
            for col in range(n):
                finder = next(
                    (
                        (row - r0, col - c0)
                        for r0, c0 in ((0, 0), (0, n - 7), (n - 7, 0))
                        if r0 <= row < r0 + 7 and c0 <= col < c0 + 7
                    ),
                    None,
                )
                if finder is not None:
                    a, b = finder
                    dark = max(abs(a - 3), abs(b - 3)) in (0, 1, 3)
                elif any(
                    r0 - 1 <= row <= r0 + 7 and c0 - 1 <= col <= c0 + 7
                    for r0, c0 in ((0, 0), (0, n - 7), (n - 7, 0))
                ):
                    dark = False
                else:
                    dark = rng.random() < 0.5
                if dark:
                    x0, y0 = x + col * module, y + row * module
                    self.rect(x0, y0, x0 + module, y0 + module, fill=INK, outline=None)

    def _lay(self, layer: Image.Image) -> None:
        """Lays ``layer`` (white where blank) over the page the way ink does: darker where both."""
        self.image = ImageChops.multiply(self.image, layer)
        self.draw = ImageDraw.Draw(self.image)

    def seal(self, cx: float, cy: float, radius: float, words: str, tilt_seed: str) -> None:
        """A round red seal: a ring with ``words`` around it and a star in the middle."""
        layer = Image.new("RGB", self.image.size, (255, 255, 255))
        draw = ImageDraw.Draw(layer)
        px, py, r = cx * self.dpi, cy * self.dpi, radius * self.dpi
        draw.ellipse([px - r, py - r, px + r, py + r], outline=SEAL, width=max(2, self.dpi // 55))
        inner = r * 0.62
        draw.ellipse(
            [px - inner, py - inner, px + inner, py + inner], outline=SEAL, width=max(1, self.dpi // 120)
        )
        font = ImageFont.truetype(str(FONT_DIR / self.files[1]), max(4, round(r * 0.2)))
        for i, letter in enumerate(words):
            angle = -160 + 320 * i / max(1, len(words) - 1)
            rad = math.radians(angle)
            size = font.size * 2
            glyph = Image.new("L", (size, size), 0)
            ImageDraw.Draw(glyph).text((size / 2, size / 2), letter, font=font, fill=255, anchor="mm")
            glyph = glyph.rotate(-angle, resample=Image.Resampling.BICUBIC)
            gx, gy = px + r * 0.81 * math.sin(rad) - size / 2, py - r * 0.81 * math.cos(rad) - size / 2
            layer.paste(Image.new("RGB", glyph.size, SEAL), (round(gx), round(gy)), glyph)
        star = [
            (
                px + r * 0.3 * math.sin(math.radians(36 * k)) * (1 if k % 2 == 0 else 0.4),
                py - r * 0.3 * math.cos(math.radians(36 * k)) * (1 if k % 2 == 0 else 0.4),
            )
            for k in range(10)
        ]
        draw.polygon(star, fill=SEAL)
        angle = random.Random(tilt_seed).uniform(-30, 30)
        self._lay(layer.rotate(angle, center=(px, py), fillcolor=(255, 255, 255)))

    def teller_mark(self, x: float, y: float, rows: list[str], tilt_seed: str) -> None:
        """An oval red teller's mark with a few words in it."""
        layer = Image.new("RGB", self.image.size, (255, 255, 255))
        draw = ImageDraw.Draw(layer)
        font = ImageFont.truetype(str(FONT_DIR / self.files[1]), max(4, round(0.11 * self.dpi)))
        width = max(draw.textlength(row, font=font) for row in rows) + 0.6 * self.dpi
        height = (0.17 * len(rows) + 0.2) * self.dpi
        x0, y0 = x * self.dpi, y * self.dpi
        draw.ellipse([x0, y0, x0 + width, y0 + height], outline=SEAL, width=max(2, self.dpi // 70))
        for k, row in enumerate(rows):
            draw.text(
                (x0 + width / 2, y0 + 0.1 * self.dpi + k * 0.17 * self.dpi),
                row,
                font=font,
                fill=SEAL,
                anchor="ma",
            )
        angle = random.Random(tilt_seed).uniform(-12, 12)
        self._lay(layer.rotate(angle, center=(x0 + width / 2, y0 + height / 2), fillcolor=(255, 255, 255)))

    def scribble(self, x: float, y: float, width: float, rng: random.Random) -> None:
        """A pen signature about ``width`` inches wide."""
        loops, phase = rng.randint(3, 6), rng.random() * 6
        points = []
        for k in range(81):
            t = k / 80
            points.append(
                (
                    (x + width * t - 0.06 * math.cos(t * loops * 2 * math.pi + phase)) * self.dpi,
                    (y + 0.12 - 0.1 * math.sin(t * loops * 2 * math.pi + phase) * (1 - 0.6 * t)) * self.dpi,
                )
            )
        self.draw.line(points, fill=PEN, width=max(2, self.dpi // 100), joint="curve")


def _leadered(
    page: Page, x: float, y: float, label: str, value: str, right: float, size: float = 10, step: float = 0.28
) -> float:
    """``label`` then ``value`` written by pen over a dotted line running to ``right``; the value's
    later lines start back at ``x``. Returns the y of the next line."""
    start = page.text(x, y, label, size) + 0.07
    page.note(value)
    lines = page.wrap(value, right - x - 0.05, size, italic=True, first=start - x)
    for k, part in enumerate(lines):
        left = start if k == 0 else x
        page.leader(left, y + size / 72 * 1.2, right)
        page.text(left + 0.03, y - 0.02, part, size, italic=True, fill=PEN, heard=False)
        y += step
    if not lines:
        y += step
    return y


def _flow(
    page: Page, x: float, y: float, width: float, runs: list[tuple[str, bool]], size: float, step: float
) -> float:
    """Runs of printed text and pen-filled values (``True``) set as one paragraph; returns the y after."""
    space = page.measure(" ", size)
    cursor = x
    for run, pen in runs:
        if pen:
            page.note(run)
        else:
            page.note(run.strip())
        for word in run.split():
            if word[0] in ",.);:" and cursor > x:
                cursor -= space  # punctuation stays against the value before it
            wide = page.measure(word, size, italic=pen)
            if cursor > x and cursor + wide > x + width:
                cursor, y = x, y + step
            if pen:
                page.leader(cursor, y + size / 72 * 1.2, cursor + wide + space)
            page.text(cursor, y, word, size, italic=pen, fill=PEN if pen else INK, heard=False)
            cursor += wide + space
    return y + step


def _agency_block(page: Page, c: dict, cx: float, y: float, size: float = 8) -> None:
    page.text(cx, y, c["parent"], size - 0.5, align="center")
    short = _short_agency(c).upper()
    page.text(cx, y + 0.17, short, size, bold=True, align="center")
    half = page.measure(short, size, bold=True) / 3
    page.line(cx - half, y + 0.37, cx + half, y + 0.37)


# --- receipt vouchers -----------------------------------------------------------------------


def _bien_lai_1(c: dict, page: Page, rng: random.Random) -> set[str]:
    fields = {
        "payer_name",
        "payer_address",
        "amount_vnd",
        "amount_in_words",
        "amount_words_vnd",
        "document_date",
    }
    items = [(rng.choice(["Họ và tên người nộp", "Người nộp tiền", "Tên người nộp"]), c["payer_name"])]
    if c["payer_id_number"] and rng.random() < 0.7:
        items.append((rng.choice(["Số định danh cá nhân", "Số CCCD", "CMND/CCCD số"]), c["payer_id_number"]))
        fields.add("payer_id_number")
    items.append((rng.choice(["Địa chỉ", "Nơi cư trú", "Chỗ ở hiện nay"]), c["payer_address"]))
    basis = rng.random()
    if basis < 0.45:
        items.append(
            (rng.choice(["Theo Quyết định THA số", "Căn cứ QĐ thi hành án số"]), c["decision_number"])
        )
        fields.add("decision_number")
    elif basis < 0.8:
        items.append((rng.choice(["Theo Bản án số", "Bản án/Quyết định số"]), c["judgment_number"]))
        fields.add("judgment_number")
    else:
        items.append(("Quyết định THA số", c["decision_number"]))
        items.append(("Bản án số", c["judgment_number"]))
        fields |= {"decision_number", "judgment_number"}
    if rng.random() < 0.5:
        c["purpose"] = rng.choice(PURPOSES)
        items.append((rng.choice(["Lý do nộp", "Nội dung thu", "Về khoản"]), c["purpose"]))
        fields.add("purpose")
    items.append((rng.choice(["Số tiền", "Số tiền nộp", "Số tiền thu"]), _figures(c["amount_vnd"], rng)))
    items.append((rng.choice(["Viết bằng chữ", "Bằng chữ", "Số tiền bằng chữ"]), c["amount_in_words"]))
    serial = f"{rng.randint(1, 999999):07d}"
    sign = f"{rng.choice('ABCDEFGH')}{rng.choice('KLMNPQ')}/{c['date'].year % 100}P"
    when = _in_words(c["date"], rng)
    for left, copy in ((0.25, "Liên 1: Lưu tại nơi thu"), (6.1, "Liên 2: Giao cho người nộp tiền")):
        width = 5.35
        _agency_block(page, c, left + 1.5, 0.25)
        page.text(left + width, 0.25, "Mẫu số 01/BLTHA", 8, align="right")
        page.text(left + width, 0.42, f"Ký hiệu: {sign}", 8, align="right")
        page.text(left + width, 0.59, f"Số: {serial}", 8, bold=True, align="right")
        page.text(left + width / 2, 0.9, "BIÊN LAI THU TIỀN", 13, bold=True, align="center")
        page.text(left + width / 2, 1.15, copy, 8, italic=True, align="center")
        y = 1.45
        for number, (label, value) in enumerate(items, start=1):
            y = _leadered(page, left, y, f"{number}. {label}:", value, left + width, 9.5, step=0.27)
        y += 0.05
        page.text(left + width - 0.1, y, f"{c['city']}, {when}", 9, italic=True, align="right")
        y += 0.25
        for cx, title in ((left + 1.1, "Người nộp tiền"), (left + 4.1, "Người thu tiền")):
            page.text(cx, y, title, 9, bold=True, align="center")
            page.text(cx, y + 0.16, "(Ký, ghi rõ họ tên)", 7.5, italic=True, align="center")
        page.scribble(left + 0.7, y + 0.3, 0.8, rng)
        page.scribble(left + 3.7, y + 0.3, 0.7, rng)
        if left > 1:
            page.seal(left + 3.4, y + 0.35, 0.45, _short_agency(c).upper(), serial)
    page.dashed(5.85, 0.2, 5.85, page.height - 0.2)
    return fields


def _bien_lai_2(c: dict, page: Page, rng: random.Random) -> set[str]:
    fields = {"payer_name", "amount_vnd", "amount_in_words", "amount_words_vnd", "document_date"}
    fields |= {"case_payment_code", "purpose"}
    page.text(0.35, 0.3, c["parent"], 7)
    for k, part in enumerate(page.wrap(c["agency"].upper(), 3.5, 8)):
        page.text(0.35, 0.45 + k * 0.16, part, 8, bold=True)
    page.text(0.35, 0.82, f"Mã số thuế: {rng.randint(10**9, 10**10 - 1)}", 7)
    page.code_block(4.55, 0.3, 0.95, c["case_payment_code"])
    page.text(5.02, 1.3, "Quét mã để tra cứu", 6.5, align="center")
    title = rng.choice(["BIÊN LAI THU TIỀN", "BIÊN LAI ĐIỆN TỬ", "BIÊN LAI THU THI HÀNH ÁN"])
    page.text(2.915, 1.55, title, 13, bold=True, align="center")
    page.text(2.915, 1.8, "(Bản thể hiện của biên lai điện tử)", 7.5, italic=True, align="center")
    year = c["date"].year % 100
    page.text(
        2.915,
        1.98,
        f"Ký hiệu: 1C{year}T{rng.choice('ABCDEF')}{rng.choice('ABCDEF')}   Số: {rng.randint(1, 99999):08d}",
        8,
        align="center",
    )
    rows = [(rng.choice(["Ngày thu", "Ngày lập", "Ngày nộp"]), _numeric(c["date"], rng))]
    rows.append((rng.choice(["Người nộp", "Họ tên người nộp", "Khách hàng"]), c["payer_name"]))
    if c["payer_id_number"] and rng.random() < 0.6:
        rows.append((rng.choice(["Số định danh", "CCCD", "Giấy tờ tùy thân"]), c["payer_id_number"]))
        fields.add("payer_id_number")
    if rng.random() < 0.6:
        rows.append((rng.choice(["Địa chỉ", "Địa chỉ cư trú"]), c["payer_address"]))
        fields.add("payer_address")
    rows.append((rng.choice(["Mã hồ sơ THA", "Mã thanh toán", "Mã tra cứu hồ sơ"]), c["case_payment_code"]))
    if rng.random() < 0.5:
        c["purpose"] = f"Thu tiền thi hành án theo Bản án số {c['judgment_number']}"
        fields.add("judgment_number")
    else:
        c["purpose"] = rng.choice(PURPOSES)
    rows.append((rng.choice(["Nội dung", "Khoản thu", "Diễn giải"]), c["purpose"]))
    rows.append((rng.choice(["Số tiền", "Tổng tiền", "Thành tiền"]), _figures(c["amount_vnd"], rng)))
    rows.append(("Bằng chữ", c["amount_in_words"]))
    y, size = 2.35, 9
    for k, (label, value) in enumerate(rows):
        lines = page.wrap(value, 3.1, size)
        height = 0.22 * len(lines) + 0.08
        if k % 2 == 0:
            page.rect(0.3, y - 0.04, 5.53, y - 0.04 + height, fill=(236, 236, 236), outline=None)
        page.text(0.4, y, label, size, bold=True)
        page.note(value)
        for n, part in enumerate(lines):
            page.text(5.43, y + n * 0.22, part, size, align="right", heard=False)
        y += height
    y += 0.25
    printed = c["date"] + datetime.timedelta(days=rng.randint(0, 40))
    stamp = f"{rng.randint(7, 17):02d}:{rng.randint(0, 59):02d}"
    page.text(0.4, y, f"Ngày in: {printed.strftime('%d/%m/%Y')} {stamp}", 7.5, italic=True)
    page.text(4.2, y + 0.25, "NGƯỜI THU TIỀN", 8.5, bold=True, align="center")
    page.rect(3.0, y + 0.5, 5.4, y + 1.25, outline=(30, 130, 60))
    page.text(3.1, y + 0.56, "Signature Valid", 7.5, bold=True, fill=(30, 130, 60))
    for k, part in enumerate(page.wrap(f"Ký bởi: {_short_agency(c).upper()}", 2.2, 7)):
        page.text(3.1, y + 0.74 + k * 0.15, part, 7, fill=(30, 130, 60))
    page.text(1.3, y + 0.25, "NGƯỜI NỘP TIỀN", 8.5, bold=True, align="center")
    page.scribble(0.9, y + 0.5, 0.8, rng)
    return fields


# --- payment orders -------------------------------------------------------------------------


def _lenh_chi_1(c: dict, page: Page, rng: random.Random) -> set[str]:
    fields = {"payer_name", "amount_vnd", "amount_in_words", "amount_words_vnd", "document_date"}
    fields |= {"case_payment_code", "purpose"}
    logo, bank, branch = c["bank"]
    page.grid = rng.choice([INK, INK, (120, 150, 205), (225, 140, 150)])
    page.rect(0.35, 0.25, 2.05, 0.72, fill=(20, 45, 110), outline=None)
    page.text(1.2, 0.3, logo, 17, bold=True, align="center", fill=(255, 255, 255))
    page.text(0.35, 0.78, bank, 7)
    page.text(0.35, 0.92, branch, 7)
    page.text(5.1, 0.25, rng.choice(["ỦY NHIỆM CHI", "LỆNH CHI"]), 15, bold=True, align="center")
    page.text(5.1, 0.55, f"Số: {rng.randint(1, 99999):06d}", 8.5, align="center")
    page.text(6.4, 0.95, rng.choice(["Ngày lập:", "Ngày:", "Date:"]), 8.5, align="right")
    day = c["date"]
    x = page.cells(6.46, 0.9, f"{day.day:02d}", 0.17, 0.22, 9)
    x = page.cells(x + 0.05, 0.9, f"{day.month:02d}", 0.17, 0.22, 9)
    page.cells(x + 0.05, 0.9, f"{day.year}", 0.17, 0.22, 9)
    y, size = 1.3, 9.5
    page.rect(0.35, y, 7.92, y + 0.26, fill=(225, 225, 225), outline=None)
    page.text(0.45, y + 0.03, "ĐƠN VỊ / NGƯỜI TRẢ TIỀN", 9, bold=True)
    y += 0.38
    page.text(0.45, y, "Tên tài khoản:", size)
    for part in page.wrap(c["payer_name"], 5.7, size + 0.5):
        page.text(2.1, y, part, size + 0.5, bold=True)
        y += 0.28
    y += 0.04
    page.text(0.45, y, "Số tài khoản:", size)
    page.cells(2.1, y - 0.03, c["payer_account"], 0.2, 0.25, 10)
    y += 0.33
    if c["payer_id_number"] and rng.random() < 0.65:
        page.text(0.45, y, rng.choice(["Số CCCD/Hộ chiếu:", "Số GTTT:", "CMND/CCCD:"]), size)
        page.cells(2.1, y - 0.03, c["payer_id_number"], 0.2, 0.25, 10, pen=True)
        fields.add("payer_id_number")
        y += 0.33
    if rng.random() < 0.5:
        page.text(0.45, y, "Địa chỉ:", size)
        for part in page.wrap(c["payer_address"], 5.7, size):
            page.text(2.1, y, part, size)
            y += 0.25
        page.note(c["payer_address"])
        fields.add("payer_address")
        y += 0.05
    page.rect(0.35, y, 7.92, y + 0.26, fill=(225, 225, 225), outline=None)
    page.text(0.45, y + 0.03, "ĐƠN VỊ / NGƯỜI HƯỞNG", 9, bold=True)
    y += 0.38
    page.text(0.45, y, "Tên tài khoản:", size)
    page.text(2.1, y, c["agency"], size)
    y += 0.3
    page.text(0.45, y, "Số tài khoản:", size)
    page.cells(2.1, y - 0.03, c["agency_account"], 0.2, 0.25, 10)
    page.text(5.3, y, f"Tại: KBNN {c['city']}", size)
    y += 0.4
    page.text(0.45, y, rng.choice(["Số tiền bằng số:", "Số tiền:"]), size, bold=True)
    digits = str(c["amount_vnd"])
    x = page.cells(2.1, y - 0.04, digits, 0.22, 0.28, 11, count=13, pen=True)
    page.text(x + 0.08, y, "VND", size)
    y += 0.37
    page.text(0.45, y, "Số tiền bằng chữ:", size)
    page.note(c["amount_in_words"])
    for part in page.wrap(c["amount_in_words"], 5.7, size, italic=True):
        page.text(2.1, y, part, size, italic=True, fill=PEN, heard=False)
        y += 0.25
    y += 0.05
    code_word = rng.choice(["mã hồ sơ", "MHS", "mã thanh toán", "mã số"])
    c["purpose"] = rng.choice(
        [
            f"{c['payer_name']} nộp tiền THA {code_word} {c['case_payment_code']}",
            f"Nộp tiền thi hành án, {code_word} {c['case_payment_code']}, tại {_short_agency(c)}",
        ]
    )
    page.text(0.45, y, rng.choice(["Nội dung:", "Nội dung thanh toán:", "Diễn giải:"]), size)
    page.note(c["purpose"])
    for part in page.wrap(c["purpose"], 5.7, size, italic=True):
        page.text(2.1, y, part, size, italic=True, fill=PEN, heard=False)
        y += 0.25
    y += 0.15
    for cx, title in ((1.1, "Kế toán trưởng"), (3.0, "Chủ tài khoản")):
        page.text(cx, y, title, 8.5, bold=True, align="center")
    page.scribble(2.6, y + 0.22, 0.8, rng)
    page.rect(4.4, y - 0.05, 7.92, y + 0.75)
    page.text(6.16, y, "NGÂN HÀNG GHI", 8, bold=True, align="center")
    if rng.random() < 0.6:
        page.text(4.5, y + 0.22, f"Số GD: {c['bank_reference']}", 8.5)
        fields.add("bank_reference")
    page.teller_mark(6.2, y + 0.2, [logo.upper(), "ĐÃ XỬ LÝ"], c["payer_account"])
    return fields


def _lenh_chi_2(c: dict, page: Page, rng: random.Random) -> set[str]:
    fields = {"payer_name", "amount_vnd", "amount_in_words", "amount_words_vnd", "document_date"}
    fields |= {"decision_number", "purpose"}
    logo, _, branch = c["bank"]
    page.text(0.45, 0.25, logo.upper(), 15, bold=True, fill=(150, 20, 30))
    page.text(0.45, 0.55, f"{branch} - Hotline 1900 {rng.randint(1000, 9999)}", 7.5)
    page.text(7.85, 0.25, f"Mẫu {rng.choice(['02/UNC', 'LC-01', 'UNC-TT'])}", 8, align="right")
    page.text(7.85, 0.42, f"Số chứng từ: {rng.randint(1, 999999):06d}", 8, align="right")
    title = rng.choice(["LỆNH CHI", "ỦY NHIỆM CHI KIÊM PHIẾU HẠCH TOÁN", "LỆNH CHUYỂN TIỀN"])
    page.text(4.13, 0.82, title, 14, bold=True, align="center")
    page.text(0.45, 1.2, f"{rng.choice(['Ngày lập', 'Ngày lập lệnh'])}: {_numeric(c['date'], rng)}", 9.5)
    effective = c["date"] + datetime.timedelta(days=rng.randint(0, 3))
    page.text(7.85, 1.2, f"Ngày hiệu lực: {effective.strftime('%d/%m/%Y')}", 9.5, align="right")
    right, size = 7.85, 9.5

    def row(y: float, label: str, value: str) -> float:
        end = page.text(0.65, y, label, size)
        page.note(value)
        lines = page.wrap(value, 4.6, size)
        for k, part in enumerate(lines):
            start = right - page.measure(part, size)
            if k == 0:
                page.leader(end + 0.08, y + size / 72 * 1.1, start - 0.08)
            page.text(right, y, part, size, align="right", heard=False)
            y += 0.24
        return y + 0.03

    y = 1.55
    page.text(0.45, y, "I. BÊN CHUYỂN TIỀN", 9.5, bold=True)
    y += 0.27
    y = row(y, rng.choice(["Họ tên / Tên đơn vị", "Người chuyển", "Tên chủ tài khoản"]), c["payer_name"])
    if c["payer_id_number"] and rng.random() < 0.6:
        y = row(y, rng.choice(["Số CCCD", "Số ĐDCN", "Số giấy tờ"]), c["payer_id_number"])
        fields.add("payer_id_number")
    if rng.random() < 0.6:
        y = row(y, rng.choice(["Địa chỉ", "Địa chỉ liên hệ"]), c["payer_address"])
        fields.add("payer_address")
    y = row(y, "Số tài khoản", c["payer_account"])
    page.text(0.45, y, "II. BÊN NHẬN TIỀN", 9.5, bold=True)
    y += 0.27
    y = row(y, "Đơn vị thụ hưởng", c["agency"])
    y = row(y, "Tài khoản", f"{c['agency_account']} - KBNN {c['city']}")
    page.text(0.45, y, "III. CHI TIẾT THANH TOÁN", 9.5, bold=True)
    y += 0.27
    y = row(y, rng.choice(["Số tiền", "Số tiền chuyển"]), _figures(c["amount_vnd"], rng))
    y = row(y, "Số tiền bằng chữ", c["amount_in_words"])
    c["purpose"] = rng.choice(
        [
            f"Thi hành QĐ số {c['decision_number']} của {_short_agency(c)}",
            f"Nộp tiền theo quyết định thi hành án {c['decision_number']}",
            f"{c['payer_name']} thanh toán tiền THA, QĐ {c['decision_number']}",
        ]
    )
    y = row(y, rng.choice(["Diễn giải", "Nội dung chuyển", "Lý do"]), c["purpose"])
    y = row(y, "Phí", rng.choice(["Người chuyển chịu", "Phí ngoài"]))
    y += 0.12
    if rng.random() < 0.5:
        page.text(0.45, y, f"Số bút toán: {c['bank_reference']}", 8.5)
        fields.add("bank_reference")
    y += 0.25
    for cx, title in ((1.3, "Người lập lệnh"), (4.13, "Giao dịch viên"), (6.8, "Kiểm soát")):
        page.text(cx, y, title, 8.5, bold=True, align="center")
    page.scribble(0.9, y + 0.2, 0.8, rng)
    page.teller_mark(3.5, y + 0.2, [f"{logo.upper()} {branch.upper()}", "ĐÃ HẠCH TOÁN"], c["bank_reference"])
    return fields


# --- cash deposit slips ---------------------------------------------------------------------


def _nop_tien_1(c: dict, page: Page, rng: random.Random) -> set[str]:
    fields = {"payer_name", "amount_vnd", "amount_in_words", "amount_words_vnd", "document_date"}
    stub_figures = f"{c['amount_vnd']:,}".replace(",", ".")
    page.text(1.35, 0.3, "CUỐNG PHIẾU", 10, bold=True, align="center")
    page.text(1.35, 0.5, "(Lưu tại đơn vị)", 7.5, italic=True, align="center")
    y = 0.85
    for label, value in (
        ("Người nộp:", c["payer_name"]),
        ("Số tiền:", stub_figures),
        ("Ngày:", _numeric(c["date"], rng)),
    ):
        page.text(0.25, y, label, 8.5)
        y += 0.2
        page.note(value)
        for part in page.wrap(value, 2.3, 9, italic=True):
            page.text(0.35, y, part, 9, italic=True, fill=PEN, heard=False)
            y += 0.2
        y += 0.1
    page.text(0.25, y + 0.1, "Thủ quỹ ký", 8, italic=True)
    page.scribble(0.4, y + 0.35, 0.7, rng)
    page.dashed(2.65, 0.15, 2.65, page.height - 0.15, dash=0.06)
    left, width = 2.95, 7.75
    page.text(left, 0.3, c["parent"], 8)
    page.text(left, 0.48, _short_agency(c).upper(), 8.5, bold=True)
    page.text(left + width, 0.3, f"Số: {rng.randint(1, 9999):04d}/GNT", 8.5, align="right")
    title = rng.choice(["GIẤY NỘP TIỀN", "GIẤY NỘP TIỀN MẶT", "GIẤY NỘP TIỀN THI HÀNH ÁN"])
    page.text(left + width / 2, 0.85, title, 14, bold=True, align="center")
    page.text(left + width / 2, 1.15, f"Kính gửi: {c['agency']}", 10, italic=True, align="center")
    runs: list[tuple[str, bool]] = [
        (rng.choice(["Tôi tên là:", "Họ và tên người nộp:", "Tên tôi là"]), False)
    ]
    runs.append((c["payer_name"], True))
    if c["payer_id_number"] and rng.random() < 0.7:
        runs += [
            (rng.choice([", số CCCD", ", CCCD số", ", số định danh"]), False),
            (c["payer_id_number"], True),
        ]
        runs += [(", cấp ngày", False), (c["issued"], True)]
        fields.add("payer_id_number")
    if rng.random() < 0.7:
        runs += [(rng.choice([", cư trú tại", ", địa chỉ:", ", trú tại"]), False), (c["payer_address"], True)]
        fields.add("payer_address")
    runs += [(". Nộp số tiền:", False), (_figures(c["amount_vnd"], rng), True)]
    runs += [("(bằng chữ:", False), (c["amount_in_words"], True), (")", False)]
    basis = rng.random()
    if basis < 0.4:
        runs += [("để thi hành Bản án số", False), (c["judgment_number"], True)]
        fields.add("judgment_number")
    elif basis < 0.75:
        runs += [("theo Quyết định thi hành án số", False), (c["decision_number"], True)]
        fields.add("decision_number")
    else:
        runs += [("để thi hành Bản án số", False), (c["judgment_number"], True)]
        runs += [("và Quyết định THA số", False), (c["decision_number"], True)]
        fields |= {"judgment_number", "decision_number"}
    if rng.random() < 0.6:
        runs += [
            (rng.choice([", mã hồ sơ", ", mã thanh toán", ", mã số"]), False),
            (c["case_payment_code"], True),
        ]
        fields.add("case_payment_code")
    runs.append((".", False))
    y = _flow(page, left, 1.55, width, runs, 10.5, 0.34)
    y += 0.1
    page.text(
        left + width - 0.2, y, f"{c['city']}, {_in_words(c['date'], rng)}", 10, italic=True, align="right"
    )
    y += 0.3
    for cx, title in ((left + 1.2, "NGƯỜI NỘP TIỀN"), (left + 4.0, "KẾ TOÁN"), (left + 6.5, "THỦ QUỸ")):
        page.text(cx, y, title, 9, bold=True, align="center")
        page.text(cx, y + 0.17, "(Ký, họ tên)", 7.5, italic=True, align="center")
    page.scribble(left + 0.8, y + 0.35, 0.8, rng)
    page.scribble(left + 6.1, y + 0.35, 0.6, rng)
    page.seal(left + 5.9, y + 0.5, 0.42, _short_agency(c).upper(), c["payer_name"])
    return fields


def _nop_tien_2(c: dict, page: Page, rng: random.Random) -> set[str]:
    fields = {"payer_name", "amount_vnd", "amount_in_words", "amount_words_vnd", "document_date"}
    fields |= {"purpose", "bank_reference"}
    logo, bank, branch = c["bank"]
    width, x0, x1, size = page.width, 0.2, page.width - 0.2, 8.5
    centre = width / 2
    page.text(centre, 0.2, logo.upper(), 15, bold=True, align="center")
    for k, part in enumerate(page.wrap(f"{bank} - {branch}", x1 - x0, 6.5)):
        page.text(centre, 0.5 + k * 0.13, part, 6.5, align="center")
    y = 0.82
    page.dashed(x0, y, x1, y, dash=0.05)
    y += 0.1
    page.text(
        centre,
        y,
        rng.choice(["NỘP TIỀN MẶT", "PHIẾU NỘP TIỀN", "GIAO DỊCH NỘP TIỀN"]),
        11,
        bold=True,
        align="center",
    )
    y += 0.25
    page.text(centre, y, rng.choice(["CASH DEPOSIT", "(Liên khách hàng)"]), 7.5, align="center")
    y += 0.25
    hour = f"{rng.randint(7, 16):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}"

    def pair(y: float, label: str, value: str, bold: bool = False) -> float:
        page.note(value)
        room = x1 - x0 - page.measure(label, size) - 0.1
        if page.measure(value, size, bold) <= room:
            page.text(x0, y, label, size)
            page.text(x1, y, value, size, bold=bold, align="right", heard=False)
            return y + 0.19
        page.text(x0, y, label, size)
        y += 0.18
        for part in page.wrap(value, x1 - x0 - 0.15, size):
            page.text(x1, y, part, size, bold=bold, align="right", heard=False)
            y += 0.18
        return y + 0.02

    y = pair(y, "Ngày GD:", f"{c['date'].strftime('%d/%m/%Y')} {hour}")
    y = pair(y, rng.choice(["Số GD:", "Mã GD:", "Số bút toán:"]), c["bank_reference"])
    y = pair(y, "Quầy/GDV:", f"{rng.randint(1, 12):02d}/{rng.choice('ABCDEFGH')}{rng.randint(100, 999)}")
    page.dashed(x0, y + 0.04, x1, y + 0.04, dash=0.05)
    y += 0.14
    y = pair(y, rng.choice(["Người nộp:", "Họ tên:", "KH nộp:"]), c["payer_name"])
    if c["payer_id_number"] and rng.random() < 0.7:
        y = pair(y, rng.choice(["Số GTTT:", "CCCD:", "ID:"]), c["payer_id_number"])
        fields.add("payer_id_number")
    y = pair(y, "TK nhận:", c["agency_account"])
    y = pair(y, "Tên TK nhận:", c["agency"])
    code_word = rng.choice(["ma", "mã", "MHS"])
    if rng.random() < 0.5:
        c["purpose"] = f"Nộp tiền THA {code_word} {c['case_payment_code']}"
        fields.add("case_payment_code")
    else:
        c["purpose"] = f"Nộp tiền theo QĐ {c['decision_number']}"
        fields.add("decision_number")
    y = pair(y, rng.choice(["Nội dung:", "ND:", "Diễn giải:"]), c["purpose"])
    page.dashed(x0, y + 0.04, x1, y + 0.04, dash=0.05)
    y += 0.14
    y = pair(y, rng.choice(["SỐ TIỀN:", "TỔNG TIỀN:"]), _figures(c["amount_vnd"], rng), bold=True)
    y = pair(y, "Bằng chữ:", c["amount_in_words"])
    y = pair(y, "Phí:", "0")
    page.dashed(x0, y + 0.04, x1, y + 0.04, dash=0.05)
    y += 0.16
    page.text(centre, y, "Khách hàng ký xác nhận", 7.5, italic=True, align="center")
    page.scribble(centre - 0.45, y + 0.15, 0.9, rng)
    y += 0.6
    page.text(centre, y, "Cảm ơn Quý khách!", 8, italic=True, align="center")
    return fields


# (draw, width, height) in inches
_DRAW = {
    "bien_lai_1": (_bien_lai_1, 11.69, 5.7),
    "bien_lai_2": (_bien_lai_2, 5.83, 8.27),
    "lenh_chi_1": (_lenh_chi_1, 8.27, 6.3),
    "lenh_chi_2": (_lenh_chi_2, 8.27, 7.0),
    "nop_tien_1": (_nop_tien_1, 10.9, 5.2),
    "nop_tien_2": (_nop_tien_2, 3.15, 6.6),
}
LAYOUTS = tuple(_DRAW)


def draw_document(layout: str, font: str, dpi: int, rng: random.Random) -> tuple[Image.Image, dict]:
    content = _content(rng)
    draw, width, height = _DRAW[layout]
    page = Page(width, height, dpi, font)
    fields = draw(content, page, rng)
    labels = {name: content[name] for name in sorted(fields) if content.get(name) not in (None, "")}
    return page.image, labels


def make_sample(index: int, layout: str, font: str, dpi: int, degradation: str, seed: int) -> Sample:
    """One document of this group: ``clean`` PNG, ``scan`` (grey, skewed, noisy JPEG) or ``photo``."""
    rng = random.Random(f"fresh-{seed}-{index}")
    image, labels = draw_document(layout, font, dpi, rng)
    if degradation == "clean":
        data, media_type = encode(image, "PNG", dpi), "image/png"
    elif degradation == "scan":
        grey = _scan(image.convert("L"), rng)
        data, media_type = encode(grey, "JPEG", dpi, quality=rng.randint(35, 70)), "image/jpeg"
    else:
        data, media_type = encode(_photo(image, rng), "JPEG", None, quality=rng.randint(60, 85)), "image/jpeg"
    name = f"{index:03d}-{layout}-{font.replace(' ', '')}-{dpi}-{degradation}"
    return Sample(name, layout, font, dpi, degradation, data, media_type, labels)
