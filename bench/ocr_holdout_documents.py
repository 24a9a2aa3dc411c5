"""Left-out synthetic Vietnamese payment documents with their labels, for bench/ocr.py's honest score.

The left-out group: templates drawn by someone who never read the extractor, so its accuracy on
them says how it reads a form it has never seen. Same three kinds of document as
bench/ocr_documents.py — receipt vouchers (biên lai / phiếu thu of enforcement agencies), payment
orders (ủy nhiệm chi / lệnh chi of several banks) and cash deposit slips (giấy nộp tiền) — with the
variety of real counters: other wording of the labels, bilingual bank forms, two fields on one
line, labels above their values in ruled cells, tables with totals and denomination counts,
amounts grouped with dots, commas or spaces, the case payment code only inside free text, red
stamps and pen signatures over the text, values filled in by hand (italic, blue ink).

Same public entry points and sample format as bench/ocr_documents.py (``LAYOUTS``, ``FONTS``,
``available_fonts``, ``make_sample``, ``Sample``, same degradations), and the same field names and
value types in ``labels``; a field is labelled only when the document prints it. The fonts are
other Debian fonts with Vietnamese glyphs than the development group's (no handwriting font is
installed; pen-filled values use the italic of the same family).
"""

from __future__ import annotations

import math
import random
import unicodedata
from pathlib import Path

from ocr_documents import GIVEN, MIDDLE, SURNAMES, Sample, _photo, _scan, encode
from PIL import Image, ImageChops, ImageDraw, ImageFont

from ereceipt.core.amount_words import amount_in_words

FONT_DIR = Path("/usr/share/fonts/truetype")
# name: (regular, bold, italic)
FONTS = {
    "DejaVu Sans Condensed": (
        "dejavu/DejaVuSansCondensed.ttf",
        "dejavu/DejaVuSansCondensed-Bold.ttf",
        "dejavu/DejaVuSansCondensed-Oblique.ttf",
    ),
    "DejaVu Serif Condensed": (
        "dejavu/DejaVuSerifCondensed.ttf",
        "dejavu/DejaVuSerifCondensed-Bold.ttf",
        "dejavu/DejaVuSerifCondensed-Italic.ttf",
    ),
    "FreeSans": ("freefont/FreeSans.ttf", "freefont/FreeSansBold.ttf", "freefont/FreeSansOblique.ttf"),
    "Liberation Mono": (
        "liberation2/LiberationMono-Regular.ttf",
        "liberation2/LiberationMono-Bold.ttf",
        "liberation2/LiberationMono-Italic.ttf",
    ),
}

INK = (0, 0, 0)
PEN = (25, 35, 125)  # ballpoint blue
STAMP = (215, 45, 50)
COMPANIES = (
    "Công ty TNHH Vận tải Hoàng Long",
    "Công ty Cổ phần Đầu tư Phú Gia",
    "Hộ kinh doanh Tạp hóa Thu Hà",
)
STREETS = (
    "Nguyễn Văn Cừ",
    "Lê Lợi",
    "Hai Bà Trưng",
    "Phan Đình Phùng",
    "Trần Phú",
    "Quang Trung",
    "Võ Thị Sáu",
    "Nguyễn Huệ",
    "Bạch Đằng",
    "Hùng Vương",
)
PLACES = (
    ("phường Suối Hoa", "TP. Bắc Ninh, tỉnh Bắc Ninh"),
    ("phường Đông Ngàn", "thị xã Từ Sơn, Bắc Ninh"),
    ("xã Kiêu Kỵ", "huyện Gia Lâm, Hà Nội"),
    ("phường Lộc Thọ", "TP. Nha Trang, Khánh Hòa"),
    ("phường 5", "TP. Vũng Tàu, Bà Rịa - Vũng Tàu"),
    ("phường Phú Hội", "TP. Huế, Thừa Thiên Huế"),
    ("phường Hưng Lợi", "quận Ninh Kiều, Cần Thơ"),
    ("xã Tân Thông Hội", "huyện Củ Chi, TP. Hồ Chí Minh"),
    ("phường Quang Trung", "TP. Thái Nguyên, Thái Nguyên"),
)
# (parent agency, agency, short suffix of its decisions, city of its letterhead)
AGENCIES = (
    ("CỤC THI HÀNH ÁN DÂN SỰ TỈNH BẮC NINH", "Chi cục Thi hành án dân sự thị xã Từ Sơn", "CCTHADS", "Từ Sơn"),
    (
        "CỤC THI HÀNH ÁN DÂN SỰ TỈNH KHÁNH HÒA",
        "Chi cục Thi hành án dân sự TP. Nha Trang",
        "CCTHADS",
        "Nha Trang",
    ),
    ("TỔNG CỤC THI HÀNH ÁN DÂN SỰ", "Cục Thi hành án dân sự thành phố Cần Thơ", "CTHADS", "Cần Thơ"),
    (
        "CỤC THI HÀNH ÁN DÂN SỰ TP. HỒ CHÍ MINH",
        "Chi cục Thi hành án dân sự huyện Củ Chi",
        "CCTHADS",
        "Củ Chi",
    ),
    ("THI HÀNH ÁN DÂN SỰ TỈNH THÁI NGUYÊN", "Phòng Thi hành án dân sự khu vực 2", "PTHADS", "Thái Nguyên"),
)
# (short name printed as a logo, full name, branch)
BANKS = (
    ("BIDV", "Ngân hàng TMCP Đầu tư và Phát triển Việt Nam", "Chi nhánh Bắc Ninh"),
    ("Agribank", "Ngân hàng Nông nghiệp và Phát triển Nông thôn Việt Nam", "Chi nhánh Từ Sơn"),
    ("VietinBank", "Ngân hàng TMCP Công Thương Việt Nam", "Chi nhánh Khánh Hòa"),
    ("Vietcombank", "Ngân hàng TMCP Ngoại thương Việt Nam", "Chi nhánh Cần Thơ"),
    ("MB", "Ngân hàng TMCP Quân đội", "Chi nhánh Thái Nguyên"),
    ("Techcombank", "Ngân hàng TMCP Kỹ thương Việt Nam", "Chi nhánh Củ Chi"),
)
CASE_KINDS = ("DS", "HS", "KDTM", "HNGĐ", "LĐ", "HC")
PURPOSES = (
    "Nộp tiền án phí dân sự sơ thẩm",
    "Nộp tiền bồi thường thiệt hại",
    "Nộp tiền trả nợ theo bản án",
    "Nộp tiền phạt và truy thu",
    "Nộp tiền cấp dưỡng nuôi con",
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
            f"Số {rng.randint(1, 300)} {street}, {ward}, {city}",
            f"Số {rng.randint(1, 99)}/{rng.randint(1, 40)} đường {street}, {ward}, {city}",
            f"Thôn {rng.choice(['Đông', 'Đoài', 'Trung', 'Thượng'])}, {ward}, {city}",
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
    parent, agency, suffix, city_name = rng.choice(AGENCIES)
    decision = rng.choice(
        [
            f"{rng.randint(1, 1999)}/QĐ-{suffix}",
            f"{rng.randint(1, 999)}/QĐ-{suffix}",
            f"{rng.randint(1, 999)}/{year}/QĐ-THADS",
        ]
    )
    judgment = f"{rng.randint(1, 399)}/{year - 1}/{rng.choice(CASE_KINDS)}-{rng.choice(['ST', 'PT'])}"
    day, month = rng.randint(1, 28), rng.randint(1, 12)
    bank = rng.choice(BANKS)
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
        "document_date": f"{year}-{month:02d}-{day:02d}",
        "bank_reference": f"FT{year % 100}{rng.randint(1, 365):03d}{rng.randint(0, 99999999):08d}",
        "parent": parent,
        "agency": agency,
        "suffix": suffix,
        "city": city_name,
        "bank": bank,
        "payer_account": f"{rng.randint(10**11, 10**13 - 1)}",
        "agency_account": f"3949.0.{rng.randint(1000000, 9999999)}",
        "issued": f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{rng.randint(2016, 2023)}",
    }


def _grouped(amount: int, rng: random.Random) -> str:
    """The digits as people print them: dots, commas or spaces between thousands, or none."""
    separator = rng.choice([".", ".", ",", ",", " "])
    return f"{amount:,}".replace(",", separator)


def _money(amount: int, rng: random.Random) -> str:
    return f"{_grouped(amount, rng)}{rng.choice([' đ', ' VND', ' đồng', ' VNĐ', 'đ'])}"


def _dmy(content: dict, rng: random.Random, words: bool | None = None) -> str:
    """The document date as forms print it: in words or digits with /, - or . between."""
    year, month, day = content["document_date"].split("-")
    if words is None:
        words = rng.random() < 0.5
    if words:
        if rng.random() < 0.5:
            day, month = str(int(day)), str(int(month))
        return f"ngày {day} tháng {month} năm {year}"
    separator = rng.choice(["/", "/", "-", "."])
    return f"{day}{separator}{month}{separator}{year}"


def _date(content: dict, separator: str = "/") -> str:
    year, month, day = content["document_date"].split("-")
    return f"{day}{separator}{month}{separator}{year}"


class Page:
    """A colour page in inches, drawn at ``dpi``: black print, blue pen, red stamps."""

    def __init__(self, width: float, height: float, dpi: int, font: str) -> None:
        self.dpi = dpi
        self.width = width
        self.image = Image.new("RGB", (round(width * dpi), round(height * dpi)), (255, 255, 255))
        self.draw = ImageDraw.Draw(self.image)
        self.files = FONTS[font]
        self.mono = font == "Liberation Mono"

    def font(self, size: float, bold: bool = False, italic: bool = False) -> ImageFont.FreeTypeFont:
        if self.mono:  # a monospaced face is wide: keep lines on the page
            size *= 0.86
        file = self.files[2 if italic else 1 if bold else 0]
        return ImageFont.truetype(str(FONT_DIR / file), round(size / 72 * self.dpi))

    def length(self, text: str, size: float = 11, bold: bool = False, italic: bool = False) -> float:
        return self.draw.textlength(text, font=self.font(size, bold, italic)) / self.dpi

    def text(
        self,
        x: float,
        y: float,
        text: str,
        size: float = 11,
        bold: bool = False,
        italic: bool = False,
        align: str = "left",
        fill: tuple[int, int, int] = INK,
    ) -> float:
        """Draws ``text``; returns the x (inches) where it ends."""
        font = self.font(size, bold, italic)
        width = self.draw.textlength(text, font=font) / self.dpi
        if align == "center":
            x -= width / 2
        elif align == "right":
            x -= width
        self.draw.text((x * self.dpi, y * self.dpi), text, font=font, fill=fill)
        return x + width

    def fits(
        self, text: str, width: float, size: float = 11, italic: bool = False, first: float = 0
    ) -> list[str]:
        """``text`` wrapped to ``width`` inches, the first line ``first`` inches shorter."""
        font, lines, current, room = self.font(size, italic=italic), [], "", width - first
        for word in text.split():
            trial = f"{current} {word}".strip()
            if self.draw.textlength(trial, font=font) > room * self.dpi and current:
                lines.append(current)
                current, room = word, width
            else:
                current = trial
        return [*lines, current]

    def line(self, x0: float, y0: float, x1: float, y1: float, width: float = 1.0, fill=INK) -> None:
        self.draw.line(
            [(x0 * self.dpi, y0 * self.dpi), (x1 * self.dpi, y1 * self.dpi)],
            fill=fill,
            width=max(1, round(width * self.dpi / 100)),
        )

    def rule(self, x0: float, y: float, x1: float) -> None:
        self.line(x0, y, x1, y)

    def dots(self, x0: float, y: float, x1: float) -> None:
        """A dotted writing line, as printed forms leave for the pen."""
        step, r = 0.05, max(1, self.dpi // 150)
        x = x0
        while x < x1:
            cx, cy = x * self.dpi, y * self.dpi
            self.draw.ellipse([cx - r / 2, cy - r / 2, cx + r / 2, cy + r / 2], fill=(90, 90, 90))
            x += step

    def box(self, x0: float, y0: float, x1: float, y1: float, width: float = 1.0) -> None:
        self.draw.rectangle(
            [x0 * self.dpi, y0 * self.dpi, x1 * self.dpi, y1 * self.dpi],
            outline=INK,
            width=max(1, round(width * self.dpi / 100)),
        )

    def _ink(self, layer: Image.Image) -> None:
        """Lays ``layer`` (white where no ink) over the page as ink does: darker where both are."""
        self.image = ImageChops.multiply(self.image, layer)
        self.draw = ImageDraw.Draw(self.image)

    def round_stamp(self, cx: float, cy: float, radius: float, ring: str, centre: str) -> None:
        """A round red seal: two rings, ``ring`` written around, ``centre`` across, star above."""
        layer = Image.new("RGB", self.image.size, (255, 255, 255))
        draw = ImageDraw.Draw(layer)
        px, py, r = cx * self.dpi, cy * self.dpi, radius * self.dpi
        w = max(2, self.dpi // 60)
        draw.ellipse([px - r, py - r, px + r, py + r], outline=STAMP, width=w)
        inner = r * 0.68
        draw.ellipse([px - inner, py - inner, px + inner, py + inner], outline=STAMP, width=max(1, w // 2))
        font = ImageFont.truetype(str(FONT_DIR / self.files[1]), round(radius * 0.2 * self.dpi))
        letters = list(ring)
        span = 300.0
        for i, letter in enumerate(letters):
            angle = -150 + span * i / max(1, len(letters) - 1)  # degrees from the top, clockwise
            rad = math.radians(angle)
            size = font.size * 2
            glyph = Image.new("L", (size, size), 0)
            ImageDraw.Draw(glyph).text((size / 2, size / 2), letter, font=font, fill=255, anchor="mm")
            glyph = glyph.rotate(-angle, resample=Image.Resampling.BICUBIC)
            gx = px + (r * 0.84) * math.sin(rad) - size / 2
            gy = py - (r * 0.84) * math.cos(rad) - size / 2
            layer.paste(Image.new("RGB", glyph.size, STAMP), (round(gx), round(gy)), glyph)
        small = ImageFont.truetype(str(FONT_DIR / self.files[1]), round(radius * 0.17 * self.dpi))
        words = centre.split()
        rows = (
            [" ".join(words[: len(words) // 2]), " ".join(words[len(words) // 2 :])]
            if len(words) > 2
            else [centre]
        )
        for k, row in enumerate(rows):
            draw.text(
                (px, py + (k - (len(rows) - 1) / 2) * small.size * 1.2),
                row,
                font=small,
                fill=STAMP,
                anchor="mm",
            )
        star = [
            (
                px + r * 0.12 * math.sin(math.radians(36 * k)) * (1 if k % 2 == 0 else 0.45),
                py - r * 0.42 - r * 0.12 * math.cos(math.radians(36 * k)) * (1 if k % 2 == 0 else 0.45),
            )
            for k in range(10)
        ]
        draw.polygon(star, fill=STAMP)
        self._ink(
            layer.rotate(random.Random(ring).uniform(-25, 25), center=(px, py), fillcolor=(255, 255, 255))
        )

    def box_stamp(self, x: float, y: float, rows: list[str]) -> None:
        """A rectangular red teller's stamp (ĐÃ THU TIỀN ...)."""
        layer = Image.new("RGB", self.image.size, (255, 255, 255))
        draw = ImageDraw.Draw(layer)
        font = ImageFont.truetype(str(FONT_DIR / self.files[1]), round(0.13 * self.dpi))
        width = max(draw.textlength(row, font=font) for row in rows) + 0.2 * self.dpi
        height = len(rows) * 0.2 * self.dpi + 0.12 * self.dpi
        x0, y0 = x * self.dpi, y * self.dpi
        draw.rectangle([x0, y0, x0 + width, y0 + height], outline=STAMP, width=max(2, self.dpi // 70))
        for k, row in enumerate(rows):
            draw.text(
                (x0 + width / 2, y0 + 0.06 * self.dpi + k * 0.2 * self.dpi),
                row,
                font=font,
                fill=STAMP,
                anchor="ma",
            )
        self._ink(
            layer.rotate(random.Random(rows[0]).uniform(-6, 6), center=(x0, y0), fillcolor=(255, 255, 255))
        )

    def signature(self, x: float, y: float, width: float, rng: random.Random) -> None:
        """A pen scribble about ``width`` inches wide with its top-left near (x, y)."""
        points, n = [], 60
        for k in range(n + 1):
            t = k / n
            points.append(
                (
                    (x + width * t + 0.08 * math.sin(t * 19)) * self.dpi,
                    (y + 0.15 + 0.13 * math.sin(t * 13 + rng.random()) * (1 - t * 0.5)) * self.dpi,
                )
            )
        self.draw.line(points, fill=PEN, width=max(2, self.dpi // 90), joint="curve")


def _field(
    page: Page,
    x: float,
    y: float,
    label: str,
    value: str,
    width: float,
    size: float = 11,
    pen: bool = False,
    step: float = 0.28,
    dotted: bool = False,
) -> float:
    """'Label value' with the value wrapped under the label's end; returns the next line's y.

    ``pen``: the value is filled in by hand (italic, blue) on a printed form.
    """
    end = page.text(x, y, label, size) + 0.08 if label else x
    lines = page.fits(value, width - 0.05, size, italic=pen, first=end - x)
    for k, text in enumerate(lines):
        start = end if k == 0 else x
        if dotted:
            page.dots(start, y + size / 72 * 1.15, x + width)
        page.text(start, y, text, size, italic=pen, fill=PEN if pen else INK)
        y += step
    return y


def _motto(page: Page, cx: float, y: float, size: float = 9.5) -> None:
    page.text(cx, y, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", size, bold=True, align="center")
    page.text(cx, y + 0.2, "Độc lập - Tự do - Hạnh phúc", size + 0.5, bold=True, align="center")
    half = page.length("Độc lập - Tự do - Hạnh phúc", size + 0.5, bold=True) / 2
    page.rule(cx - half, y + 0.43, cx + half)


def _agency_head(page: Page, c: dict, cx: float, y: float) -> None:
    page.text(cx, y, c["parent"], 8.5, align="center")
    short = c["agency"].replace("Thi hành án dân sự", "THADS").upper()
    page.text(cx, y + 0.19, short, 9, bold=True, align="center")
    half = page.length(short, 9, bold=True) / 4
    page.rule(cx - half, y + 0.42, cx + half)


# --- receipt vouchers ------------------------------------------------------------------------


def _bien_lai_thu_tien(c: dict, page: Page, rng: random.Random) -> set[str]:
    """Receipt of an enforcement agency: motto header, identity and address in one sentence."""
    _agency_head(page, c, 2.1, 0.35)
    _motto(page, 5.9, 0.35)
    page.text(7.9, 0.95, f"Ký hiệu: BL/{c['document_date'][2:4]}T", 9, align="right")
    page.text(7.9, 1.13, f"Số: {rng.randint(1, 99999):07d}", 9, align="right")
    page.text(4.13, 1.3, "BIÊN LAI THU TIỀN", 16, bold=True, align="center")
    page.text(4.13, 1.62, "(Liên 2: Giao cho người nộp tiền)", 9, italic=True, align="center")
    fields = {"payer_name", "payer_address", "amount_vnd", "amount_in_words", "amount_words_vnd"}
    fields |= {"decision_number", "purpose", "document_date"}
    y, x, w = 2.0, 0.6, 7.1
    pen = rng.random() < 0.5
    name_label = rng.choice(["Họ tên người nộp:", "Người nộp:", "Họ và tên:", "Tên người nộp tiền:"])
    y = _field(page, x, y, name_label, c["payer_name"], w, pen=pen)
    if c["payer_id_number"]:
        idl = rng.choice(["CCCD số", "Số CCCD/CMND", "CMND/CCCD số"])
        sentence = f"{idl}: {c['payer_id_number']}, cấp ngày {c['issued']}, địa chỉ: {c['payer_address']}"
        y = _field(page, x, y, "", sentence, w, pen=pen)
        fields.add("payer_id_number")
    else:
        y = _field(page, x, y, "Địa chỉ:", c["payer_address"], w, pen=pen)
    y = _field(
        page,
        x,
        y,
        rng.choice(["Theo QĐ số:", "Theo quyết định số:", "Căn cứ QĐTHA số:"]),
        c["decision_number"],
        w,
        pen=pen,
    )
    c["purpose"] = rng.choice(PURPOSES)
    y = _field(
        page, x, y, rng.choice(["Nội dung thu:", "Lý do thu:", "Khoản thu:"]), c["purpose"], w, pen=pen
    )
    y = _field(
        page,
        x,
        y,
        rng.choice(["Số tiền thu:", "Số tiền:", "Tổng số tiền:"]),
        _money(c["amount_vnd"], rng),
        w,
        pen=pen,
    )
    y = _field(page, x, y, "(Viết bằng chữ:", c["amount_in_words"] + ")", w, pen=pen)
    y += 0.1
    page.text(5.9, y, f"{c['city']}, {_dmy(c, rng, words=True)}", 10, italic=True, align="center")
    y += 0.3
    page.text(2.1, y, "NGƯỜI NỘP TIỀN", 10, bold=True, align="center")
    page.text(2.1, y + 0.2, "(Ký, ghi rõ họ tên)", 8.5, italic=True, align="center")
    page.text(5.9, y, "NGƯỜI THU TIỀN", 10, bold=True, align="center")
    page.text(5.9, y + 0.2, "(Ký, đóng dấu, ghi rõ họ tên)", 8.5, italic=True, align="center")
    page.signature(1.6, y + 0.35, 0.9, rng)
    page.signature(5.5, y + 0.35, 0.8, rng)
    page.text(
        5.9,
        y + 0.85,
        f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}",
        10,
        bold=True,
        align="center",
    )
    page.round_stamp(
        5.3, y + 0.45, 0.62, c["agency"].replace("Thi hành án dân sự", "THADS").upper(), "THI HÀNH ÁN DÂN SỰ"
    )
    return fields


_DRAW = {
    "bien_lai_thu_tien": (_bien_lai_thu_tien, 5.9),
}
LAYOUTS = tuple(_DRAW)


def draw_document(layout: str, font: str, dpi: int, rng: random.Random) -> tuple[Image.Image, dict]:
    content = _content(rng)
    draw, height = _DRAW[layout]
    page = Page(8.27, height, dpi, font)
    fields = draw(content, page, rng)
    labels = {name: content[name] for name in sorted(fields) if content.get(name) not in (None, "")}
    return page.image, labels


def make_sample(index: int, layout: str, font: str, dpi: int, degradation: str, seed: int) -> Sample:
    """One left-out document: ``clean`` PNG, ``scan`` (grey, skewed, noisy JPEG) or ``photo``."""
    rng = random.Random(f"holdout-{seed}-{index}")
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


def _plain(text: str) -> str:
    """``text`` without diacritics, as bank transfer contents are keyed."""
    text = text.replace("Đ", "D").replace("đ", "d")
    return "".join(ch for ch in unicodedata.normalize("NFD", text) if unicodedata.category(ch) != "Mn")
