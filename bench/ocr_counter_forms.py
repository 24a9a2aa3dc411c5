"""Two more templates of the DEVELOPMENT group of bench/ocr.py, drawn after real Vietnamese forms.

- ``nop_tai_khoan_hai_cot``: a commercial bank's "Giấy nộp tiền vào tài khoản" in two columns, the
  payer's block left and the beneficiary's right (with a telephone number and the agency's
  account); the payer's address written in its parts on one line ("Số nhà / Phường / Quận /
  Tỉnh", the ward sometimes left blank); the amount grouped with spaces or dots; the content names
  the judgment and the decision in one sentence. No case code, no reference.
- ``phieu_thu_lien_2``: a receipt voucher after mẫu 01-TT: the issuing unit's own address and the
  circular's date at the top, the date at the top right ("Ngày 05/03/2026"), "Liên 2: Giao người
  nộp tiền", the reason run over two lines mid-sentence, "Kèm theo ... chứng từ gốc" and, on some,
  the amount in words again at the foot. No judgment, no reference; the identity number on some.

Each draws its labels per sample from synonyms and short forms and varies the order of its
fields; the content decides which of the decision, judgment and case code the page carries.
"""

from __future__ import annotations

import random

from ocr_development_forms import ID_LABELS, _amount_text, _date_text, _payer_wording, _width
from ocr_documents import PLACES, STREETS, Sheet, _stamp, _value

# One or more wards of each district the payers' addresses name.
WARDS = {
    "Ba Đình": ("Ngọc Khánh", "Kim Mã", "Điện Biên"),
    "Hoàn Kiếm": ("Hàng Bạc", "Tràng Tiền"),
    "Đống Đa": ("Văn Miếu", "Ô Chợ Dừa"),
    "Cầu Giấy": ("Dịch Vọng", "Nghĩa Đô"),
    "Quận 1": ("Bến Nghé", "Đa Kao"),
    "Hải Châu": ("Thạch Thang", "Hải Châu 1"),
    "Ninh Kiều": ("Tân An", "An Cư"),
    "Lê Chân": ("Trại Cau", "An Biên"),
}


def _filled(
    sheet: Sheet, x: float, y: float, label: str, value: str, width: float, size: float = 11
) -> float:
    """The label, then its filled-in value wrapped to ``width`` beside it; returns the next line's y."""
    after = _width(sheet, label + " ", size)
    sheet.text(x, y, label, size)
    for line in sheet.fits(value, width - after, size):
        _value(sheet, x + after, y, line, size)
        y += size / 11 * 0.29
    return y


def _address_parts(c: dict, sheet: Sheet, y: float, rng: random.Random) -> None:
    """The payer's address as the form's parts on one line; the truth is what was filled in."""
    house, district, province = c["payer_address"].split(", ")
    ward = rng.choice(WARDS[district]) if rng.random() < 0.7 else ""
    c["payer_address"] = ", ".join(part for part in (house, ward, district, province) if part)
    parts = [
        (rng.choice(("Số nhà, đường:", "Số nhà:", "Nhà số, phố:")), house),
        (rng.choice(("Phường/Xã:", "Phường:", "P/X:")), ward or "............"),
        (rng.choice(("Quận/Huyện:", "Quận:", "Q/H:")), district),
        (rng.choice(("Tỉnh/TP:", "Tỉnh/Thành phố:", "Tỉnh:")), province),
    ]
    size = next(
        s for s in (10, 9, 8, 7) if sum(_width(sheet, f"{a} {b}   ", s) for a, b in parts) < 7.1 or s == 7
    )
    x = 0.6
    for label, value in parts:
        sheet.text(x, y, label, size)
        x += _width(sheet, label + " ", size)
        _value(sheet, x, y, value, size)
        x += _width(sheet, value + "   ", size)


def _nop_tai_khoan_hai_cot(c: dict, sheet: Sheet, rng: random.Random) -> set[str]:
    sheet.text(0.5, 0.35, c["bank"].upper()[:46], 9, bold=True)
    sheet.text(6.5, 0.35, rng.choice(("Liên 1: Lưu", "Liên 2: Khách hàng")), 9)
    sheet.text(4.1, 0.7, "GIẤY NỘP TIỀN VÀO TÀI KHOẢN", 15, bold=True, center=True)
    written = _date_text(c, rng)
    sheet.text(4.1, 1.03, written.capitalize() if written[0] == "n" else f"Ngày: {written}", 10, center=True)
    fields = {
        "payer_name",
        "payer_address",
        "amount_vnd",
        "amount_in_words",
        "amount_words_vnd",
        "document_date",
        "purpose",
        "judgment_number",
        "decision_number",
    }
    payer = [(_payer_wording(c, rng), c["payer_name"])]
    if c["payer_id_number"] and rng.random() < 0.75:
        payer.append((rng.choice(ID_LABELS), c["payer_id_number"]))
        fields.add("payer_id_number")
    payer.append((rng.choice(("Điện thoại:", "ĐT:", "Số điện thoại:")), f"09{rng.randrange(10**8):08d}"))
    rng.shuffle(payer)
    payee = [
        (rng.choice(("Tên tài khoản:", "Đơn vị hưởng:", "Người hưởng:")), c["agency"]),
        (rng.choice(("Số tài khoản:", "Số TK:")), c["account"]),
        (rng.choice(("Tại ngân hàng:", "Tại NH:")), c["bank"]),
    ]
    top, middle = 1.35, 4.2
    y = ry = top + 0.38
    sheet.text(0.6, top + 0.08, rng.choice(("NGƯỜI NỘP TIỀN", "BÊN NỘP")), 10, bold=True)
    for label, value in payer:
        y = _filled(sheet, 0.6, y, label, value, middle - 0.7, 10)
    sheet.text(middle + 0.1, top + 0.08, rng.choice(("ĐƠN VỊ THỤ HƯỞNG", "NGƯỜI HƯỞNG")), 10, bold=True)
    for label, value in payee:
        ry = _filled(sheet, middle + 0.1, ry, label, value, 7.7 - middle - 0.1, 10)
    bottom = max(y, ry) + 0.08
    sheet.box(0.5, top, 7.8, bottom)
    sheet.draw.line(
        [(middle * sheet.dpi, top * sheet.dpi), (middle * sheet.dpi, bottom * sheet.dpi)],
        fill=0,
        width=max(1, sheet.dpi // 100),
    )
    sheet.box(0.5, bottom, 7.8, bottom + 0.4)
    _address_parts(c, sheet, bottom + 0.1, rng)
    judgment, decision = c["judgment_number"], c["decision_number"]
    c["purpose"] = rng.choice(
        [
            f"Nộp tiền thi hành án theo Bản án số {judgment} và QĐ số {decision}",
            f"{c['payer_name']} nộp tiền THA theo Bản án số {judgment}, QĐ số {decision}",
            f"Thi hành Bản án số {judgment} theo Quyết định thi hành án số {decision}",
        ]
    )
    amount = f"{c['amount_vnd']:,}".replace(",", rng.choice((" ", "."))) + rng.choice(("", " VND", " đồng"))
    lower = [
        [
            (rng.choice(("Số tiền bằng số:", "Số tiền:")), amount),
            (rng.choice(("Số tiền bằng chữ:", "Bằng chữ:")), c["amount_in_words"]),
        ],
        [(rng.choice(("Nội dung:", "Nội dung nộp tiền:", "Diễn giải:")), c["purpose"])],
    ]
    if rng.random() < 0.4:
        lower.reverse()
    y = bottom + 0.55
    for label, value in (row for group in lower for row in group):
        y = _filled(sheet, 0.6, y, label, value, 7.1)
    for x, title in ((0.9, "Người nộp tiền"), (3.5, "Giao dịch viên"), (5.9, "Kiểm soát viên")):
        sheet.text(x, y + 0.2, title, 10, bold=True)
    return fields


def _phieu_thu_lien_2(c: dict, sheet: Sheet, rng: random.Random) -> set[str]:
    sheet.text(0.5, 0.3, f"Đơn vị: {c['agency']}", 9, bold=True)
    unit_address = f"Số {rng.randint(1, 200)} phố {rng.choice(STREETS)}, {rng.choice(PLACES)}"
    sheet.text(0.5, 0.5, f"Địa chỉ: {unit_address}", 9)
    sheet.text(5.5, 0.3, "Mẫu số 01-TT", 9, bold=True)
    sheet.text(5.5, 0.48, "(Ban hành theo Thông tư số 200/2014/TT-BTC", 7)
    sheet.text(5.5, 0.6, "ngày 22/12/2014 của Bộ Tài chính)", 7)
    year, month, day = (int(part) for part in c["document_date"].split("-"))
    sheet.text(4.1, 0.95, "PHIẾU THU", 17, bold=True, center=True)
    sheet.text(6.0, 0.9, rng.choice((f"Ngày {day:02d}/{month:02d}/{year}", f"Ngày {day}/{month}/{year}")), 10)
    sheet.text(6.0, 1.1, f"Quyển số: {rng.randint(1, 20)}   Số: PT{rng.randint(1, 9999):04d}", 9)
    sheet.text(6.0, 1.28, f"Nợ: 111   Có: {rng.choice(('3388', '3381', '131'))}", 9)
    sheet.text(4.1, 1.3, "Liên 2: Giao người nộp tiền", 9, center=True, oblique=True)
    fields = {
        "payer_name",
        "payer_address",
        "amount_vnd",
        "amount_in_words",
        "amount_words_vnd",
        "document_date",
        "purpose",
    }
    who = [(rng.choice(("Địa chỉ:", "Nơi cư trú:", "Đ/c:")), c["payer_address"])]
    if c["payer_id_number"] and rng.random() < 0.5:
        who.append((rng.choice(ID_LABELS), c["payer_id_number"]))
        fields.add("payer_id_number")
    rng.shuffle(who)
    name_label = rng.choice(("Họ và tên người nộp tiền:", "Họ tên người nộp:", "Người nộp tiền:"))
    who.insert(0, (name_label, c["payer_name"]))
    decision, code = c["decision_number"], c["case_payment_code"]
    c["purpose"], carried = rng.choice(
        [
            (
                f"Nộp tiền thi hành án theo Quyết định số {decision} của Chi cục Thi hành án dân sự, "
                f"mã hồ sơ {code}",
                {"decision_number", "case_payment_code"},
            ),
            (
                f"Thu tiền thi hành án khoản phải thi hành của người phải thi hành án, mã {code}",
                {"case_payment_code"},
            ),
            (
                f"Nộp tiền theo Quyết định thi hành án số {decision} (khoản án phí dân sự sơ thẩm)",
                {"decision_number"},
            ),
        ]
    )
    fields |= carried
    y = 1.7
    for label, value in who:
        y = _filled(sheet, 0.6, y, label, value, 7.1)
    reason_label = rng.choice(("Lý do nộp:", "Lý do thu:", "Nội dung:"))
    words = c["purpose"].split()
    cut = rng.randint(len(words) // 3, 2 * len(words) // 3)  # the line breaks mid-sentence
    reason = [(0.6 + _width(sheet, reason_label + " "), " ".join(words[:cut])), (0.6, " ".join(words[cut:]))]
    money = [
        (rng.choice(("Số tiền:", "Số tiền thu:")), _amount_text(c["amount_vnd"], rng)),
        (rng.choice(("(Viết bằng chữ):", "Bằng chữ:", "Viết bằng chữ:")), c["amount_in_words"]),
    ]
    reason_first = rng.random() < 0.6
    for turn in (0, 1):
        if (turn == 0) == reason_first:
            sheet.text(0.6, y, reason_label, 11)
            for x, line in reason:
                _value(sheet, x, y, line)
                y += 0.3
        else:
            for label, value in money:
                y = _filled(sheet, 0.6, y, label, value, 7.1)
    attached = rng.choice((f"{rng.randint(1, 3):02d}", "......."))
    sheet.text(0.6, y, f"Kèm theo: {attached} chứng từ gốc.", 11)
    y += 0.45
    for x, title in (
        (0.5, "Giám đốc"),
        (1.8, "Kế toán trưởng"),
        (3.35, "Người nộp tiền"),
        (4.95, "Người lập phiếu"),
        (6.6, "Thủ quỹ"),
    ):
        sheet.text(x, y, title, 10, bold=True)
        sheet.text(x, y + 0.2, "(Ký, họ tên)", 8, oblique=True)
    if rng.random() < 0.5:
        _stamp(sheet, 1.0, y + 0.55, c["agency"], rng)
    if rng.random() < 0.5:
        _filled(sheet, 0.6, y + 1.05, "Đã nhận đủ số tiền (viết bằng chữ):", c["amount_in_words"], 7.1, 10)
    return fields


DRAW = {
    "nop_tai_khoan_hai_cot": (_nop_tai_khoan_hai_cot, 5.9),
    "phieu_thu_lien_2": (_phieu_thu_lien_2, 5.9),
}
