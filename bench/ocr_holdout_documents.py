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
    if rng.random() < 0.5:
        label = rng.choice(["Mã vụ việc:", "Mã hồ sơ THA:", "Mã số thanh toán:", "Mã nộp tiền:"])
        y = _field(page, x, y, label, c["case_payment_code"], w, pen=pen)
        fields.add("case_payment_code")
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


def _table(
    page: Page,
    x: float,
    y: float,
    widths: list[float],
    rows: list[list[str]],
    size: float = 10,
    bold_rows: tuple[int, ...] = (0,),
    aligns: str = "",
) -> float:
    """A ruled table; each cell wrapped to its column, ``aligns`` per column (l, c, r). Returns its bottom."""
    edges = [x]
    for width in widths:
        edges.append(edges[-1] + width)
    step = size / 72 * 1.45
    top = y
    for r, row in enumerate(rows):
        pairs = zip(row, widths, strict=True)
        cells = [page.fits(text, width - 0.12, size) if text else [""] for text, width in pairs]
        height = max(len(lines) for lines in cells) * step + 0.1
        for k, lines in enumerate(cells):
            align = (aligns or "l" * len(widths))[k]
            for n, line in enumerate(lines):
                ty = y + 0.06 + n * step
                bold = r in bold_rows
                if align == "c" or r == 0:
                    page.text((edges[k] + edges[k + 1]) / 2, ty, line, size, bold=bold, align="center")
                elif align == "r":
                    page.text(edges[k + 1] - 0.07, ty, line, size, bold=bold, align="right")
                else:
                    page.text(edges[k] + 0.07, ty, line, size, bold=bold)
        y += height
        page.rule(x, y, edges[-1])
    page.rule(x, top, edges[-1])
    for edge in edges:
        page.line(edge, top, edge, y)
    return y


def _phieu_thu_bang_ke(c: dict, page: Page, rng: random.Random) -> set[str]:
    """Voucher C40-BB of a provincial agency: the reason first, a table of what was paid, the
    payer's name and identity number side by side, and the case code only inside the table."""
    page.text(0.5, 0.35, f"Đơn vị: {c['agency']}", 9, bold=True)
    page.text(0.5, 0.55, f"Mã QHNS: {rng.randint(1000000, 1099999)}", 9)
    page.text(7.8, 0.35, "Mẫu số C40-BB", 9, bold=True, align="right")
    page.text(7.8, 0.53, "(Ban hành kèm theo Thông tư số", 8, italic=True, align="right")
    page.text(7.8, 0.69, "107/2017/TT-BTC ngày 10/10/2017)", 8, italic=True, align="right")
    page.text(4.13, 0.95, "PHIẾU THU", 17, bold=True, align="center")
    page.text(4.13, 1.28, _dmy(c, rng, words=True).capitalize(), 10, italic=True, align="center")
    page.text(6.4, 1.05, f"Quyển số: {rng.randint(1, 20):02d}", 9)
    page.text(6.4, 1.23, f"Số: PT{rng.randint(1, 999):04d}", 9)
    page.text(6.4, 1.41, "Nợ: 1111", 9)
    page.text(6.4, 1.59, "Có: 3388", 9)
    y, x, w = 1.85, 0.55, 7.2
    fields = {"payer_name", "payer_address", "amount_vnd", "amount_in_words", "amount_words_vnd"}
    fields |= {"decision_number", "case_payment_code", "purpose", "document_date"}
    code_text = f"{rng.choice(['mã', 'mã số', 'mã thanh toán', 'MTT'])} {c['case_payment_code']}"
    c["purpose"] = (
        f"Nộp tiền THA theo QĐ số {c['decision_number']} ngày {_date(c)}, {code_text}"
        if rng.random() < 0.5
        else f"Thi hành án khoản phải trả theo Quyết định {c['decision_number']} ({code_text})"
    )
    shown = _grouped(c["amount_vnd"], rng)
    y = _table(
        page,
        x,
        y + 0.05,
        [0.5, 4.9, 1.8],
        [["STT", "Nội dung", "Số tiền (đồng)"], ["1", c["purpose"], shown], ["", "Cộng", shown]],
        size=10,
        bold_rows=(0, 2),
        aligns="clr",
    )
    y = _field(page, x, y + 0.1, "Số tiền viết bằng chữ:", c["amount_in_words"], w)
    name_label = rng.choice(["Người nộp:", "Họ tên:", "Người nộp tiền:"])
    if c["payer_id_number"]:
        page.text(x, y, f"{name_label} {c['payer_name']}", 11)
        page.text(4.7, y, f"{rng.choice(['Số CMND:', 'CCCD:', 'Số ĐDCN:'])} {c['payer_id_number']}", 11)
        fields.add("payer_id_number")
        y += 0.28
    else:
        y = _field(page, x, y, name_label, c["payer_name"], w)
    y = _field(page, x, y, rng.choice(["Đ/c:", "Địa chỉ:", "Nơi cư trú:"]), c["payer_address"], w)
    page.text(x, y, "Kèm theo: ........ chứng từ gốc.", 10)
    y += 0.35
    for cx, title in (
        (1.0, "Thủ trưởng đơn vị"),
        (2.9, "Kế toán"),
        (4.5, "Người nộp tiền"),
        (6.6, "Thủ quỹ"),
    ):
        page.text(cx, y, title, 9.5, bold=True, align="center")
        page.text(cx, y + 0.18, "(Ký, họ tên)", 8, italic=True, align="center")
    page.signature(4.1, y + 0.3, 0.8, rng)
    page.signature(6.2, y + 0.3, 0.7, rng)
    page.round_stamp(
        1.2, y + 0.45, 0.55, c["agency"].upper().replace("THI HÀNH ÁN DÂN SỰ", "THADS"), "THI HÀNH ÁN"
    )
    return fields


# --- payment orders ---------------------------------------------------------------------------


def _unc_song_ngu(c: dict, page: Page, rng: random.Random) -> set[str]:
    """A bilingual bank payment order (ỦY NHIỆM CHI / PAYMENT ORDER), payer and beneficiary side
    by side, labels above their values, the case code only in the details."""
    logo, bank, branch = c["bank"]
    page.text(0.5, 0.3, logo, 20, bold=True)
    page.text(0.5, 0.68, bank, 8)
    page.text(5.3, 0.3, "ỦY NHIỆM CHI", 16, bold=True, align="center")
    page.text(5.3, 0.62, "PAYMENT ORDER", 11, bold=True, align="center")
    page.text(7.8, 0.32, f"Số/No.: {rng.randint(1, 99999):05d}", 9, align="right")
    page.text(7.8, 0.52, f"Ngày/Date: {_date(c)}", 9, align="right")
    fields = {"payer_name", "payer_address", "amount_vnd", "amount_in_words", "amount_words_vnd"}
    fields |= {"case_payment_code", "purpose", "document_date", "bank_reference"}
    top = 0.95
    page.box(0.4, top, 4.1, 3.25)
    page.box(4.1, top, 7.9, 3.25)
    page.text(0.5, top + 0.06, "BÊN TRẢ TIỀN / PAYER", 9.5, bold=True)
    page.text(4.2, top + 0.06, "BÊN NHẬN / BENEFICIARY", 9.5, bold=True)
    size, y = 9.5, top + 0.34
    page.text(0.5, y, "Tên tài khoản / Account name:", 8.5)
    y = _field(page, 0.5, y + 0.19, "", c["payer_name"], 3.5, size, step=0.22)
    page.text(0.5, y, "Số tài khoản / Account No.:", 8.5)
    page.text(0.5, y + 0.19, c["payer_account"], size)
    y += 0.45
    if c["payer_id_number"]:
        page.text(0.5, y, "Số CCCD/Hộ chiếu / ID/PP No.:", 8.5)
        page.text(0.5, y + 0.19, f"{c['payer_id_number']}   Ngày cấp: {c['issued']}", size)
        fields.add("payer_id_number")
        y += 0.45
    page.text(0.5, y, "Địa chỉ / Address:", 8.5)
    _field(page, 0.5, y + 0.19, "", c["payer_address"], 3.5, size, step=0.2)
    y = top + 0.34
    page.text(4.2, y, "Tên tài khoản / Account name:", 8.5)
    y = _field(page, 4.2, y + 0.19, "", c["agency"], 3.6, size, step=0.22)
    page.text(4.2, y, "Số tài khoản / Account No.:", 8.5)
    page.text(4.2, y + 0.19, c["agency_account"], size)
    y += 0.45
    page.text(4.2, y, "Tại ngân hàng / With bank:", 8.5)
    _field(page, 4.2, y + 0.19, "", f"Kho bạc Nhà nước {c['city']}", 3.6, size, step=0.22)
    y = 3.25
    page.box(0.4, y, 7.9, 4.6)
    page.text(0.5, y + 0.1, "Số tiền bằng số / Amount in figures:", 9.5)
    page.box(5.2, y + 0.05, 7.8, y + 0.38)
    page.text(7.7, y + 0.1, _money(c["amount_vnd"], rng), 11, bold=True, align="right")
    y = _field(
        page, 0.5, y + 0.48, "Số tiền bằng chữ / Amount in words:", c["amount_in_words"], 7.3, 9.5, step=0.24
    )
    marker = rng.choice(["mã", "ma", "MTT:", "mã hồ sơ"])
    c["purpose"] = rng.choice(
        [
            f"{c['payer_name']} nộp tiền thi hành án {marker} {c['case_payment_code']}",
            f"Nộp tiền THA cho {c['agency']}, {marker} {c['case_payment_code']}",
        ]
    )
    _field(page, 0.5, y + 0.04, "Nội dung / Details:", c["purpose"], 7.3, 9.5, step=0.24)
    y = 4.75
    for cx, title, sub in (
        (1.3, "Kế toán trưởng", "Chief Accountant"),
        (3.4, "Chủ tài khoản", "Account holder"),
    ):
        page.text(cx, y, title, 9, bold=True, align="center")
        page.text(cx, y + 0.17, sub, 8, italic=True, align="center")
    page.signature(3.0, y + 0.3, 0.8, rng)
    page.box(4.6, y - 0.05, 7.9, 5.75)
    page.text(6.25, y, "PHẦN DÀNH CHO NGÂN HÀNG / FOR BANK USE", 8, bold=True, align="center")
    page.text(4.7, y + 0.25, f"Số bút toán / Ref No.: {c['bank_reference']}", 9)
    page.text(4.7, y + 0.48, "Giao dịch viên          Kiểm soát viên", 8.5)
    page.box_stamp(5.0, y + 0.62, [logo.upper() + " - " + branch.upper(), "ĐÃ HẠCH TOÁN"])
    return fields


def _lenh_chi_o_luoi(c: dict, page: Page, rng: random.Random) -> set[str]:
    """A payment order filled in by hand on a ruled grid: each label small at the top of its
    cell, the value written below it; the decision number inside the content."""
    logo, bank, branch = c["bank"]
    page.text(0.45, 0.3, bank.upper(), 8.5, bold=True)
    page.text(0.45, 0.48, branch, 8.5)
    page.text(4.13, 0.7, rng.choice(["LỆNH CHI", "ỦY NHIỆM CHI"]), 16, bold=True, align="center")
    page.text(7.85, 0.3, f"Số: {rng.randint(1, 9999)}", 9, align="right")
    page.text(4.13, 1.02, f"Lập ngày: {_dmy(c, rng, words=False)}", 10, align="center")
    fields = {"payer_name", "payer_address", "amount_vnd", "amount_in_words", "amount_words_vnd"}
    fields |= {"decision_number", "purpose", "document_date"}
    c["purpose"] = rng.choice(
        [
            f"Nộp tiền thi hành án theo QĐ {c['decision_number']}",
            f"Trả tiền THA theo Quyết định số {c['decision_number']} ngày {_date(c)}",
        ]
    )
    has_id = bool(c["payer_id_number"])
    if has_id:
        fields.add("payer_id_number")
    rows = [
        [("Đơn vị/Người trả tiền", c["payer_name"], 4.3), ("Số CCCD/MST", c["payer_id_number"] or "", 3.1)],
        [("Địa chỉ", c["payer_address"], 7.4)],
        [("Số tài khoản", c["payer_account"], 3.5), ("Tại ngân hàng", f"{logo} {branch}", 3.9)],
        [("Đơn vị thụ hưởng", c["agency"], 7.4)],
        [("Số tài khoản", c["agency_account"], 3.5), ("Tại", f"KBNN {c['city']}", 3.9)],
        [("Số tiền bằng số", _money(c["amount_vnd"], rng), 4.3), ("Phí", "Phí trong", 3.1)],
        [("Số tiền bằng chữ", c["amount_in_words"], 7.4)],
        [("Nội dung", c["purpose"], 7.4)],
    ]
    y, x0 = 1.35, 0.45
    for row in rows:
        lines_needed = max(len(page.fits(v, w - 0.15, 11, italic=True)) for _, v, w in row)
        height = 0.22 + 0.25 * lines_needed + 0.05
        x = x0
        for label, value, width in row:
            page.box(x, y, x + width, y + height)
            page.text(x + 0.06, y + 0.03, label, 7.5)
            _field(page, x + 0.12, y + 0.2, "", value, width - 0.15, 11, pen=True, step=0.25)
            x += width
        y += height
    y += 0.15
    for cx, title in ((1.3, "Kế toán"), (3.3, "Chủ tài khoản"), (5.4, "Ngân hàng A"), (7.0, "Ngân hàng B")):
        page.text(cx, y, title, 9.5, bold=True, align="center")
    page.signature(2.9, y + 0.22, 0.8, rng)
    return fields


# --- cash deposit slips -----------------------------------------------------------------------


def _notes(amount: int) -> list[tuple[int, int]]:
    rows, rest = [], amount
    for value in (500_000, 200_000, 100_000, 50_000, 20_000, 10_000, 5_000, 2_000, 1_000):
        if rest >= value:
            rows.append((value, rest // value))
            rest %= value
    return rows


def _giay_nop_tien_mat(c: dict, page: Page, rng: random.Random) -> set[str]:
    """A bank's cash deposit slip (GIẤY NỘP TIỀN MẶT / CASH DEPOSIT SLIP): bilingual short
    labels, identity number and issue date on one line, a count of banknotes beside it, the
    payment code and judgment inside the remarks, a teller's stamp."""
    logo, bank, branch = c["bank"]
    page.text(0.45, 0.28, logo, 18, bold=True)
    for k, line in enumerate(page.fits(f"{bank} - {branch}", 2.7, 7.5)):
        page.text(0.45, 0.62 + k * 0.15, line, 7.5)
    page.text(4.9, 0.3, "GIẤY NỘP TIỀN MẶT", 15, bold=True, align="center")
    page.text(4.9, 0.6, "CASH DEPOSIT SLIP", 10, bold=True, align="center")
    page.text(7.85, 0.62, f"Ngày/Date: {_dmy(c, rng, words=False)}", 9, align="right")
    fields = {"payer_name", "payer_address", "amount_vnd", "amount_in_words", "amount_words_vnd"}
    fields |= {"judgment_number", "case_payment_code", "purpose", "document_date", "bank_reference"}
    x, w, y = 0.45, 4.6, 1.0
    size = 9.5
    y = _field(
        page,
        x,
        y,
        rng.choice(["Người nộp/Depositor:", "Họ tên người nộp/Payer:"]),
        c["payer_name"],
        w,
        size,
        step=0.25,
    )
    if c["payer_id_number"]:
        text = f"{c['payer_id_number']}  Ngày cấp/Date: {c['issued']}"
        y = _field(page, x, y, "Số GTTT/ID No.:", text, w, size, step=0.25)
        page.text(x, y, "Nơi cấp/Place: Cục CS QLHC về TTXH", size)
        y += 0.25
        fields.add("payer_id_number")
    y = _field(page, x, y, "Địa chỉ/Address:", c["payer_address"], w, size, step=0.25)
    y = _field(page, x, y, "Nộp vào TK/Credit A/C:", c["agency_account"], w, size, step=0.25)
    y = _field(page, x, y, "Tên TK/A/C name:", c["agency"], w, size, step=0.25)
    y = _field(page, x, y, "Tại/At:", f"Kho bạc Nhà nước {c['city']}", w, size, step=0.25)
    y = _field(page, x, y, "Số tiền/Amount:", _money(c["amount_vnd"], rng), w, size + 1, step=0.27)
    y = _field(page, x, y, "Bằng chữ/In words:", c["amount_in_words"], w, size, step=0.25)
    code = rng.choice(["mã thanh toán", "mã", "MTT"])
    c["purpose"] = rng.choice(
        [
            f"Nộp tiền thi hành án theo bản án {c['judgment_number']}, {code} {c['case_payment_code']}",
            f"THA bản án số {c['judgment_number']} - {code} {c['case_payment_code']}",
        ]
    )
    y = _field(page, x, y, "Nội dung/Remarks:", c["purpose"], w, size, step=0.25)
    notes = _notes(c["amount_vnd"])
    rows = [["Mệnh giá", "Số tờ", "Thành tiền"]]
    for value, count in notes:
        rows.append([f"{value:,}".replace(",", "."), str(count), f"{value * count:,}".replace(",", ".")])
    counted = sum(value * count for value, count in notes)
    rows.append(["Cộng", "", f"{counted:,}".replace(",", ".")])
    page.text(6.45, 0.95, "BẢNG KÊ LOẠI TIỀN", 9, bold=True, align="center")
    bottom = _table(
        page, 5.2, 1.15, [0.95, 0.6, 1.1], rows, size=8.5, bold_rows=(0, len(rows) - 1), aligns="rrr"
    )
    page.text(5.2, bottom + 0.15, f"Số GD/Trans. No: {c['bank_reference']}", 9)
    y = max(y, bottom + 0.45) + 0.1
    for cx, title in ((1.2, "Người nộp tiền"), (3.6, "Giao dịch viên"), (6.2, "Kiểm soát")):
        page.text(cx, y, title, 9.5, bold=True, align="center")
    page.signature(0.8, y + 0.22, 0.8, rng)
    page.box_stamp(3.0, y + 0.2, [f"{logo.upper()} {branch.upper()}", "ĐÃ THU TIỀN", _date(c)])
    return fields


def _giay_nop_tien_kho_bac(c: dict, page: Page, rng: random.Random) -> set[str]:
    """Treasury deposit slip (GIẤY NỘP TIỀN VÀO TÀI KHOẢN, mẫu C4-08/KB): payer and identity in
    two columns, a table of the sums with their budget codes, the judgment in the table."""
    page.text(0.5, 0.35, "KHO BẠC NHÀ NƯỚC", 10, bold=True)
    page.text(0.5, 0.55, f"KBNN {c['city']}", 9)
    page.text(7.8, 0.35, "Mẫu số C4-08/KB", 9, bold=True, align="right")
    page.text(7.8, 0.53, "(TT số 77/2017/TT-BTC)", 8, italic=True, align="right")
    page.text(4.13, 0.85, "GIẤY NỘP TIỀN VÀO TÀI KHOẢN", 15, bold=True, align="center")
    cash = rng.random() < 0.5
    for left, label, ticked in ((3.0, "Tiền mặt", cash), (4.5, "Chuyển khoản", not cash)):
        end = page.text(left, 1.15, label, 10) + 0.1
        page.box(end, 1.17, end + 0.14, 1.31)
        if ticked:
            page.text(end + 0.07, 1.14, "x", 10, bold=True, align="center")
    page.text(7.8, 1.15, f"Số: {rng.randint(1, 999)}", 9, align="right")
    fields = {"payer_name", "payer_address", "amount_vnd", "amount_in_words", "amount_words_vnd"}
    fields |= {"judgment_number", "purpose", "document_date"}
    x, y = 0.5, 1.5
    page.text(x, y, f"Người nộp tiền: {c['payer_name']}", 10.5)
    if c["payer_id_number"]:
        page.text(5.0, y, f"Số CCCD: {c['payer_id_number']}", 10.5)
        fields.add("payer_id_number")
    else:
        page.text(5.0, y, f"Mã số thuế: {rng.randint(10**9, 10**10 - 1)}", 10.5)
    y = _field(page, x, y + 0.27, "Địa chỉ:", c["payer_address"], 7.3, 10.5, step=0.27)
    y = _field(page, x, y, "Đề nghị NH/KBNN:", f"KBNN {c['city']}", 7.3, 10.5, step=0.27)
    y = _field(page, x, y, "Để chuyển cho đơn vị hưởng:", c["agency"], 7.3, 10.5, step=0.27)
    page.text(x, y, f"Tài khoản: {c['agency_account']}", 10.5)
    page.text(5.0, y, f"Mã ĐVQHNS: {rng.randint(1000000, 1099999)}", 10.5)
    y += 0.35
    c["purpose"] = rng.choice(
        [
            f"Tiền thi hành án theo Bản án số {c['judgment_number']}",
            f"Nộp tiền THADS (BA {c['judgment_number']})",
        ]
    )
    shown = _grouped(c["amount_vnd"], rng)
    y = _table(
        page,
        x,
        y,
        [0.45, 3.6, 0.95, 0.9, 1.4],
        [
            ["STT", "Nội dung các khoản nộp", "Mã chương", "Mã NDKT", "Số tiền"],
            ["1", c["purpose"], "014", "4902", shown],
            ["", "Tổng cộng", "", "", shown],
        ],
        size=9.5,
        bold_rows=(0, 2),
        aligns="clccr",
    )
    y = _field(page, x, y + 0.1, "Tổng số tiền ghi bằng chữ:", c["amount_in_words"], 7.3, 10.5, step=0.27)
    page.text(7.8, y + 0.05, f"{c['city']}, {_dmy(c, rng, words=True)}", 10, italic=True, align="right")
    y += 0.35
    page.text(1.8, y, "ĐỐI TƯỢNG NỘP TIỀN", 9.5, bold=True, align="center")
    page.text(5.9, y, "KBNN/NGÂN HÀNG", 9.5, bold=True, align="center")
    page.text(5.9, y + 0.18, "Kế toán        Kế toán trưởng", 8.5, italic=True, align="center")
    page.signature(1.3, y + 0.25, 0.9, rng)
    page.round_stamp(6.6, y + 0.45, 0.5, f"KHO BẠC NHÀ NƯỚC {c['city'].upper()}", "KHO BẠC NHÀ NƯỚC")
    return fields


def _xac_nhan_chuyen_khoan(c: dict, page: Page, rng: random.Random) -> set[str]:
    """An internet-banking transfer confirmation printout: labels in a left column, values
    aligned right, the content keyed without diacritics, the case code only inside it."""
    logo = c["bank"][0]
    page.text(0.6, 0.35, logo, 18, bold=True)
    page.text(4.13, 0.95, "XÁC NHẬN GIAO DỊCH CHUYỂN TIỀN", 14, bold=True, align="center")
    page.text(4.13, 1.22, "TRANSACTION CONFIRMATION", 9.5, align="center")
    fields = {"payer_name", "amount_vnd", "amount_in_words", "amount_words_vnd"}
    fields |= {"case_payment_code", "purpose", "document_date", "bank_reference"}
    code = rng.choice(["ma", "MA", "MTT"])
    c["purpose"] = _plain(
        rng.choice(
            [
                f"{c['payer_name'].upper()} nop tien thi hanh an {code} {c['case_payment_code']}",
                f"Nop tien THA {code} {c['case_payment_code']} cho {c['agency']}",
            ]
        )
    )
    hour = f"{rng.randint(7, 17):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}"
    rows = [
        ("Ngày giao dịch", f"{_date(c)} {hour}"),
        ("Số tham chiếu", c["bank_reference"]),
        ("Tài khoản nguồn", c["payer_account"]),
        ("Tên người chuyển", c["payer_name"].upper()),
        ("Số tiền", f"{_grouped(c['amount_vnd'], rng)} VND"),
        ("Số tiền bằng chữ", c["amount_in_words"]),
        ("Phí giao dịch", "0 VND"),
        ("Tài khoản thụ hưởng", c["agency_account"]),
        ("Tên người thụ hưởng", c["agency"].upper()),
        ("Ngân hàng thụ hưởng", f"Kho bạc Nhà nước {c['city']}"),
        ("Nội dung", c["purpose"]),
    ]
    c["payer_name"] = c["payer_name"].upper()
    y = 1.65
    size = 10.5
    for label, value in rows:
        page.text(0.8, y, label, size, bold=True)
        lines = page.fits(value, 4.3, size)
        for line in lines:
            page.text(7.45, y, line, size, align="right")
            y += 0.27
        y += 0.07
        page.line(0.8, y - 0.05, 7.45, y - 0.05, width=0.5, fill=(170, 170, 170))
    page.text(4.13, y + 0.2, "Giao dịch thành công", 11, italic=True, align="center")
    return fields


def _giay_nop_tien_tai_co_quan(c: dict, page: Page, rng: random.Random) -> set[str]:
    """The agency counter's own deposit slip (GIẤY NỘP TIỀN THI HÀNH ÁN): the amount first, then
    the payer, labels in a column with their values at one tab stop, a labelled payment code,
    and the judgment or decision it pays under."""
    _agency_head(page, c, 2.1, 0.35)
    _motto(page, 5.9, 0.35)
    page.text(4.13, 1.05, "GIẤY NỘP TIỀN THI HÀNH ÁN", 15, bold=True, align="center")
    page.text(4.13, 1.35, f"Số: {rng.randint(1, 9999)}/GNT", 10, align="center")
    fields = {"payer_name", "payer_address", "amount_vnd", "amount_in_words", "amount_words_vnd"}
    fields |= {"case_payment_code", "document_date"}
    tab, x, y, w = 2.55, 0.7, 1.75, 5.3
    use_judgment = rng.random() < 0.5
    basis = c["judgment_number"] if use_judgment else c["decision_number"]
    fields.add("judgment_number" if use_judgment else "decision_number")
    rows = [
        (rng.choice(["Số tiền nộp", "Số tiền", "Nộp số tiền"]), _money(c["amount_vnd"], rng)),
        ("Bằng chữ", c["amount_in_words"]),
        (rng.choice(["Họ, tên", "Người nộp", "Tên người nộp"]), c["payer_name"]),
    ]
    if c["payer_id_number"]:
        rows.append((rng.choice(["Số định danh", "CCCD/CMND", "Số giấy tờ tùy thân"]), c["payer_id_number"]))
        fields.add("payer_id_number")
    rows += [
        (rng.choice(["Nơi ở", "Địa chỉ cư trú", "Trú tại"]), c["payer_address"]),
        (rng.choice(["Mã thanh toán", "Mã số THA", "Mã vụ việc"]), c["case_payment_code"]),
        ("Theo BA/QĐ số" if rng.random() < 0.5 else "Căn cứ", basis),
    ]
    size = 11
    for label, value in rows:
        page.text(x, y, label, size)
        page.text(tab - 0.15, y, ":", size)
        lines = page.fits(value, w, size, italic=True)
        for line in lines:
            page.text(tab, y, line, size, italic=True, fill=PEN)
            page.dots(tab, y + 0.2, tab + w)
            y += 0.3
    y += 0.15
    page.text(7.6, y, f"{c['city']}, {_dmy(c, rng, words=True)}", 10, italic=True, align="right")
    y += 0.3
    for cx, title in ((1.5, "NGƯỜI NỘP TIỀN"), (4.1, "KẾ TOÁN"), (6.5, "THỦ QUỸ")):
        page.text(cx, y, title, 9.5, bold=True, align="center")
        page.text(cx, y + 0.18, "(Ký, ghi rõ họ tên)", 8, italic=True, align="center")
    page.signature(1.0, y + 0.32, 0.9, rng)
    page.signature(6.1, y + 0.32, 0.7, rng)
    ring = c["agency"].upper().replace("THI HÀNH ÁN DÂN SỰ", "THADS")
    page.round_stamp(6.1, y + 0.35, 0.55, ring, "THI HÀNH ÁN")
    return fields


_DRAW = {
    "bien_lai_thu_tien": (_bien_lai_thu_tien, 6.2),
    "phieu_thu_bang_ke": (_phieu_thu_bang_ke, 5.9),
    "unc_song_ngu": (_unc_song_ngu, 6.1),
    "lenh_chi_o_luoi": (_lenh_chi_o_luoi, 6.3),
    "giay_nop_tien_mat": (_giay_nop_tien_mat, 5.75),
    "giay_nop_tien_kho_bac": (_giay_nop_tien_kho_bac, 6.2),
    "xac_nhan_chuyen_khoan": (_xac_nhan_chuyen_khoan, 6.8),
    "giay_nop_tien_tai_co_quan": (_giay_nop_tien_tai_co_quan, 6.0),
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
