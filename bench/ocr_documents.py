"""Synthetic Vietnamese payment documents with their labels: the DEVELOPMENT group of bench/ocr.py.

Thirteen layouts as officers see them at the counter: a bank payment order (ỦY NHIỆM CHI), a bank
payment slip (GIẤY NỘP TIỀN), a cash collection voucher (PHIẾU THU), an enforcement decision
(QUYẾT ĐỊNH), a receipt voucher drawn as a ruled table with a stamp over it (BIÊN LAI THU TIỀN), a
cash deposit slip with two fields in one sentence and the case code only in the free text (GIẤY
NỘP TIỀN MẶT) and a payment order of boxes whose labels stand above their values, in a shuffled
order (LỆNH CHI). The last three draw each label from a list of synonyms, group amounts with
``.``, ``,`` or spaces, and may write the filled-in values in an oblique face (handwriting-like).
Fonts with Vietnamese glyphs from Debian (DejaVu, Liberation 2, FreeFont), drawn at 200 or 300 dpi;
degraded variants add 0-3° skew, noise, blur, JPEG artefacts, or a photograph of the page lying on
a desk (perspective, uneven light, no resolution in the file). Six more templates, drawn in
bench/ocr_development_forms.py (four) and bench/ocr_counter_forms.py (two), vary wording, order,
dates and grouping the same way.

The extractor is developed against this group only; bench/ocr_holdout_documents.py draws the
left-out group, by someone who has not read the extractor, and is only ever measured.

The labels never reach the OCR engine: a sample's ``data`` is only the image bytes.
"""

from __future__ import annotations

import importlib
import io
import math
import random
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from ereceipt.core.amount_words import amount_in_words

FONT_DIR = Path("/usr/share/fonts/truetype")
FONTS = {
    "DejaVu Sans": ("dejavu/DejaVuSans.ttf", "dejavu/DejaVuSans-Bold.ttf"),
    "DejaVu Serif": ("dejavu/DejaVuSerif.ttf", "dejavu/DejaVuSerif-Bold.ttf"),
    "Liberation Serif": ("liberation2/LiberationSerif-Regular.ttf", "liberation2/LiberationSerif-Bold.ttf"),
    "Liberation Sans": ("liberation2/LiberationSans-Regular.ttf", "liberation2/LiberationSans-Bold.ttf"),
    "FreeSerif": ("freefont/FreeSerif.ttf", "freefont/FreeSerifBold.ttf"),
}
OBLIQUE = {
    "DejaVu Sans": "dejavu/DejaVuSans-Oblique.ttf",
    "DejaVu Serif": "dejavu/DejaVuSerif-Italic.ttf",
    "Liberation Serif": "liberation2/LiberationSerif-Italic.ttf",
    "Liberation Sans": "liberation2/LiberationSans-Italic.ttf",
    "FreeSerif": "freefont/FreeSerifItalic.ttf",
}
VARIED = ("bien_lai_bang", "giay_nop_tien_mat_nh", "lenh_chi_o")
LAYOUTS = (
    "uy_nhiem_chi",
    "giay_nop_tien",
    "phieu_thu",
    "quyet_dinh",
    "bien_lai_bang",
    "giay_nop_tien_mat_nh",
    "lenh_chi_o",
    "bien_lai_tha",
    "unc_bang",
    "nop_ngan_sach",
    "phieu_thu_bang",
    "nop_tai_khoan_hai_cot",
    "phieu_thu_lien_2",
)

SURNAMES = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ")
MIDDLE = ("Văn", "Thị", "Hữu", "Đức", "Minh", "Ngọc", "Quốc", "Thanh", "Xuân", "Thùy", "Đình", "Kim")
GIVEN = (
    "An",
    "Bình",
    "Cường",
    "Dũng",
    "Hằng",
    "Hương",
    "Khánh",
    "Lan",
    "Long",
    "Nga",
    "Phúc",
    "Quỳnh",
    "Sơn",
    "Thảo",
    "Tuấn",
    "Việt",
    "Yến",
    "Hiếu",
    "Trường",
    "Nhung",
    "Đạt",
    "Hải",
    "Tâm",
    "Vinh",
)
COMPANIES = (
    "Công ty TNHH Minh Phát",
    "Công ty Cổ phần Xây dựng Hưng Thịnh",
    "Công ty TNHH Thương mại Ánh Dương",
)
STREETS = (
    "Đội Cấn",
    "Nguyễn Thái Học",
    "Lê Duẩn",
    "Trần Hưng Đạo",
    "Hàng Bông",
    "Kim Mã",
    "Giảng Võ",
    "Lạc Long Quân",
    "Hoàng Quốc Việt",
    "Nguyễn Trãi",
    "Lý Thường Kiệt",
    "Điện Biên Phủ",
)
PLACES = (
    "Ba Đình, Hà Nội",
    "Hoàn Kiếm, Hà Nội",
    "Đống Đa, Hà Nội",
    "Cầu Giấy, Hà Nội",
    "Quận 1, TP. Hồ Chí Minh",
    "Hải Châu, Đà Nẵng",
    "Ninh Kiều, Cần Thơ",
    "Lê Chân, Hải Phòng",
)
AGENCIES = (
    ("CCTHADS", "Chi cục Thi hành án dân sự quận Ba Đình"),
    ("CTHADS", "Cục Thi hành án dân sự thành phố Hà Nội"),
    ("CCTHADS", "Chi cục Thi hành án dân sự quận Đống Đa"),
)
BANKS = (
    "Ngân hàng TMCP Ngoại thương Việt Nam",
    "Ngân hàng TMCP Công thương Việt Nam",
    "Ngân hàng Nông nghiệp và Phát triển Nông thôn Việt Nam",
)
CASE_KINDS = ("DS", "HS", "KDTM", "HNGĐ", "LĐ", "HC")


@dataclass(frozen=True)
class Sample:
    name: str
    layout: str
    font: str
    dpi: int
    degradation: str  # clean, scan (skew, noise, JPEG) or photo
    data: bytes  # what the engine sees
    media_type: str
    labels: dict[str, str | int]  # what the document says


def available_fonts() -> list[str]:
    return [name for name, (regular, _) in FONTS.items() if (FONT_DIR / regular).is_file()]


def _content(rng: random.Random) -> dict[str, str | int]:
    company = rng.random() < 0.12
    name = (
        rng.choice(COMPANIES)
        if company
        else f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
    )
    if rng.random() < 0.8:
        province, century, born = rng.randint(1, 96), rng.choice("0123"), rng.randint(40, 99)
        id_number = f"0{province:02d}{century}{born:02d}{rng.randint(0, 999999):06d}"
    else:
        id_number = f"{rng.randint(10, 38)}{rng.randint(0, 9999999):07d}"
    address = (
        f"Số {rng.randint(1, 300)} {rng.choice(['phố', 'đường', 'ngõ ' + str(rng.randint(2, 99)) + ' phố'])} "
        f"{rng.choice(STREETS)}, {rng.choice(PLACES)}"
    )
    amount = rng.choice(
        [
            rng.randint(1, 999) * 1000,
            rng.randint(1, 9999) * 10_000,
            rng.randint(100, 99_999) * 1000,
            rng.randint(1, 2000) * 1_000_000 + rng.randint(0, 999) * 1000,
        ]
    )
    year = rng.randint(2023, 2026)
    suffix, agency = rng.choice(AGENCIES)
    decision = (
        f"{rng.randint(1, 999)}/QĐ-{suffix}"
        if rng.random() < 0.5
        else f"{rng.randint(1, 999)}/{year}/QĐ-THADS"
    )
    judgment = f"{rng.randint(1, 399)}/{year - 1}/{rng.choice(CASE_KINDS)}-{rng.choice(['ST', 'PT'])}"
    day, month = rng.randint(1, 28), rng.randint(1, 12)
    return {
        "payer_name": name,
        "payer_id_number": "" if company else id_number,
        "payer_address": address,
        "amount_vnd": amount,
        "amount_in_words": amount_in_words(amount),
        "amount_words_vnd": amount,
        "decision_number": decision,
        "judgment_number": judgment,
        "case_payment_code": f"THA{rng.randint(2301, 2699)}{rng.randint(0, 9)}"
        if rng.random() < 0.5
        else f"THA{rng.randint(1000, 9999)}",
        "document_date": f"{year}-{month:02d}-{day:02d}",
        "bank_reference": f"FT{year % 100}{rng.randint(1, 365):03d}{rng.randint(0, 999999):06d}",
        "agency": agency,
        "bank": rng.choice(BANKS),
        "account": f"{rng.randint(10**12, 10**13 - 1)}",
    }


def _money(amount: int, rng: random.Random) -> str:
    style = rng.randrange(4)
    grouped = f"{amount:,}"
    return [
        grouped.replace(",", ".") + " VNĐ",
        grouped + " đ",
        f"{amount} đ",
        grouped.replace(",", ".") + " đồng",
    ][style]


class Sheet:
    """A page in inches, drawn at ``dpi``."""

    def __init__(self, width: float, height: float, dpi: int, font: str) -> None:
        self.dpi = dpi
        self.image = Image.new("L", (round(width * dpi), round(height * dpi)), 255)
        self.draw = ImageDraw.Draw(self.image)
        self.width = width
        self.fonts = FONTS[font]
        self.family = font
        self.oblique_values = False  # filled-in values in the family's oblique face

    def font(self, size: float, bold: bool = False, oblique: bool = False) -> ImageFont.FreeTypeFont:
        path = self.fonts[1 if bold else 0]
        if oblique and (FONT_DIR / OBLIQUE.get(self.family, "-")).is_file():
            path = OBLIQUE[self.family]
        return ImageFont.truetype(str(FONT_DIR / path), round(size / 72 * self.dpi))

    def text(
        self,
        x: float,
        y: float,
        text: str,
        size: float = 11,
        bold: bool = False,
        center: bool = False,
        oblique: bool = False,
    ) -> None:
        font = self.font(size, bold, oblique)
        px = x * self.dpi
        if center:
            px -= self.draw.textlength(text, font=font) / 2
        self.draw.text((px, y * self.dpi), text, font=font, fill=0)

    def fits(self, text: str, width: float, size: float = 11) -> list[str]:
        """``text`` wrapped to ``width`` inches."""
        font, lines, current = self.font(size), [], ""
        for word in text.split():
            trial = f"{current} {word}".strip()
            if self.draw.textlength(trial, font=font) > width * self.dpi and current:
                lines.append(current)
                current = word
            else:
                current = trial
        return [*lines, current]

    def rule(self, x0: float, y: float, x1: float) -> None:
        self.draw.line(
            [(x0 * self.dpi, y * self.dpi), (x1 * self.dpi, y * self.dpi)],
            fill=0,
            width=max(1, self.dpi // 100),
        )

    def box(self, x0: float, y0: float, x1: float, y1: float) -> None:
        self.draw.rectangle(
            [x0 * self.dpi, y0 * self.dpi, x1 * self.dpi, y1 * self.dpi],
            outline=0,
            width=max(1, self.dpi // 100),
        )


def _labelled(
    sheet: Sheet,
    x: float,
    y: float,
    label: str,
    value: str,
    width: float,
    size: float = 11,
    step: float = 0.3,
) -> float:
    """'Label: value' wrapped to ``width``; returns the next line's y."""
    for line in sheet.fits(f"{label} {value}", width, size):
        sheet.text(x, y, line, size)
        y += step
    return y


def _uy_nhiem_chi(c: dict, sheet: Sheet, rng: random.Random) -> set[str]:
    y = 0.4
    sheet.text(0.5, y, c["bank"].upper()[:40], 9, bold=True)
    sheet.text(6.2, y, "Mẫu số: C4-02/KB", 9)
    sheet.text(4.1, y + 0.35, "ỦY NHIỆM CHI", 16, bold=True, center=True)
    sheet.text(4.1, y + 0.7, "Chuyển khoản, chuyển tiền điện tử", 10, center=True)
    day, month, year = c["document_date"][8:], c["document_date"][5:7], c["document_date"][:4]
    sheet.text(0.5, y + 1.05, f"Số: UNC{rng.randint(1000, 9999)}", 11)
    sheet.text(5.2, y + 1.05, f"Ngày: {day}/{month}/{year}", 11)
    sheet.box(0.4, y + 1.35, 7.9, 5.45)
    y += 1.5
    y = _labelled(sheet, 0.55, y, "Tên đơn vị trả tiền:", c["payer_name"], 7.1)
    fields = {
        "payer_name",
        "document_date",
        "payer_address",
        "amount_vnd",
        "amount_in_words",
        "amount_words_vnd",
        "bank_reference",
        "purpose",
    }
    if c["payer_id_number"]:
        y = _labelled(sheet, 0.55, y, "Số CCCD:", c["payer_id_number"], 7.1)
        fields.add("payer_id_number")
    y = _labelled(sheet, 0.55, y, "Địa chỉ:", c["payer_address"], 7.1)
    sheet.text(0.55, y, f"Số tài khoản: {c['account']}", 11)
    sheet.text(4.6, y, "Tại: " + c["bank"].split(" ")[-1], 11)
    y += 0.35
    sheet.rule(0.4, y - 0.05, 7.9)
    y = _labelled(sheet, 0.55, y, "Tên đơn vị nhận tiền:", c["agency"], 7.1)
    sheet.text(0.55, y, f"Số tài khoản: 37{rng.randint(10**9, 10**10 - 1)}", 11)
    y += 0.35
    sheet.rule(0.4, y - 0.05, 7.9)
    y = _labelled(sheet, 0.55, y, "Số tiền bằng số:", _money(c["amount_vnd"], rng), 7.1)
    y = _labelled(sheet, 0.55, y, "Số tiền bằng chữ:", c["amount_in_words"], rng.choice([7.1, 4.5]))
    c["purpose"] = (
        f"Nộp tiền thi hành án theo Quyết định số {c['decision_number']} mã {c['case_payment_code']}"
    )
    fields.update({"decision_number", "case_payment_code"})
    y = _labelled(sheet, 0.55, y, "Nội dung:", c["purpose"], 7.1)
    y = _labelled(sheet, 0.55, y + 0.05, "Số tham chiếu:", c["bank_reference"], 7.1)
    sheet.text(1.2, 5.6, "Kế toán", 10, bold=True)
    sheet.text(3.6, 5.6, "Chủ tài khoản", 10, bold=True)
    sheet.text(6.1, 5.6, "Ngân hàng A", 10, bold=True)
    return fields


def _giay_nop_tien(c: dict, sheet: Sheet, rng: random.Random) -> set[str]:
    y = 0.45
    sheet.text(0.5, y, c["bank"], 9, bold=True)
    sheet.text(4.1, y + 0.4, "GIẤY NỘP TIỀN VÀO TÀI KHOẢN", 15, bold=True, center=True)
    day, month, year = c["document_date"][8:], c["document_date"][5:7], c["document_date"][:4]
    sheet.text(4.1, y + 0.75, f"Ngày {day} tháng {month} năm {year}", 10, center=True)
    y += 1.15
    y = _labelled(sheet, 0.6, y, "Người nộp tiền:", c["payer_name"], 7.0)
    fields = {
        "payer_name",
        "document_date",
        "payer_address",
        "amount_vnd",
        "amount_in_words",
        "amount_words_vnd",
        "bank_reference",
        "purpose",
        "case_payment_code",
        "judgment_number",
    }
    if c["payer_id_number"]:
        y = _labelled(sheet, 0.6, y, "Số CMND/CCCD:", c["payer_id_number"], 7.0)
        fields.add("payer_id_number")
    y = _labelled(sheet, 0.6, y, "Địa chỉ:", c["payer_address"], 7.0)
    y = _labelled(sheet, 0.6, y, "Đơn vị nhận tiền:", c["agency"], 7.0)
    y = _labelled(sheet, 0.6, y, "Số tiền:", _money(c["amount_vnd"], rng), 7.0)
    y = _labelled(sheet, 0.6, y, "Bằng chữ:", c["amount_in_words"], rng.choice([7.0, 4.2]))
    c["purpose"] = f"Nộp tiền thi hành án dân sự theo Bản án số {c['judgment_number']}"
    y = _labelled(sheet, 0.6, y, "Nội dung nộp:", c["purpose"], 7.0)
    y = _labelled(sheet, 0.6, y, "Mã thanh toán:", c["case_payment_code"], 7.0)
    y = _labelled(sheet, 0.6, y, "Mã giao dịch:", c["bank_reference"], 7.0)
    sheet.rule(0.5, y + 0.05, 7.8)
    sheet.text(1.3, y + 0.2, "Người nộp tiền", 10, bold=True)
    sheet.text(5.5, y + 0.2, "Giao dịch viên", 10, bold=True)
    return fields


def _phieu_thu(c: dict, sheet: Sheet, rng: random.Random) -> set[str]:
    y = 0.4
    sheet.text(0.5, y, c["agency"].upper()[:44], 9, bold=True)
    sheet.text(6.0, y, "Mẫu số C40-BB", 9, bold=True)
    sheet.text(4.1, y + 0.45, "PHIẾU THU", 18, bold=True, center=True)
    day, month, year = c["document_date"][8:], c["document_date"][5:7], c["document_date"][:4]
    sheet.text(4.1, y + 0.85, f"Ngày {day} tháng {month} năm {year}", 11, center=True)
    sheet.text(6.0, y + 0.85, f"Quyển số: {rng.randint(1, 30)}", 10)
    sheet.text(6.0, y + 1.1, f"Số: {rng.randint(1, 999):04d}", 10)
    y += 1.45
    y = _labelled(sheet, 0.6, y, "Họ và tên người nộp tiền:", c["payer_name"], 7.0)
    fields = {
        "payer_name",
        "document_date",
        "payer_address",
        "amount_vnd",
        "amount_in_words",
        "amount_words_vnd",
        "purpose",
        "decision_number",
        "case_payment_code",
    }
    if c["payer_id_number"]:
        y = _labelled(sheet, 0.6, y, "Số CCCD:", c["payer_id_number"], 7.0)
        fields.add("payer_id_number")
    y = _labelled(sheet, 0.6, y, "Địa chỉ:", c["payer_address"], 7.0)
    c["purpose"] = f"Thu tiền thi hành án theo Quyết định thi hành án {c['decision_number']}"
    y = _labelled(sheet, 0.6, y, "Lý do nộp:", c["purpose"], 7.0)
    y = _labelled(sheet, 0.6, y, "Mã hồ sơ thi hành án:", c["case_payment_code"], 7.0)
    y = _labelled(sheet, 0.6, y, "Số tiền:", _money(c["amount_vnd"], rng), 7.0)
    y = _labelled(sheet, 0.6, y, "Viết bằng chữ:", c["amount_in_words"], rng.choice([7.0, 4.0]))
    sheet.text(0.6, y, "Kèm theo: 01 chứng từ gốc", 11)
    y += 0.45
    for x, title in (
        (0.5, "Thủ trưởng"),
        (2.0, "Kế toán"),
        (3.4, "Người nộp tiền"),
        (5.0, "Người lập phiếu"),
        (6.7, "Thủ quỹ"),
    ):
        sheet.text(x, y, title, 10, bold=True)
        sheet.text(x + 0.05, y + 0.22, "(Ký, họ tên)", 8)
    return fields


def _quyet_dinh(c: dict, sheet: Sheet, rng: random.Random) -> set[str]:
    y = 0.6
    sheet.text(
        2.0, y, c["agency"].split(" quận")[0].split(" thành")[0].upper()[:34], 9, bold=True, center=True
    )
    sheet.text(5.6, y, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 10, bold=True, center=True)
    sheet.text(5.6, y + 0.22, "Độc lập - Tự do - Hạnh phúc", 10, bold=True, center=True)
    day, month, year = c["document_date"][8:], c["document_date"][5:7], c["document_date"][:4]
    sheet.text(0.9, y + 0.6, f"Số: {c['decision_number']}", 11)
    sheet.text(4.4, y + 0.6, f"Hà Nội, ngày {day} tháng {month} năm {year}", 11)
    sheet.text(4.1, y + 1.1, "QUYẾT ĐỊNH", 15, bold=True, center=True)
    sheet.text(4.1, y + 1.4, "Thi hành án theo yêu cầu", 12, bold=True, center=True)
    y += 1.9
    judged = (
        f"Căn cứ Bản án số {c['judgment_number']} ngày {rng.randint(1, 28)} tháng {rng.randint(1, 12)} "
        f"năm {int(year) - 1} của Tòa án nhân dân;"
    )
    y = _labelled(sheet, 0.9, y, "", judged, 6.6)
    y = _labelled(sheet, 0.9, y, "", "Xét đơn yêu cầu thi hành án của người được thi hành án,", 6.6) + 0.1
    sheet.text(4.1, y, "QUYẾT ĐỊNH:", 12, bold=True, center=True)
    y += 0.4
    y = _labelled(sheet, 0.9, y, "Điều 1. Cho thi hành án đối với:", f"Ông/Bà {c['payer_name']}", 6.6)
    fields = {
        "payer_name",
        "document_date",
        "payer_address",
        "amount_vnd",
        "amount_in_words",
        "amount_words_vnd",
        "decision_number",
        "judgment_number",
    }
    if c["payer_id_number"]:
        y = _labelled(sheet, 0.9, y, "Số định danh cá nhân:", c["payer_id_number"], 6.6)
        fields.add("payer_id_number")
    y = _labelled(sheet, 0.9, y, "Địa chỉ:", c["payer_address"], 6.6)
    y = _labelled(sheet, 0.9, y, "Phải nộp số tiền:", _money(c["amount_vnd"], rng), 6.6)
    y = _labelled(sheet, 0.9, y, "Bằng chữ:", c["amount_in_words"], 6.6)
    y = _labelled(
        sheet, 0.9, y + 0.1, "Điều 2.", "Chấp hành viên có trách nhiệm tổ chức thi hành Quyết định này.", 6.6
    )
    sheet.text(5.2, y + 0.3, "CHI CỤC TRƯỞNG", 11, bold=True)
    return fields


# Label synonyms of the layouts that vary their wording (the first three layouts keep theirs).
NAME_WORDING = ("Họ tên người nộp:", "Người nộp:", "Tên người nộp tiền:", "Họ và tên:", "Khách hàng:")
ID_WORDING = ("Số CCCD/CMND:", "CCCD số:", "Số giấy tờ tùy thân:", "CMND/CCCD:", "Số căn cước:")
ADDRESS_WORDING = ("Địa chỉ:", "Nơi cư trú:", "Địa chỉ thường trú:", "Đ/c:")
AMOUNT_WORDING = ("Số tiền:", "Số tiền nộp:", "Số tiền bằng số:", "Tổng số tiền:", "Số tiền thu:")
WORDS_WORDING = ("Bằng chữ:", "Số tiền bằng chữ:", "Viết bằng chữ:")
PURPOSE_WORDING = ("Nội dung:", "Lý do nộp:", "Diễn giải:", "Nội dung nộp tiền:")
DECISION_WORDING = ("Theo quyết định số:", "Quyết định THA số:", "Căn cứ QĐ số:", "QĐ thi hành án:")
CODE_WORDING = ("Mã thanh toán:", "Mã hồ sơ:", "Mã THA:", "Mã vụ việc:")
REFERENCE_WORDING = ("Số tham chiếu:", "Mã giao dịch:", "Số GD:", "Số bút toán:")


def _grouped(amount: int, rng: random.Random) -> str:
    """The amount grouped with dots, commas or spaces, with one of the currency words."""
    grouped = f"{amount:,}".replace(",", rng.choice([".", ",", " "]))
    return grouped + rng.choice([" đ", " VND", " đồng", " VNĐ", ""])


def _stamp(sheet: Sheet, x: float, y: float, agency: str, rng: random.Random) -> None:
    """A round agency stamp in grey (a red stamp scanned in grey) with a signature stroke, over text."""
    dpi, radius = sheet.dpi, 0.62
    shade = rng.randint(110, 170)
    box = [(x - radius) * dpi, (y - radius) * dpi, (x + radius) * dpi, (y + radius) * dpi]
    width = max(2, dpi // 60)
    sheet.draw.ellipse(box, outline=shade, width=width)
    inner = [v + (0.09 * dpi if i < 2 else -0.09 * dpi) for i, v in enumerate(box)]
    sheet.draw.ellipse(inner, outline=shade, width=max(1, width // 2))
    font = sheet.font(6.5, bold=True)
    words = agency.upper()[:30]
    for index, char in enumerate(words):
        angle = math.radians(200 + index * 140 / max(1, len(words) - 1))
        cx = x * dpi + math.cos(angle) * (radius - 0.2) * dpi
        cy = y * dpi + math.sin(angle) * (radius - 0.2) * dpi
        sheet.draw.text((cx, cy), char, font=font, fill=shade, anchor="mm")
    points = [
        ((x - 0.5 + step * 0.12) * dpi, (y + 0.1 + 0.12 * math.sin(step * 1.7)) * dpi) for step in range(10)
    ]
    sheet.draw.line(points, fill=40, width=max(1, dpi // 90))


def _value(sheet: Sheet, x: float, y: float, text: str, size: float = 11) -> None:
    sheet.text(x, y, text, size, oblique=sheet.oblique_values)


def _bien_lai_bang(c: dict, sheet: Sheet, rng: random.Random) -> set[str]:
    """A receipt voucher as a ruled table: label cells left, value cells right, a stamp at the foot."""
    y = 0.35
    sheet.text(0.5, y, c["agency"].upper()[:44], 9, bold=True)
    sheet.text(6.3, y, f"Số: {rng.randint(1, 9999):05d}", 10)
    sheet.text(4.1, y + 0.4, "BIÊN LAI THU TIỀN", 17, bold=True, center=True)
    day, month, year = c["document_date"][8:], c["document_date"][5:7], c["document_date"][:4]
    sheet.text(4.1, y + 0.8, f"Ngày {day} tháng {month} năm {year}", 11, center=True)
    rows: list[tuple[str, str, str | None]] = [
        (rng.choice(NAME_WORDING), c["payer_name"], "payer_name"),
    ]
    if c["payer_id_number"]:
        rows.append((rng.choice(ID_WORDING), c["payer_id_number"], "payer_id_number"))
    rows.append((rng.choice(ADDRESS_WORDING), c["payer_address"], "payer_address"))
    rows.append((rng.choice(DECISION_WORDING), c["decision_number"], "decision_number"))
    rows.append((rng.choice(CODE_WORDING), c["case_payment_code"], "case_payment_code"))
    rows.append((rng.choice(AMOUNT_WORDING), _grouped(c["amount_vnd"], rng), "amount_vnd"))
    rows.append((rng.choice(WORDS_WORDING), c["amount_in_words"], "amount_in_words"))
    if rng.random() < 0.5:
        head, tail = rows[:1], rows[1:4]
        rng.shuffle(tail)
        rows = head + tail + rows[4:]
    top, split, left, right = y + 1.2, 2.75, 0.45, 7.85
    fields = {"document_date", "amount_words_vnd"}
    row_y = top
    for label, value, name in rows:
        lines = sheet.fits(value, right - split - 0.2)
        height = 0.12 + 0.3 * len(lines)
        sheet.box(left, row_y, right, row_y + height)
        sheet.draw.line(
            [(split * sheet.dpi, row_y * sheet.dpi), (split * sheet.dpi, (row_y + height) * sheet.dpi)],
            fill=0,
            width=max(1, sheet.dpi // 100),
        )
        sheet.text(left + 0.1, row_y + 0.07, label.rstrip(":"), 11)
        for number, line in enumerate(lines):
            _value(sheet, split + 0.12, row_y + 0.07 + 0.3 * number, line)
        row_y += height
        if name:
            fields.add(name)
    sheet.text(1.0, row_y + 0.25, "Người nộp tiền", 10, bold=True)
    sheet.text(5.4, row_y + 0.25, "Người thu tiền", 10, bold=True)
    sheet.text(5.4, row_y + 0.47, "(Ký, đóng dấu)", 8)
    _stamp(sheet, 5.9, row_y + 0.75, c["agency"], rng)
    return fields


def _giay_nop_tien_mat(c: dict, sheet: Sheet, rng: random.Random) -> set[str]:
    """A cash deposit slip: identity number and address in one sentence, the case code in the content."""
    y = 0.4
    sheet.text(0.5, y, c["bank"].upper()[:46], 9, bold=True)
    sheet.text(6.4, y, "Liên 2", 9)
    sheet.text(4.1, y + 0.4, "GIẤY NỘP TIỀN MẶT", 16, bold=True, center=True)
    day, month, year = c["document_date"][8:], c["document_date"][5:7], c["document_date"][:4]
    sheet.text(4.1, y + 0.75, f"Ngày: {day}/{month}/{year}", 10, center=True)
    y += 1.15
    fields = {
        "payer_name",
        "payer_address",
        "amount_vnd",
        "amount_in_words",
        "amount_words_vnd",
        "case_payment_code",
        "purpose",
        "document_date",
    }
    name_label = rng.choice(NAME_WORDING)
    sheet.text(0.6, y, name_label, 11)
    after = sheet.draw.textlength(name_label + " ", font=sheet.font(11)) / sheet.dpi
    _value(sheet, 0.6 + after, y, c["payer_name"])
    y += 0.32
    address_label = rng.choice(("địa chỉ:", "cư trú tại:", "địa chỉ thường trú:"))
    if c["payer_id_number"]:
        id_label = rng.choice(("CCCD số:", "Số CCCD:", "CMND/CCCD số:"))
        sentence = f"{id_label} {c['payer_id_number']}, {address_label} {c['payer_address']}"
        fields.add("payer_id_number")
    else:
        sentence = f"{address_label[0].upper()}{address_label[1:]} {c['payer_address']}"
    for line in sheet.fits(sentence, 7.0):
        sheet.text(0.6, y, line, 11)
        y += 0.3
    y += 0.02
    sheet.text(0.6, y, f"Nộp vào tài khoản của: {c['agency']}", 11)
    y += 0.32
    sheet.text(0.6, y, f"Tại: {c['bank']}", 11)
    y += 0.36
    sheet.box(0.5, y - 0.06, 7.8, y + 0.34)
    sheet.text(0.6, y, rng.choice(AMOUNT_WORDING), 11, bold=True)
    _value(sheet, 2.6, y, _grouped(c["amount_vnd"], rng), 12)
    y += 0.45
    y = _labelled(sheet, 0.6, y, rng.choice(WORDS_WORDING), c["amount_in_words"], 7.0)
    c["purpose"] = (
        f"Nộp tiền thi hành án {rng.choice(['dân sự', 'khoản phải thi hành'])} mã {c['case_payment_code']}"
    )
    y = _labelled(sheet, 0.6, y, rng.choice(PURPOSE_WORDING), c["purpose"], 7.0)
    sheet.rule(0.5, y + 0.05, 7.8)
    sheet.text(1.2, y + 0.2, "Người nộp", 10, bold=True)
    sheet.text(3.7, y + 0.2, "Thủ quỹ", 10, bold=True)
    sheet.text(5.9, y + 0.2, "Kế toán", 10, bold=True)
    return fields


def _lenh_chi_o(c: dict, sheet: Sheet, rng: random.Random) -> set[str]:
    """A payment order of boxes: each label small at the top of its box, the value inside below it."""
    y = 0.35
    sheet.text(0.5, y, c["bank"].upper()[:46], 9, bold=True)
    sheet.text(4.1, y + 0.35, "LỆNH CHI", 16, bold=True, center=True)
    sheet.text(4.1, y + 0.68, "PAYMENT ORDER", 9, center=True)
    day, month, year = c["document_date"][8:], c["document_date"][5:7], c["document_date"][:4]
    sheet.text(6.1, y + 0.35, f"Ngày {day}/{month}/{year}", 10)
    fields = {
        "payer_name",
        "payer_address",
        "amount_vnd",
        "amount_in_words",
        "amount_words_vnd",
        "bank_reference",
        "decision_number",
        "document_date",
    }
    boxes: list[tuple[str, str, float]] = [(rng.choice(NAME_WORDING), c["payer_name"], 3.6)]
    if c["payer_id_number"]:
        boxes.append((rng.choice(ID_WORDING), c["payer_id_number"], 3.6))
        fields.add("payer_id_number")
    boxes.append((rng.choice(REFERENCE_WORDING), c["bank_reference"], 3.6))
    boxes.append((rng.choice(DECISION_WORDING), c["decision_number"], 3.6))
    rng.shuffle(boxes)
    boxes.append((rng.choice(ADDRESS_WORDING), c["payer_address"], 7.3))
    boxes.append((rng.choice(AMOUNT_WORDING), _grouped(c["amount_vnd"], rng), 3.6))
    boxes.append(("Tài khoản nhận:", c["account"], 3.6))
    boxes.append((rng.choice(WORDS_WORDING), c["amount_in_words"], 7.3))
    x, y = 0.5, y + 1.05
    for label, value, width in boxes:
        if x + width > 7.95:
            x, y = 0.5, y + 0.78
        sheet.box(x, y, x + width, y + 0.72)
        sheet.text(x + 0.08, y + 0.04, label.rstrip(":"), 8)
        fits = sheet.draw.textlength(value, font=sheet.font(11)) < (width - 0.2) * sheet.dpi
        size = 11 if fits else 9
        _value(sheet, x + 0.15, y + 0.33, value, size)
        x += width + 0.1
    y += 0.95
    sheet.text(1.0, y, "Chủ tài khoản", 10, bold=True)
    sheet.text(5.6, y, "Ngân hàng", 10, bold=True)
    if rng.random() < 0.6:
        _stamp(sheet, 1.6, y + 0.45, c["bank"], rng)
    return fields


_DRAW = {
    "uy_nhiem_chi": (_uy_nhiem_chi, 5.9),
    "giay_nop_tien": (_giay_nop_tien, 5.9),
    "phieu_thu": (_phieu_thu, 5.9),
    "quyet_dinh": (_quyet_dinh, 11.69),
    "bien_lai_bang": (_bien_lai_bang, 5.9),
    "giay_nop_tien_mat_nh": (_giay_nop_tien_mat, 5.9),
    "lenh_chi_o": (_lenh_chi_o, 5.9),
}


def _drawers() -> dict:
    """Every template: this module's, bench/ocr_development_forms.py's and bench/ocr_counter_forms.py's
    (which draw with this module's sheet, so they are imported when first drawn)."""
    package = __name__.rpartition(".")[0] + "." if "." in __name__ else ""
    drawers = dict(_DRAW)
    for name in ("ocr_development_forms", "ocr_counter_forms"):
        drawers.update(importlib.import_module(package + name).DRAW)
    return drawers


def draw_document(layout: str, font: str, dpi: int, rng: random.Random) -> tuple[Image.Image, dict]:
    content = _content(rng)
    draw, height = _drawers()[layout]
    sheet = Sheet(8.27, height, dpi, font)
    sheet.oblique_values = (layout in VARIED or layout not in _DRAW) and rng.random() < 0.4
    fields = draw(content, sheet, rng)
    labels = {name: content[name] for name in sorted(fields) if content.get(name) not in (None, "")}
    return sheet.image, labels


def _scan(image: Image.Image, rng: random.Random) -> Image.Image:
    angle = rng.uniform(0, 3) * rng.choice([-1, 1])
    page = image.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)
    page = page.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 0.8)))
    pixels = np.asarray(page, dtype=np.float32)
    noise = np.random.default_rng(rng.randrange(2**32)).normal(0, rng.uniform(6, 16), pixels.shape)
    specks = np.random.default_rng(rng.randrange(2**32)).random(pixels.shape) < 0.0008
    pixels = np.clip(pixels + noise, 0, 255)
    pixels[specks] = 30
    return Image.fromarray(pixels.astype(np.uint8))


def _photo(image: Image.Image, rng: random.Random) -> Image.Image:
    """The page lying on a desk, photographed from above at a slight angle, lit from one side."""
    page = image.convert("RGB")
    margin = 0.08
    width, height = round(page.width * (1 + 2 * margin)), round(page.height * (1 + 2 * margin))
    desk = np.zeros((height, width, 3), dtype=np.float32)
    desk[:] = (120 + rng.randint(-20, 20), 90 + rng.randint(-15, 15), 60 + rng.randint(-10, 10))
    desk += np.random.default_rng(rng.randrange(2**32)).normal(0, 8, desk.shape)
    canvas = Image.fromarray(np.clip(desk, 0, 255).astype(np.uint8))
    canvas.paste(page, (round(page.width * margin), round(page.height * margin)))
    canvas = canvas.rotate(rng.uniform(-2.5, 2.5), resample=Image.Resampling.BICUBIC, fillcolor=(110, 85, 60))
    # a mild perspective: the top edge a little narrower than the bottom
    squeeze = rng.uniform(0.005, 0.02) * canvas.width
    quad = (squeeze, 0, 0, canvas.height, canvas.width, canvas.height, canvas.width - squeeze, 0)
    canvas = canvas.transform(canvas.size, Image.Transform.QUAD, quad, Image.Resampling.BICUBIC)
    pixels = np.asarray(canvas, dtype=np.float32)
    light = np.linspace(rng.uniform(0.75, 0.9), 1.05, canvas.width, dtype=np.float32)[None, :, None]
    pixels = np.clip(
        pixels * light + np.random.default_rng(rng.randrange(2**32)).normal(0, 5, pixels.shape), 0, 255
    )
    photo = Image.fromarray(pixels.astype(np.uint8)).filter(ImageFilter.GaussianBlur(rng.uniform(0.6, 1.0)))
    return photo.resize((round(photo.width * 0.8), round(photo.height * 0.8)), Image.Resampling.LANCZOS)


def encode(image: Image.Image, fmt: str, dpi: int | None, quality: int = 90) -> bytes:
    out = io.BytesIO()
    options = {"dpi": (dpi, dpi)} if dpi else {}
    if fmt == "JPEG":
        options["quality"] = quality
    image.save(out, fmt, **options)
    return out.getvalue()


def make_sample(index: int, layout: str, font: str, dpi: int, degradation: str, seed: int) -> Sample:
    rng = random.Random(f"{seed}-{index}")
    image, labels = draw_document(layout, font, dpi, rng)
    if degradation == "clean":
        data, media_type = encode(image, "PNG", dpi), "image/png"
    elif degradation == "scan":
        data, media_type = encode(_scan(image, rng), "JPEG", dpi, quality=rng.randint(35, 70)), "image/jpeg"
    else:
        data, media_type = encode(_photo(image, rng), "JPEG", None, quality=rng.randint(60, 85)), "image/jpeg"
    name = f"{index:03d}-{layout}-{font.replace(' ', '')}-{dpi}-{degradation}"
    return Sample(name, layout, font, dpi, degradation, data, media_type, labels)
