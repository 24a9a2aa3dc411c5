"""The printable receipt: A5 PDF, fields of Decree 123/2020/ND-CP art. 32, QR code (ISO/IEC 18004).

Drawn with fpdf2 in the DejaVu Sans TrueType font (embedded, so Vietnamese diacritics print
everywhere); the QR code (ISO/IEC 18004, segno) encodes ``{public_url}/tra-cuu?ma=CODE``.
Only content read from the verifier's signed XML is passed in.
"""

from __future__ import annotations

import io
from pathlib import Path

import segno
from fpdf import FPDF

from ereceipt.core.errors import ConfigurationError
from ereceipt.core.money import format_vnd
from ereceipt.core.receipts.content import ReceiptContent, format_number
from ereceipt.core.receipts.lookup_code import display_lookup_code

FONT_DIRECTORY = Path("/usr/share/fonts/truetype/dejavu")  # Debian package fonts-dejavu-core
A5_MM = (148, 210)  # ISO 216 A5, given in millimetres (fpdf2 warns about its named "A5")
METHODS = {"CASH": "Tiền mặt", "BANK_TRANSFER": "Chuyển khoản", "ONLINE": "Thanh toán trực tuyến"}


def lookup_url(public_url: str, lookup_code: str) -> str:
    return f"{public_url.rstrip('/')}/tra-cuu?ma={display_lookup_code(lookup_code)}"


def _qr_png(url: str) -> io.BytesIO:
    buffer = io.BytesIO()
    segno.make(url, error="m", micro=False).save(buffer, kind="png", scale=6, border=2)
    buffer.seek(0)
    return buffer


def receipt_pdf(
    content: ReceiptContent,
    *,
    public_url: str,
    cancelled: bool = False,
    font_directory: Path | None = None,
) -> bytes:
    font_directory = font_directory or FONT_DIRECTORY
    regular, bold = font_directory / "DejaVuSans.ttf", font_directory / "DejaVuSans-Bold.ttf"
    if not regular.is_file() or not bold.is_file():
        raise ConfigurationError(f"DejaVu fonts missing in {font_directory} (Debian: fonts-dejavu-core)")
    pdf = FPDF(orientation="portrait", unit="mm", format=A5_MM)
    pdf.set_title(f"Biên lai {content.display_number}")
    pdf.set_margins(10, 10, 10)
    pdf.set_auto_page_break(True, 10)
    pdf.add_font("DejaVu", "", str(regular))
    pdf.add_font("DejaVu", "B", str(bold))
    pdf.add_page()
    width = pdf.epw
    pdf.set_font("DejaVu", "B", 9)
    pdf.multi_cell(width, 4.5, content.issuer.name, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 8)
    pdf.multi_cell(
        width,
        4,
        f"MST: {content.issuer.tax_code} – {content.issuer.address}",
        align="C",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(3)
    pdf.set_font("DejaVu", "B", 13)
    pdf.cell(width, 7, "BIÊN LAI THU TIỀN", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 8.5)
    pdf.cell(width, 4.5, "(Biên lai điện tử thi hành án dân sự)", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(
        width,
        4.5,
        f"Mẫu số: {content.template_number}   Ký hiệu: {content.series_symbol}   "
        f"Số: {format_number(content.number)}",
        align="C",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    if cancelled:
        pdf.set_font("DejaVu", "B", 11)
        pdf.set_text_color(170, 0, 0)
        pdf.cell(width, 7, "ĐÃ HỦY", align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(0, 0, 0)
    pdf.ln(3)
    collection = content.collection
    rows = [
        ("Ngày lập", content.issued_at.strftime("%d/%m/%Y %H:%M")),
        ("Người nộp tiền", content.payer.name),
        ("Số định danh", content.payer.identity_number or ""),
        ("Địa chỉ", content.payer.address or ""),
        ("Nội dung thu", collection.purpose),
        ("Quyết định THA", collection.decision_number or ""),
        ("Bản án", collection.judgment_number or ""),
        ("Mã hồ sơ", collection.case_code or ""),
        ("Số tiền", f"{format_vnd(content.amount)} đồng"),
        ("Bằng chữ", content.amount_in_words),
        ("Hình thức", METHODS.get(str(content.payment_method), str(content.payment_method))),
        ("Người thu", content.issuing_officer),
    ]
    if content.replaces:
        rows.append(
            (
                "Thay thế biên lai",
                f"{content.replaces.series_symbol} {format_number(content.replaces.number)}",
            )
        )
    for label, value in rows:
        if not value:
            continue
        pdf.set_font("DejaVu", "B", 8.5)
        pdf.cell(32, 5, label + ":")
        pdf.set_font("DejaVu", "", 8.5)
        pdf.multi_cell(width - 32, 5, value, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    url = lookup_url(public_url, content.lookup_code)
    top = pdf.get_y()
    pdf.image(_qr_png(url), x=pdf.l_margin, y=top, w=30, h=30)
    pdf.set_xy(pdf.l_margin + 34, top + 2)
    pdf.set_font("DejaVu", "", 8)
    text = (
        f"Mã tra cứu: {display_lookup_code(content.lookup_code)}\n"
        f"Tra cứu và tải biên lai có chữ ký số tại:\n{url}"
    )
    pdf.multi_cell(width - 34, 4.5, text, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
