"""The printable PDF receipt: its QR code (ISO/IEC 18004) decodes to the receipt's public lookup URL.

The PDF is rendered with PDFium (pypdfium2) and the QR code read back with zxing-cpp, as a phone would.
"""

from __future__ import annotations

from pathlib import Path

import pypdfium2
import pytest
import zxingcpp
from admin_site import PASSWORD, build_site

from ereceipt.core.receipts import receipt_pdf
from ereceipt.core.receipts.lookup_code import display_lookup_code
from ereceipt.core.receipts.tables import Receipt

PUBLIC_URL = "https://bienlai.thads.example.gov.vn"


@pytest.fixture
def site(tmp_path: Path):
    services, receipts = build_site(tmp_path, f"[server]\npublic_url = {PUBLIC_URL}\n")
    app = services.web_application()
    client = app.test_client()
    client.get("/admin/dang-nhap")
    with client.session_transaction() as session:
        csrf = session["csrf"]
    answer = client.post(
        "/admin/dang-nhap", data={"username": "bd-officer", "password": PASSWORD, "csrf_token": csrf}
    )
    assert answer.status_code == 302
    return client, services, receipts


def qr_codes(pdf: bytes) -> list[str]:
    document = pypdfium2.PdfDocument(pdf)
    try:
        image = document[0].render(scale=4).to_pil()
    finally:
        document.close()
    return [
        code.text for code in zxingcpp.read_barcodes(image) if code.format == zxingcpp.BarcodeFormat.QRCode
    ]


def test_the_qr_code_in_the_pdf_is_the_public_lookup_url_of_that_receipt(site) -> None:
    client, services, receipts = site
    answer = client.get(f"/admin/bien-lai/{receipts['bd']}.pdf")
    assert answer.status_code == 200
    with services.database.read() as session:
        code = session.get(Receipt, receipts["bd"]).lookup_code
    assert qr_codes(answer.data) == [f"{PUBLIC_URL}/tra-cuu?ma={display_lookup_code(code)}"]


def test_a_missing_font_gives_a_clear_error_page_not_a_500(site, tmp_path: Path, monkeypatch) -> None:
    client, _, receipts = site
    monkeypatch.setattr(receipt_pdf, "FONT_DIRECTORY", tmp_path / "no-fonts-here")
    answer = client.get(f"/admin/bien-lai/{receipts['bd']}.pdf")
    assert answer.status_code == 503
    page = answer.get_data(as_text=True)
    assert "fonts-dejavu-core" in page
    assert "DejaVu Sans" in page
