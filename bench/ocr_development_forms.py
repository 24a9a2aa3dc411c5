"""Four more templates of the DEVELOPMENT group of bench/ocr.py, drawn after real Vietnamese forms.

- ``bien_lai_tha``: an enforcement agency's receipt (biên lai thu tiền) under the national motto:
  the payer's name and identity number on one line, the address run over two lines, the decision
  after "Theo QĐ số" / "Căn cứ quyết định số", the case code only in the free text, the date at
  the foot ("Hà Nội, ngày 5 tháng 3 năm 2026") beside a stamp and a signature over the text.
- ``unc_bang``: a bank payment order (ủy nhiệm chi) whose amount, date and reference stand in a
  table, a header row over a value row; identity papers with their date of issue (another date);
  the judgment and case code only in the explanation (diễn giải); amounts with no grouping.
- ``nop_ngan_sach``: a cash deposit slip to the budget or an account (giấy nộp tiền mặt vào ngân
  sách / tài khoản) in another order: the amount first, then each payer label on its own line with
  its value on the line below; the decision only inside the content; no case code, no reference.
- ``phieu_thu_bang``: a receipt voucher (phiếu thu) with an items table (STT | Nội dung | Số tiền)
  and a total row, decision and judgment numbers in one "Căn cứ ..." sentence, a stamp over it.

Labels are drawn per sample from synonyms and short forms; dates are written "ngày 05 tháng 3 năm
2026", "05/03/2026" or "5-3-2026"; amounts grouped with ".", ",", " " or not at all, with "đ",
"VNĐ", "đồng" or nothing. Each template leaves out some fields, to catch fields read that the
document does not carry.
"""

from __future__ import annotations

import random

from ocr_documents import Sheet, _labelled, _stamp, _value


def _date_text(c: dict, rng: random.Random) -> str:
    """The document's date in one of the ways forms write it."""
    year, month, day = (int(part) for part in c["document_date"].split("-"))
    return rng.choice(
        [
            f"ngày {day:02d} tháng {month} năm {year}",
            f"ngày {day} tháng {month:02d} năm {year}",
            f"{day:02d}/{month:02d}/{year}",
            f"{day}-{month}-{year}",
        ]
    )


def _amount_text(amount: int, rng: random.Random, grouped: bool = True) -> str:
    """Grouped with ".", ",", " " (or not at all), and a currency word or none."""
    text = f"{amount:,}".replace(",", rng.choice([".", ",", " "])) if grouped else str(amount)
    return text + rng.choice([" đ", " VNĐ", " đồng", ""])


def _payer_wording(c: dict, rng: random.Random) -> str:
    if not c["payer_id_number"]:  # a company
        return rng.choice(("Đơn vị nộp:", "Tên đơn vị nộp tiền:", "Người nộp:"))
    return rng.choice(("Họ tên:", "Người nộp:", "Tên người nộp tiền:", "Họ và tên người nộp:"))


ID_LABELS = ("Số CCCD:", "CMND:", "Số định danh cá nhân:", "Giấy tờ tùy thân:", "CCCD/CMND số:")


def _width(sheet: Sheet, text: str, size: float = 11) -> float:
    """How wide ``text`` is drawn, in inches."""
    return sheet.draw.textlength(text, font=sheet.font(size)) / sheet.dpi


def _motto(sheet: Sheet, y: float, left: str) -> None:
    sheet.text(2.0, y, left.upper()[:36], 9, bold=True, center=True)
    sheet.text(5.7, y, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 9, bold=True, center=True)
    sheet.text(5.7, y + 0.2, "Độc lập - Tự do - Hạnh phúc", 9, bold=True, center=True)


def _bien_lai_tha(c: dict, sheet: Sheet, rng: random.Random) -> set[str]:
    _motto(sheet, 0.35, c["agency"])
    sheet.text(4.1, 0.95, "BIÊN LAI THU TIỀN", 16, bold=True, center=True)
    sheet.text(4.1, 1.3, f"Quyển số: {rng.randint(1, 40)}   Số: {rng.randint(1, 9999):06d}", 10, center=True)
    y = 1.7
    fields = {
        "payer_name",
        "payer_address",
        "decision_number",
        "purpose",
        "case_payment_code",
        "amount_vnd",
        "amount_in_words",
        "amount_words_vnd",
        "document_date",
    }
    name_label = _payer_wording(c, rng)
    sheet.text(0.6, y, name_label, 11)
    _value(sheet, 0.75 + _width(sheet, name_label), y, c["payer_name"])
    if c["payer_id_number"]:  # two fields on one line
        id_label = rng.choice(ID_LABELS)
        sheet.text(4.5, y, id_label, 11)
        _value(sheet, 4.65 + _width(sheet, id_label), y, c["payer_id_number"])
        fields.add("payer_id_number")
    y += 0.32
    address = rng.choice(("Địa chỉ:", "Nơi cư trú:", "Thường trú:"))
    y = _labelled(sheet, 0.6, y, address, c["payer_address"], rng.choice([3.6, 4.4]), step=0.28)
    decision = rng.choice(("Theo QĐ số:", "Căn cứ quyết định số:", "Quyết định THA số:"))
    y = _labelled(sheet, 0.6, y + 0.02, decision, c["decision_number"], 7.0)
    c["purpose"] = rng.choice(
        [
            f"Tiền thi hành án dân sự, mã {c['case_payment_code']}",
            f"Nộp tiền THA khoản phải thi hành mã hồ sơ {c['case_payment_code']}",
        ]
    )
    purpose = rng.choice(("Nộp về khoản:", "Nội dung:", "Lý do nộp:"))
    y = _labelled(sheet, 0.6, y, purpose, c["purpose"], 7.0)
    amount = rng.choice(("Số tiền:", "Số tiền bằng số:", "Số tiền thu:"))
    y = _labelled(sheet, 0.6, y, amount, _amount_text(c["amount_vnd"], rng), 7.0)
    words = rng.choice(("Bằng chữ:", "Số tiền bằng chữ:"))
    y = _labelled(sheet, 0.6, y, words, c["amount_in_words"], 7.0)
    sheet.text(4.3, y + 0.15, f"Hà Nội, {_date_text(c, rng)}", 10)
    sheet.text(1.0, y + 0.45, "Người nộp tiền", 10, bold=True)
    sheet.text(5.0, y + 0.45, "Người thu tiền", 10, bold=True)
    _stamp(sheet, 5.6, y + 1.0, c["agency"], rng)
    return fields


def _table(sheet: Sheet, y: float, cells: list[tuple[float, float, str, str, bool]]) -> float:
    """A header row over a value row; each cell (x0, x1, header, value, value oblique?)."""
    for x0, x1, header, value, _ in cells:
        sheet.box(x0, y, x1, y + 0.36)
        sheet.box(x0, y + 0.36, x1, y + 0.76)
        sheet.text(x0 + 0.08, y + 0.08, header, 9, bold=True)
        _value(sheet, x0 + 0.1, y + 0.44, value)
    return y + 0.95


def _unc_bang(c: dict, sheet: Sheet, rng: random.Random) -> set[str]:
    sheet.text(0.5, 0.35, c["bank"].upper()[:46], 9, bold=True)
    sheet.text(4.1, 0.7, "ỦY NHIỆM CHI", 16, bold=True, center=True)
    sheet.text(6.3, 0.7, f"Số: {rng.randint(100, 99999)}", 10)
    y = 1.15
    fields = {
        "payer_name",
        "payer_address",
        "amount_vnd",
        "amount_in_words",
        "amount_words_vnd",
        "document_date",
        "bank_reference",
        "purpose",
        "judgment_number",
        "case_payment_code",
    }
    payer = rng.choice(("Đơn vị trả tiền:", "Người trả tiền:", "Tên người nộp tiền:"))
    y = _labelled(sheet, 0.6, y, payer, c["payer_name"], 7.0)
    if c["payer_id_number"]:
        label = rng.choice(("Giấy tờ tùy thân:", "Số CMND/CCCD:", "Số CCCD:"))
        sheet.text(0.6, y, f"{label} {c['payer_id_number']}", 11)
        if rng.random() < 0.6:  # the date of issue: a date that is not the document's
            issued = f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{rng.randint(2016, 2022)}"
            sheet.text(4.6, y, f"Ngày cấp: {issued}", 11)
        y += 0.3
        fields.add("payer_id_number")
    y = _labelled(sheet, 0.6, y, rng.choice(("Địa chỉ:", "Địa chỉ thường trú:")), c["payer_address"], 7.0)
    sheet.text(0.6, y, f"Tài khoản nhận: {c['account']}", 11)
    y += 0.3
    sheet.text(0.6, y, f"Đơn vị nhận tiền: {c['agency']}", 11)
    y += 0.4
    amount = _amount_text(c["amount_vnd"], rng, grouped=rng.random() < 0.4)
    year, month, day = (int(part) for part in c["document_date"].split("-"))
    written = rng.choice([f"{day}-{month}-{year}", f"{day:02d}/{month:02d}/{year}", _date_text(c, rng)])
    cells = [
        (0.5, 3.0, "Số tiền bằng số", amount, True),
        (3.0, 5.2, "Ngày lập", written, True),
        (5.2, 7.8, "Số tham chiếu", c["bank_reference"], True),
    ]
    y = _table(sheet, y, cells)
    y = _labelled(sheet, 0.6, y, "Số tiền bằng chữ:", c["amount_in_words"], 7.0)
    c["purpose"] = (
        f"Nộp tiền thi hành án theo Bản án số {c['judgment_number']} của Tòa án, mã {c['case_payment_code']}"
    )
    y = _labelled(sheet, 0.6, y, rng.choice(("Diễn giải:", "Nội dung:")), c["purpose"], 7.0)
    sheet.text(1.2, y + 0.2, "Kế toán", 10, bold=True)
    sheet.text(3.6, y + 0.2, "Chủ tài khoản", 10, bold=True)
    sheet.text(6.1, y + 0.2, "Ngân hàng", 10, bold=True)
    return fields


def _nop_ngan_sach(c: dict, sheet: Sheet, rng: random.Random) -> set[str]:
    sheet.text(0.5, 0.35, "KHO BẠC NHÀ NƯỚC" if rng.random() < 0.5 else c["bank"].upper()[:46], 9, bold=True)
    title = rng.choice(("GIẤY NỘP TIỀN MẶT VÀO TÀI KHOẢN", "GIẤY NỘP TIỀN VÀO NGÂN SÁCH"))
    sheet.text(4.1, 0.7, title, 14, bold=True, center=True)
    sheet.text(4.1, 1.02, _date_text(c, rng).capitalize(), 10, center=True)
    y = 1.4
    fields = {
        "payer_name",
        "payer_address",
        "amount_vnd",
        "amount_in_words",
        "amount_words_vnd",
        "document_date",
        "purpose",
        "decision_number",
    }
    amount = rng.choice(("Tổng cộng:", "Số tiền:", "Số tiền nộp:"))
    sheet.box(0.5, y - 0.06, 7.8, y + 0.34)
    sheet.text(0.6, y, amount, 11, bold=True)
    _value(sheet, 2.4, y, _amount_text(c["amount_vnd"], rng), 12)
    y += 0.45
    y = _labelled(sheet, 0.6, y, rng.choice(("Bằng chữ:", "Số tiền bằng chữ:")), c["amount_in_words"], 7.0)
    y += 0.1
    rows = [(_payer_wording(c, rng), c["payer_name"])]
    if c["payer_id_number"]:
        rows.append((rng.choice(ID_LABELS), c["payer_id_number"]))
        fields.add("payer_id_number")
    rows.append((rng.choice(("Địa chỉ:", "Nơi cư trú:", "Địa chỉ thường trú:")), c["payer_address"]))
    for label, value in rows:  # the value on the line below its label
        sheet.text(0.6, y, label, 10)
        _value(sheet, 0.9, y + 0.26, value)
        y += 0.62
    sheet.text(0.6, y, f"Nộp vào tài khoản: {c['account']} của {c['agency']}", 10)
    y += 0.36
    c["purpose"] = f"Nộp tiền thi hành án theo QĐ số {c['decision_number']}"
    y = _labelled(sheet, 0.6, y, rng.choice(("Nội dung nộp:", "Diễn giải:", "Lý do nộp:")), c["purpose"], 7.0)
    sheet.rule(0.5, y + 0.05, 7.8)
    sheet.text(1.2, y + 0.2, "Người nộp tiền", 10, bold=True)
    sheet.text(5.2, y + 0.2, "Thủ quỹ", 10, bold=True)
    return fields


def _phieu_thu_bang(c: dict, sheet: Sheet, rng: random.Random) -> set[str]:
    sheet.text(0.5, 0.35, c["agency"].upper()[:44], 9, bold=True)
    sheet.text(6.2, 0.35, "Mẫu số C40-BB", 9)
    sheet.text(4.1, 0.75, "PHIẾU THU", 17, bold=True, center=True)
    sheet.text(4.1, 1.1, f"Ngày: {_date_text(c, rng)}", 10, center=True)
    sheet.text(6.2, 1.1, f"Số: {rng.randint(1, 999):04d}", 10)
    y = 1.5
    fields = {
        "payer_name",
        "payer_address",
        "amount_vnd",
        "amount_in_words",
        "amount_words_vnd",
        "document_date",
        "decision_number",
        "judgment_number",
        "case_payment_code",
        "purpose",
    }
    y = _labelled(sheet, 0.6, y, _payer_wording(c, rng), c["payer_name"], 7.0)
    if c["payer_id_number"]:
        y = _labelled(sheet, 0.6, y, rng.choice(ID_LABELS), c["payer_id_number"], 7.0)
        fields.add("payer_id_number")
    y = _labelled(sheet, 0.6, y, rng.choice(("Địa chỉ:", "Nơi cư trú:")), c["payer_address"], 7.0)
    cited = (
        f"Căn cứ Quyết định thi hành án số {c['decision_number']} theo Bản án số {c['judgment_number']}"
        if rng.random() < 0.5
        else f"Căn cứ Bản án số {c['judgment_number']} và Quyết định số {c['decision_number']}"
    )
    y = _labelled(sheet, 0.6, y, "", cited + ";", 7.0) + 0.1
    c["purpose"] = f"Tiền thi hành án mã {c['case_payment_code']}"
    amount = _amount_text(c["amount_vnd"], rng)
    x = (0.5, 1.1, 5.4, 7.8)
    for row, cells in enumerate((("STT", "Nội dung", "Số tiền"), ("1", c["purpose"], amount))):
        for column in range(3):
            sheet.box(x[column], y, x[column + 1], y + 0.38)
            if row == 0:
                sheet.text(x[column] + 0.08, y + 0.08, cells[column], 10, bold=True)
            else:
                _value(sheet, x[column] + 0.08, y + 0.08, cells[column])
        y += 0.38
    sheet.text(1.2, y + 0.08, "Tổng cộng", 10, bold=True)
    _value(sheet, 5.48, y + 0.08, amount)
    y += 0.5
    y = _labelled(sheet, 0.6, y, rng.choice(("Viết bằng chữ:", "Bằng chữ:")), c["amount_in_words"], 7.0)
    sheet.text(1.0, y + 0.2, "Người nộp tiền", 10, bold=True)
    sheet.text(5.2, y + 0.2, "Thủ quỹ", 10, bold=True)
    _stamp(sheet, 5.8, y + 0.5, c["agency"], rng)
    return fields


DRAW = {
    "bien_lai_tha": (_bien_lai_tha, 5.9),
    "unc_bang": (_unc_bang, 5.9),
    "nop_ngan_sach": (_nop_ngan_sach, 5.9),
    "phieu_thu_bang": (_phieu_thu_bang, 5.9),
}
VARIED = tuple(DRAW)
