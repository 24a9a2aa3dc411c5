"""Counter intake on the admin page through the WSGI test client, with real Tesseract in the background.

An officer uploads a scan; OCR reads it off the request; a complete reading becomes a draft with
the confidence of each field; an incomplete one waits for the officer, who completes the fields
beside the scan. The approved receipt links back to the scan. Roles, agencies, CSRF and bad files
are refused with a message.
"""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

import pytest
from admin_site import build_site, login, token
from ocr_support import EXAMPLE_CASE, EXAMPLE_FIELDS, EXAMPLE_SCAN, add_case, tesseract_or_skip
from PIL import Image
from sqlalchemy import select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from ereceipt.core.counter.documents import CounterDocument
from ereceipt.core.counter.tables import ReceiptDraft
from ereceipt.core.receipts.tables import Receipt
from ereceipt.core.storage.audit import AuditEvent

SCAN_LIMIT = 3 * 1024 * 1024  # over the server's 2 MiB request limit: the upload route has its own


@pytest.fixture
def site(tmp_path: Path):
    tesseract_or_skip()
    services, _ = build_site(tmp_path, f"[ocr]\nmax_bytes = {SCAN_LIMIT}\n")
    add_case(services.database, "CCTHADS-BD", **EXAMPLE_CASE)
    app = services.web_application()
    app.config["TESTING"] = True
    yield app, services
    services.counter_reader().close()


def upload(client, data: bytes, name: str = "scan.png", mimetype: str = "image/png", **form):
    # Encoded in memory: werkzeug's test builder would spool a large body to a file it never closes.
    scan = FileStorage(io.BytesIO(data), filename=name, content_type=mimetype)
    boundary, body = encode_multipart({"csrf_token": token(client), "scan": scan, **form})
    return client.post(
        "/admin/tiep-nhan", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )


def uploaded_id(answer) -> int:
    assert answer.status_code == 302, answer.get_data(as_text=True)
    return int(re.search(r"/tiep-nhan/(\d+)$", answer.headers["Location"]).group(1))


def blank_page() -> bytes:
    out = io.BytesIO()
    Image.new("L", (1654, 2339), 255).save(out, "PNG", dpi=(200, 200))  # an A4 page with nothing on it
    return out.getvalue()


def test_a_complete_scan_becomes_a_draft_then_a_receipt_linked_to_the_scan(site) -> None:
    app, services = site
    officer = login(app, "bd-officer")
    document_id = uploaded_id(upload(officer, EXAMPLE_SCAN.read_bytes()))
    assert services.counter_reader().wait(document_id, timeout=180).status == "done"

    page = officer.get(f"/admin/tiep-nhan/{document_id}").get_data(as_text=True)
    draft_id = int(re.search(r'id="document-draft" href="/admin/phe-duyet/(\d+)"', page).group(1))
    with services.database.read() as session:
        draft = session.get(ReceiptDraft, draft_id)
    assert (draft.payer_name, draft.amount_vnd) == (
        EXAMPLE_FIELDS["payer_name"],
        EXAMPLE_FIELDS["amount_vnd"],
    )
    assert (draft.source_document_id, draft.created_by, draft.payment_method) == (
        document_id,
        "bd-officer",
        "BANK_TRANSFER",  # the scan names a bank reference: a transfer shown at the counter
    )
    assert set(draft.field_confidences) >= {"payer_name", "amount_vnd", "payer_id_number"}
    assert all(0 < value <= 1 for value in draft.field_confidences.values())

    image = officer.get(f"/admin/tiep-nhan/{document_id}/trang-1.png")
    assert image.status_code == 200 and image.data.startswith(b"\x89PNG")
    assert officer.get(f"/admin/tiep-nhan/{document_id}/trang-2.png").status_code == 404
    assert officer.get(f"/admin/tiep-nhan/{document_id}/ban-goc").data == EXAMPLE_SCAN.read_bytes()
    assert f"/admin/tiep-nhan/{document_id}/trang-1.png" in officer.get(
        f"/admin/phe-duyet/{draft_id}"
    ).get_data(as_text=True)

    approver = login(app, "bd-approver")
    answer = approver.post(f"/admin/phe-duyet/{draft_id}/duyet", data={"csrf_token": token(approver)})
    assert answer.status_code == 302, answer.get_data(as_text=True)
    with services.database.read() as session:
        receipt = session.scalar(
            select(Receipt).where(Receipt.id == session.get(ReceiptDraft, draft_id).receipt_id)
        )
        uploads = session.scalars(select(AuditEvent.entity_id).where(AuditEvent.action == "counter.uploaded"))
        assert str(document_id) in {str(entity) for entity in uploads}
    assert receipt.amount == EXAMPLE_FIELDS["amount_vnd"]
    detail = approver.get(f"/admin/bien-lai/{receipt.id}").get_data(as_text=True)
    assert f'id="receipt-scan" href="/admin/tiep-nhan/{document_id}"' in detail


def test_an_incomplete_reading_waits_for_the_officer_who_completes_it(site) -> None:
    app, services = site
    officer = login(app, "bd-officer")
    document_id = uploaded_id(upload(officer, blank_page()))
    assert services.counter_reader().wait(document_id, timeout=180).status == "done"
    page = officer.get(f"/admin/tiep-nhan/{document_id}").get_data(as_text=True)
    assert 'id="document-draft"' not in page and 'id="draft-save"' in page
    fields = {
        "payer_name": "Đặng Thị Hoa",
        "payer_id_number": "001190001234",
        "payer_address": "Hà Nội",
        "case_payment_code": "THA2502",
        "amount_vnd": "250.000",
        "purpose": "",
        "payment_method": "CASH",
    }
    answer = officer.post(
        f"/admin/tiep-nhan/{document_id}/ban-nhap", data={"csrf_token": token(officer), **fields}
    )
    assert answer.status_code == 302, answer.get_data(as_text=True)
    with services.database.read() as session:
        draft = session.scalar(select(ReceiptDraft).where(ReceiptDraft.source_document_id == document_id))
    assert (draft.payer_name, draft.amount_vnd, draft.field_confidences) == ("Đặng Thị Hoa", 250_000, None)
    again = officer.post(
        f"/admin/tiep-nhan/{document_id}/ban-nhap", data={"csrf_token": token(officer), **fields}
    )
    assert again.status_code == 409  # one draft per scan


def test_a_scan_over_the_server_limit_but_within_the_ocr_limit_is_taken(site) -> None:
    app, services = site
    officer = login(app, "bd-officer")
    noise = io.BytesIO()
    Image.frombytes("L", (1600, 1600), os.urandom(1600 * 1600)).save(noise, "PNG")  # ~2.5 MiB, incompressible
    assert 2 * 1024 * 1024 < len(noise.getvalue()) < SCAN_LIMIT
    document_id = uploaded_id(upload(officer, noise.getvalue()))
    too_big = upload(officer, noise.getvalue() + b"\0" * SCAN_LIMIT)
    assert too_big.status_code == 413
    with services.database.read() as session:
        assert session.scalar(select(CounterDocument.id).order_by(CounterDocument.id.desc())) == document_id


def test_refusals_say_why(site) -> None:
    app, services = site
    anonymous = app.test_client()
    assert anonymous.get("/admin/tiep-nhan").status_code == 302  # to the log-in page
    officer = login(app, "bd-officer")
    text_file = upload(officer, b"hello, not a scan", name="a.txt", mimetype="text/plain")
    assert text_file.status_code == 400
    assert "PNG, JPEG, TIFF or PDF" in text_file.get_data(as_text=True)
    declared_wrong = upload(officer, EXAMPLE_SCAN.read_bytes(), name="a.pdf", mimetype="application/pdf")
    assert declared_wrong.status_code == 400
    no_csrf = officer.post(
        "/admin/tiep-nhan",
        data={"scan": (io.BytesIO(EXAMPLE_SCAN.read_bytes()), "a.png", "image/png")},
        content_type="multipart/form-data",
    )
    assert no_csrf.status_code == 403
    auditor = login(app, "auditor")
    assert upload(auditor, EXAMPLE_SCAN.read_bytes(), agency="CCTHADS-BD").status_code == 403

    document_id = uploaded_id(upload(officer, EXAMPLE_SCAN.read_bytes()))
    services.counter_reader().wait(document_id, timeout=180)
    other_agency = login(app, "hn-officer")
    for path in ("", "/trang-1.png", "/ban-goc"):
        assert other_agency.get(f"/admin/tiep-nhan/{document_id}{path}").status_code == 404
    assert auditor.get(f"/admin/tiep-nhan/{document_id}").status_code == 200  # national readers see all
    retry = officer.post(f"/admin/tiep-nhan/{document_id}/nhan-dang-lai", data={"csrf_token": token(officer)})
    assert retry.status_code == 409  # only a failed reading is read again
    with services.database.read() as session:
        assert (
            session.scalar(select(CounterDocument.status).where(CounterDocument.id == document_id)) == "done"
        )
