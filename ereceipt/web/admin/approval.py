"""The approval queue: counter drafts entered and corrected by officers, approved by approvers.

Officers and approvers enter and correct drafts of their agency; approvers approve (the receipt is
numbered and signed at that moment and its number shown at once) or reject with a reason. Four
eyes: nobody approves a draft they entered or whose current values they set; the draft page shows
who set each field, and a refused approval answers 409 with the fields named on the draft's page.
Auditors and administrators read; a draft of another agency is not found.
"""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from sqlalchemy import func, select

from ereceipt.core.counter import drafts
from ereceipt.core.counter.tables import DRAFT, ReceiptDraft
from ereceipt.core.errors import BadInput, Conflict, NotFound
from ereceipt.core.receipts.content import format_number
from ereceipt.core.receipts.tables import Issuer, Receipt
from ereceipt.core.users.accounts import CurrentUser
from ereceipt.web.admin import blueprint, require
from ereceipt.web.admin.access import EVERYONE, reason_given
from ereceipt.web.parts import parts

ENTERS = ("officer", "approver")
APPROVES = ("approver",)
LOW_CONFIDENCE = 0.8  # OCR fields read with less confidence than this are marked for checking
LABELS = {
    "payer_name": "Người nộp tiền",
    "payer_id_number": "Số định danh",
    "payer_address": "Địa chỉ",
    "case_payment_code": "Mã hồ sơ thi hành án",
    "amount_vnd": "Số tiền (đồng)",
    "purpose": "Nội dung thu",
    "payment_method": "Hình thức thanh toán",
}
STATUS_LABELS = {"draft": "Chờ phê duyệt", "approved": "Đã phê duyệt", "rejected": "Đã từ chối"}


def pending_reviews(session, user: CurrentUser) -> int:
    query = select(func.count(ReceiptDraft.id)).where(ReceiptDraft.status == DRAFT)
    if not user.sees_all_agencies:
        query = query.where(ReceiptDraft.issuer_id == user.issuer_id)
    return int(session.scalar(query) or 0)


def _form_fields() -> dict:
    return {name: request.form.get(name, "")[:500] for name in drafts.FIELDS}


def _draft(session, draft_id: int) -> ReceiptDraft:
    """The draft if this user may see it; another agency's draft is answered as not found."""
    draft = session.get(ReceiptDraft, draft_id)
    if draft is None or not g.user.sees_issuer(draft.issuer_id):
        abort(404, "Không tìm thấy bản nháp.")
    return draft


@blueprint.get("/phe-duyet")
@require(*EVERYONE)
def drafts_queue():
    status = request.args.get("trang_thai", DRAFT)
    if status not in STATUS_LABELS:
        abort(400, "Trạng thái không hợp lệ.")
    query = select(ReceiptDraft, Issuer.code).join(Issuer).where(ReceiptDraft.status == status)
    if not g.user.sees_all_agencies:
        query = query.where(ReceiptDraft.issuer_id == g.user.issuer_id)
    with parts().database.read() as db:
        rows = db.execute(query.order_by(ReceiptDraft.id.desc()).limit(200)).all()
    return render_template("admin_drafts.html", rows=rows, status=status, statuses=STATUS_LABELS)


@blueprint.route("/phe-duyet/moi", methods=["GET", "POST"])
@require(*ENTERS)
def draft_new():
    with parts().database.read() as db:
        issuers = [] if g.user.issuer_code else list(db.scalars(select(Issuer).order_by(Issuer.code)))
    if request.method == "GET":
        return render_template("admin_draft_new.html", issuers=issuers, labels=LABELS, form={})
    agency = g.user.issuer_code or request.form.get("agency", "")
    try:
        with parts().database.write() as db:
            draft_id = drafts.create_draft(
                db, agency_code=agency, created_by=g.user.username, **_form_fields()
            )
    except BadInput as exc:
        flash(f"Không lưu được bản nháp: {exc.message}", "error")
        return render_template("admin_draft_new.html", issuers=issuers, labels=LABELS, form=request.form), 400
    flash(f"Đã lưu bản nháp số {draft_id}, chờ phê duyệt.", "ok")
    return redirect(url_for("admin.draft_detail", draft_id=draft_id))


@blueprint.get("/phe-duyet/<int:draft_id>")
@require(*EVERYONE)
def draft_detail(draft_id: int):
    return _draft_page(draft_id)


def _draft_page(draft_id: int) -> str:
    with parts().database.read() as db:
        draft = _draft(db, draft_id)
        agency = db.get(Issuer, draft.issuer_id)
        receipt = db.get(Receipt, draft.receipt_id) if draft.receipt_id else None
        series = receipt.series.series_symbol if receipt else None
        authors = drafts.field_authors(db, draft)
    confidences = draft.field_confidences or {}
    low = {name for name, value in confidences.items() if value < LOW_CONFIDENCE}
    open_ = draft.status == DRAFT
    return render_template(
        "admin_draft.html",
        draft=draft,
        values={name: getattr(draft, name) for name in drafts.FIELDS},
        agency=agency,
        labels=LABELS,
        statuses=STATUS_LABELS,
        confidences=confidences,
        low=low,
        threshold=LOW_CONFIDENCE,
        may_edit=open_ and g.user.role in ENTERS,
        may_decide=open_ and g.user.role in APPROVES,
        authors=authors,
        own_fields=[LABELS[name] for name, author in authors.items() if author == g.user.username],
        own=draft.created_by == g.user.username or g.user.username in authors.values(),
        receipt=receipt,
        series=series,
        number=format_number,
    )


@blueprint.post("/phe-duyet/<int:draft_id>")
@require(*ENTERS)
def draft_update(draft_id: int):
    services = parts()
    try:
        with services.database.write() as db:
            _draft(db, draft_id)
            changed = drafts.update_draft(db, draft_id, updated_by=g.user.username, **_form_fields())
        flash(f"Đã sửa {len(changed)} trường." if changed else "Không có gì thay đổi.", "ok")
    except (BadInput, Conflict, NotFound) as exc:
        flash(f"Không sửa được: {exc.message}", "error")
    return redirect(url_for("admin.draft_detail", draft_id=draft_id))


@blueprint.post("/phe-duyet/<int:draft_id>/duyet")
@require(*APPROVES)
def draft_approve(draft_id: int):
    services = parts()
    try:
        with services.database.write() as db:
            _draft(db, draft_id)
            issued = drafts.approve_draft(db, services.issuer, draft_id, approved_by=g.user.username)
    except drafts.OwnContent as exc:
        flash(_own_content_message(exc), "error")
        return _draft_page(draft_id), 409
    except (BadInput, Conflict, NotFound) as exc:
        flash(f"Không phê duyệt được: {exc.message}", "error")
        return redirect(url_for("admin.draft_detail", draft_id=draft_id))
    content = issued.content
    flash(
        f"Đã phê duyệt và ký số: biên lai {content.series_symbol} số {format_number(content.number)}.",
        "ok",
    )
    return redirect(url_for("admin.draft_detail", draft_id=draft_id))


def _own_content_message(exc: drafts.OwnContent) -> str:
    """The refusal in the approver's words: the fields whose current value they set, by their labels."""
    own = exc.fields["own"]
    done = f"đã nhập hoặc sửa {', '.join(LABELS[name] for name in own)} của" if own else "là người lập"
    return (
        f"Không phê duyệt được: bạn {done} bản nháp này; "
        "một người phê duyệt khác phải duyệt (nguyên tắc bốn mắt)."
    )


@blueprint.post("/phe-duyet/<int:draft_id>/tu-choi")
@require(*APPROVES)
def draft_reject(draft_id: int):
    with parts().database.read() as db:
        _draft(db, draft_id)
    reason = reason_given()
    try:
        with parts().database.write() as db:
            _draft(db, draft_id)
            drafts.reject_draft(db, draft_id, rejected_by=g.user.username, reason=reason)
        flash("Đã từ chối bản nháp.", "ok")
    except (BadInput, Conflict, NotFound) as exc:
        flash(f"Không từ chối được: {exc.message}", "error")
    return redirect(url_for("admin.draft_detail", draft_id=draft_id))
