"""Counter intake on the admin page: scans uploaded by officers, read by OCR in the background.

An officer uploads what the payer brings (PNG, JPEG, TIFF or PDF); the document is stored and read
by OCR on a background thread of the server, never in the request. Its page shows the scan beside
the proposed fields, low-confidence ones marked, and refreshes itself until the reading is done.
Fields the scan did not give are filled from the case it names, marked as suggestions, and any
disagreement between the scan and the case is a warning (``case_hints``).
A complete reading has already become a draft in the approval queue; otherwise the officer
completes the proposed fields and saves the draft. Scans of another agency are not found.
"""

from __future__ import annotations

import io

from flask import Response, abort, flash, g, redirect, render_template, request, url_for
from PIL import Image
from sqlalchemy import func, select

from ereceipt.core.counter import drafts
from ereceipt.core.counter.case_hints import CaseHints, case_hints
from ereceipt.core.counter.documents import CounterDocument, DocumentState
from ereceipt.core.counter.proposals import draft_of_document, proposal
from ereceipt.core.counter.tables import ReceiptDraft
from ereceipt.core.errors import BadInput, EReceiptError, NotFound
from ereceipt.core.ocr.documents import page_images
from ereceipt.core.receipts.tables import Issuer
from ereceipt.web.admin import blueprint, require
from ereceipt.web.admin.access import EVERYONE
from ereceipt.web.admin.approval import LABELS, LOW_CONFIDENCE
from ereceipt.web.parts import parts

ENTERS = ("officer", "approver")
STATUS_LABELS = {
    "queued": "Chờ nhận dạng",
    "running": "Đang nhận dạng",
    "done": "Đã nhận dạng",
    "failed": "Không nhận dạng được",
}
PREVIEW_WIDTH = 1100  # pixels of a page shown beside the fields
LISTED = ("id", "media_type", "uploaded_by", "agency_code", "status", "error", "uploaded_at", "finished_at")
UPLOAD_MARGIN = 64 * 1024  # the form's other fields and the multipart framing around the file


@blueprint.before_app_request
def _allow_scans_of_the_configured_size() -> None:
    """An upload may be as large as ``[ocr] max_bytes``; every other request keeps the server's limit."""
    if request.endpoint == "admin.counter_upload" and request.method == "POST":
        request.max_content_length = parts().settings.ocr_max_bytes + UPLOAD_MARGIN


def _sees(agency_code: str) -> bool:
    return g.user.sees_all_agencies or agency_code == g.user.issuer_code


def _state(document_id: int) -> DocumentState:
    """The document without its bytes, if this user may see it; another agency's is not found."""
    try:
        state = parts().counter_documents().get(document_id)
    except NotFound:
        abort(404, "Không tìm thấy bản quét.")
    if not _sees(state.agency_code):
        abort(404, "Không tìm thấy bản quét.")
    return state


def _content(document_id: int) -> tuple[bytes, str]:
    _state(document_id)
    with parts().database.read() as db:
        row = db.execute(
            select(CounterDocument.content, CounterDocument.media_type).where(
                CounterDocument.id == document_id
            )
        ).one()
    return row.content, row.media_type


@blueprint.get("/tiep-nhan")
@require(*EVERYONE)
def counter_documents():
    columns = [getattr(CounterDocument, name) for name in LISTED]
    query = select(*columns).order_by(CounterDocument.id.desc()).limit(100)
    if not g.user.sees_all_agencies:
        query = query.where(CounterDocument.agency_code == g.user.issuer_code)
    with parts().database.read() as db:
        rows = db.execute(query).all()
        made = dict(
            db.execute(
                select(ReceiptDraft.source_document_id, func.min(ReceiptDraft.id))
                .where(ReceiptDraft.source_document_id.in_([row.id for row in rows]))
                .group_by(ReceiptDraft.source_document_id)
            ).all()
        )
        issuers = [] if g.user.issuer_code else list(db.scalars(select(Issuer).order_by(Issuer.code)))
    return render_template(
        "admin_counter.html",
        rows=rows,
        made=made,
        statuses=STATUS_LABELS,
        issuers=issuers,
        may_upload=g.user.role in ENTERS,
    )


@blueprint.post("/tiep-nhan")
@require(*ENTERS)
def counter_upload():
    upload = request.files.get("scan")
    agency = g.user.issuer_code or request.form.get("agency", "")
    if upload is None or not upload.filename:
        abort(400, "Chưa chọn tệp bản quét.")
    with parts().database.read() as db:
        if db.scalar(select(Issuer.id).where(Issuer.code == agency)) is None:
            abort(400, "Chưa chọn đơn vị thu.")
    try:
        document_id = (
            parts()
            .counter_documents()
            .upload(upload.read(), upload.mimetype, uploaded_by=g.user.username, agency_code=agency)
        )
    except BadInput as exc:
        abort(400, f"Không nhận được bản quét: {exc.message}")
    flash(f"Đã nhận bản quét số {document_id}; hệ thống đang nhận dạng.", "ok")
    return redirect(url_for("admin.counter_document", document_id=document_id))


@blueprint.get("/tiep-nhan/<int:document_id>")
@require(*EVERYONE)
def counter_document(document_id: int):
    document = _state(document_id)
    result = document.result or {}
    with parts().database.read() as db:
        draft_id = draft_of_document(db, document_id)
        hints = case_hints(db, document.agency_code, result.get("fields", {})) if result else CaseHints()
    values, read = proposal(result.get("fields", {}), result.get("confidences", {}))
    suggested = {name for name, value in hints.suggested.items() if name in values and not values[name]}
    values.update({name: hints.suggested[name] for name in suggested})
    return render_template(
        "admin_counter_document.html",
        document=document,
        statuses=STATUS_LABELS,
        result=result,
        values=values,
        confidences=read,
        low={name for name, value in read.items() if value < LOW_CONFIDENCE},
        threshold=LOW_CONFIDENCE,
        labels=LABELS,
        draft_id=draft_id,
        suggested=suggested,
        hints=hints,
        may_enter=g.user.role in ENTERS and document.status == "done" and draft_id is None,
        may_retry=g.user.role in ENTERS and document.status == "failed",
        pages=result.get("pages", 1),
    )


def _unchanged(read: object, given: str) -> bool:
    """Whether the officer left a field as OCR read it (an amount may come back grouped: 1.015.000)."""
    if isinstance(read, int):
        try:
            return drafts.parse_amount(given) == read
        except BadInput:
            return False
    return str(read).strip() == given.strip()


@blueprint.post("/tiep-nhan/<int:document_id>/ban-nhap")
@require(*ENTERS)
def counter_draft(document_id: int):
    """The officer's completed fields become a draft; fields left as read keep their confidence."""
    document = _state(document_id)
    result = document.result or {}
    values, read = proposal(result.get("fields", {}), result.get("confidences", {}))
    given = {name: request.form.get(name, "")[:500] for name in drafts.FIELDS}
    kept = {name: value for name, value in read.items() if _unchanged(values[name], given[name])}
    try:
        with parts().database.write() as db:
            if draft_of_document(db, document_id) is not None:
                abort(409, "Bản quét này đã có bản nháp.")
            draft_id = drafts.create_draft(
                db,
                agency_code=document.agency_code,
                created_by=g.user.username,
                source_document_id=document_id,
                field_confidences=kept or None,
                **given,
            )
    except BadInput as exc:
        flash(f"Không lưu được bản nháp: {exc.message}", "error")
        return redirect(url_for("admin.counter_document", document_id=document_id))
    flash(f"Đã lưu bản nháp số {draft_id}, chờ phê duyệt.", "ok")
    return redirect(url_for("admin.draft_detail", draft_id=draft_id))


@blueprint.post("/tiep-nhan/<int:document_id>/nhan-dang-lai")
@require(*ENTERS)
def counter_retry(document_id: int):
    """Read a failed document again (after Tesseract was installed, say)."""
    document = _state(document_id)
    if document.status != "failed":
        abort(409, "Chỉ nhận dạng lại bản quét chưa nhận dạng được.")
    parts().counter_documents().retry(document_id)
    flash(f"Đang nhận dạng lại bản quét số {document_id}.", "ok")
    return redirect(url_for("admin.counter_document", document_id=document_id))


@blueprint.get("/tiep-nhan/<int:document_id>/trang-<int:page>.png")
@require(*EVERYONE)
def counter_page_image(document_id: int, page: int):
    """One page of the scan as a PNG a browser shows (TIFF and PDF pages included), scaled down."""
    content, media_type = _content(document_id)
    limits = parts().counter_documents().limits
    try:
        for number, image in enumerate(page_images(content, media_type, limits), 1):
            if number == page:
                picture = image.image
                if picture.width > PREVIEW_WIDTH:
                    height = round(picture.height * PREVIEW_WIDTH / picture.width)
                    picture = picture.resize((PREVIEW_WIDTH, height), Image.Resampling.LANCZOS)
                out = io.BytesIO()
                picture.save(out, "PNG", optimize=True)
                return Response(out.getvalue(), mimetype="image/png")
    except EReceiptError as exc:
        abort(422, f"Không hiển thị được bản quét: {exc.message}")
    abort(404, "Không có trang này.")


@blueprint.get("/tiep-nhan/<int:document_id>/ban-goc")
@require(*EVERYONE)
def counter_original(document_id: int):
    content, media_type = _content(document_id)
    disposition = f'attachment; filename="ban-quet-{document_id}.{media_type.split("/")[-1]}"'
    return Response(content, mimetype=media_type, headers={"Content-Disposition": disposition})
