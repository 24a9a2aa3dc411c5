"""The admin page's screens: log-in, dashboard, receipts, users, audit trail.

Receipt fields shown, printed or downloaded come only from the XML the verifier returned as signed.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from flask import (
    Response,
    abort,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from sqlalchemy import select

from ereceipt.core.counter.proposals import document_of_receipt
from ereceipt.core.errors import BadInput, ConfigurationError, Conflict, NotFound
from ereceipt.core.money import format_vnd
from ereceipt.core.receipts import lookup
from ereceipt.core.receipts.content import VIETNAM, PayerInfo, format_number
from ereceipt.core.receipts.lookup_code import display_lookup_code
from ereceipt.core.receipts.receipt_pdf import receipt_pdf
from ereceipt.core.receipts.receipt_xml import read_receipt
from ereceipt.core.receipts.store import CANCELLED, ISSUED
from ereceipt.core.receipts.tables import Issuer, Receipt
from ereceipt.core.signers.receipt_check import as_stored
from ereceipt.core.storage import audit
from ereceipt.core.storage.audit import AuditEvent
from ereceipt.core.transparency.receipt_status import EVENT_NAMES, log_status
from ereceipt.core.users.accounts import add_user, authenticate
from ereceipt.core.users.sessions import end_session, open_session
from ereceipt.core.users.tables import ROLES, AdminUser
from ereceipt.web.admin import blueprint, csrf_token, queries, require
from ereceipt.web.admin.access import EVERYONE, client_address, from_trusted_network, reason_given
from ereceipt.web.parts import log_verifier, parts, witness_verifier

CHANGES = ("approver",)
LOGIN_FAILED = (
    "Tên đăng nhập hoặc mật khẩu không đúng, hoặc tài khoản tạm thời chưa đăng nhập được "
    "do nhập sai nhiều lần. Vui lòng kiểm tra và thử lại sau."
)
AUDIT_PAGE = 100
# The receipts search form's fields: the only query parameters its pager links repeat. Any other
# name could be one that url_for reads for itself (endpoint, _external, _scheme, _anchor, _method).
RECEIPT_FILTERS = ("so", "ky_hieu", "nguoi_nop", "dinh_danh", "ho_so", "tu_ngay", "den_ngay")


@blueprint.app_template_filter("vnd")
def vnd(amount: int) -> str:
    return format_vnd(amount)


@blueprint.app_template_filter("lookup_code")
def lookup_code(code: str) -> str:
    return display_lookup_code(code)


@blueprint.app_template_filter("vn_time")
def vn_time(moment: datetime | None) -> str:
    return "" if moment is None else moment.astimezone(VIETNAM).strftime("%d/%m/%Y %H:%M")


@blueprint.route("/dang-nhap", methods=["GET", "POST"])
def login():
    csrf_token()
    if request.method == "GET":
        return render_template("admin_login.html")
    result = authenticate(
        parts().database,
        request.form.get("username", "")[:100],
        request.form.get("password", "")[:200],
        client=client_address(),
        trusted=from_trusted_network(),
    )
    if result.user is None:  # one answer for every failure: it tells nothing about the name
        return render_template("admin_login.html", error=LOGIN_FAILED), 401
    with parts().database.write() as db:
        token = open_session(db, result.user.id)
    session.clear()  # a new session at log-in: no fixation
    session.permanent = True
    session["user_id"] = result.user.id
    session["stamp"] = result.user.stamp
    session["sid"] = token
    csrf_token()
    target = request.args.get("next", "")
    if not target.startswith("/admin/") or target.startswith("//"):
        target = url_for("admin.dashboard")
    return redirect(target)


@blueprint.post("/dang-xuat")
def logout():
    with parts().database.write() as db:
        end_session(db, session.get("sid", ""))  # a copy of the cookie opens nothing any more
        audit.record(db, g.user.username, "user.logged_out", "admin_user", g.user.id)
    session.clear()
    return redirect(url_for("admin.login"))


@blueprint.get("/")
@require(*EVERYONE)
def dashboard():
    return render_template("admin_dashboard.html", data=_figures())


@blueprint.get("/so-lieu.json")
@require(*EVERYONE)
def dashboard_figures():
    return jsonify(_figures())


def _figures() -> dict:
    """The dashboard's figures; dead letters only for those who may see them (None: broker unreachable)."""
    from ereceipt.web.admin.approval import pending_reviews
    from ereceipt.web.admin.dead_letters import dead_letter_count

    with parts().database.read() as db:
        data = queries.figures(db, g.user, datetime.now(UTC))
        data["pending_reviews"] = pending_reviews(db, g.user)
    data["sees_dead_letters"] = g.user.sees_all_agencies
    data["dead_letters"] = dead_letter_count() if g.user.sees_all_agencies else None
    return data


def _date(name: str) -> date | None:
    text = request.args.get(name, "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        abort(400, "Ngày phải có dạng YYYY-MM-DD.")


def _int(name: str, default: int | None = None) -> int | None:
    text = request.args.get(name, "").strip()
    if not text:
        return default
    if not text.isdigit() or len(text) > 7:
        abort(400, "Số biên lai và số trang là số nguyên dương.")
    return int(text)


@blueprint.get("/bien-lai")
@require(*EVERYONE)
def receipts():
    page = max(_int("trang", 1), 1)
    after = request.args.get("sau", "").strip()[:60] or None
    filters = {
        "number": _int("so"),
        "series": request.args.get("ky_hieu", "").strip()[:10] or None,
        "payer": request.args.get("nguoi_nop", "").strip()[:100] or None,
        "identity": request.args.get("dinh_danh", "").strip()[:12] or None,
        "case_code": request.args.get("ho_so", "").strip()[:16] or None,
        "date_from": _date("tu_ngay"),
        "date_to": _date("den_ngay"),
    }
    deepest = lookup.DEEPEST_ROW // queries.PAGE_SIZE
    if after is None and page > deepest:
        abort(400, f"Chỉ mở được trang theo số tới trang {deepest}; hãy thu hẹp điều kiện tìm.")
    try:
        with parts().database.read() as db:
            found = queries.search_receipts(db, g.user, page=page, after=after, **filters)
    except BadInput:
        abort(400, "Liên kết trang không hợp lệ; hãy tìm lại từ trang đầu.")
    pages = max((found.total + queries.PAGE_SIZE - 1) // queries.PAGE_SIZE, 1)
    return render_template(
        "admin_receipts.html",
        total=found.total,
        capped=found.capped,
        rows=found.rows,
        page=page,
        pages=pages,
        next_key=found.next_key,
        back_by_number=page > 1 and (page - 1) * queries.PAGE_SIZE <= lookup.DEEPEST_ROW,
        args=request.args,
        kept={name: request.args[name] for name in RECEIPT_FILTERS if request.args.get(name, "").strip()},
    )


def _receipt(receipt_id: int) -> Receipt:
    """The receipt if this user may see it; another agency's receipt is answered as not found."""
    with parts().database.read() as db:
        receipt = db.get(Receipt, receipt_id)
    if receipt is None or not g.user.sees_issuer(receipt.issuer_id):
        abort(404, "Không tìm thấy biên lai.")
    return receipt


def _verified(receipt: Receipt):
    report = as_stored(parts().verify_receipt(receipt.signed_xml), receipt.identity_digest)
    return report, (read_receipt(report.signed_xml) if report.passed else None)


@blueprint.get("/bien-lai/<int:receipt_id>")
@require(*EVERYONE)
def receipt_detail(receipt_id: int):
    receipt = _receipt(receipt_id)
    report, content = _verified(receipt)
    with parts().database.read() as db:
        replacement = db.scalar(select(Receipt).where(Receipt.replaces_id == receipt.id))
        scan_id = document_of_receipt(db, receipt.id)
        log = log_status(db, receipt.id, log_verifier(parts()), witness_verifier(parts()))
    return render_template(
        "admin_receipt.html",
        log=log,
        event_names=EVENT_NAMES,
        scan_id=scan_id,
        receipt=receipt,
        report=report,
        content=content,
        number=format_number(receipt.number),
        replacement=replacement,
        may_change=g.user.role in CHANGES and receipt.status == ISSUED,
    )


def _filename(receipt: Receipt, suffix: str) -> str:
    return f"bien-lai-{receipt.series.series_symbol}-{format_number(receipt.number)}.{suffix}"


@blueprint.get("/bien-lai/<int:receipt_id>.xml")
@require(*EVERYONE)
def receipt_xml(receipt_id: int):
    receipt = _receipt(receipt_id)
    disposition = f'attachment; filename="{_filename(receipt, "xml")}"'
    return Response(
        receipt.signed_xml, mimetype="application/xml", headers={"Content-Disposition": disposition}
    )


@blueprint.get("/bien-lai/<int:receipt_id>.pdf")
@require(*EVERYONE)
def receipt_pdf_download(receipt_id: int):
    receipt = _receipt(receipt_id)
    _, content = _verified(receipt)
    if content is None:
        abort(409, "Chữ ký số của biên lai không hợp lệ; không in được bản PDF.")
    public_url = parts().settings.public_url
    try:
        body = receipt_pdf(content, public_url=public_url, cancelled=receipt.status == CANCELLED)
    except ConfigurationError as exc:
        current_app.logger.error("PDF receipt: %s", exc.message)
        abort(
            503,
            "Máy chủ thiếu phông chữ DejaVu Sans nên chưa in được bản PDF (cần cài gói fonts-dejavu-core, "
            "ví dụ chạy lại `make run` với quyền root). Bản XML có chữ ký số vẫn tải được.",
        )
    disposition = f'attachment; filename="{_filename(receipt, "pdf")}"'
    return Response(body, mimetype="application/pdf", headers={"Content-Disposition": disposition})


@blueprint.post("/bien-lai/<int:receipt_id>/huy")
@require(*CHANGES)
def receipt_cancel(receipt_id: int):
    receipt = _receipt(receipt_id)
    try:
        parts().issuer.cancel(receipt.id, officer=g.user.username, reason=reason_given())
        flash(f"Đã hủy biên lai số {format_number(receipt.number)}.", "ok")
    except (BadInput, Conflict, NotFound) as exc:
        flash(f"Không hủy được: {exc.message}", "error")
    return redirect(url_for("admin.receipt_detail", receipt_id=receipt.id))


@blueprint.post("/bien-lai/<int:receipt_id>/thay-the")
@require(*CHANGES)
def receipt_replace(receipt_id: int):
    receipt = _receipt(receipt_id)
    form = request.form
    payer = None
    if form.get("payer_name", "").strip():
        identity = form.get("payer_identity", "").strip() or None
        if identity and (not identity.isdigit() or len(identity) not in (9, 12)):
            abort(400, "Số định danh gồm 12 chữ số (hoặc 9 chữ số với CMND cũ).")
        payer = PayerInfo(
            form["payer_name"].strip()[:400], identity, form.get("payer_address", "").strip()[:400] or None
        )
    purpose = form.get("purpose", "").strip()[:400] or None
    try:
        issued = parts().issuer.replace(
            receipt.id, officer=g.user.username, reason=reason_given(), payer=payer, purpose=purpose
        )
    except (BadInput, Conflict, NotFound) as exc:
        flash(f"Không thay thế được: {exc.message}", "error")
        return redirect(url_for("admin.receipt_detail", receipt_id=receipt.id))
    flash(f"Đã lập biên lai thay thế số {format_number(issued.content.number)}.", "ok")
    return redirect(url_for("admin.receipt_detail", receipt_id=issued.receipt_id))


@blueprint.route("/nguoi-dung", methods=["GET", "POST"])
@require("administrator")
def users():
    services = parts()
    if request.method == "POST":
        form = request.form
        from ereceipt.web.admin.user_admin import check_agency

        check_agency(form.get("agency", "").strip() or None)
        try:
            with services.database.write() as db:
                add_user(
                    db,
                    form.get("username", ""),
                    form.get("role", ""),
                    form.get("agency", "").strip() or None,
                    form.get("password", ""),
                    actor=g.user.username,
                )
            flash(f"Đã tạo người dùng {form.get('username', '').strip()}.", "ok")
        except (BadInput, Conflict) as exc:
            flash(f"Không tạo được người dùng: {exc.message}", "error")
        return redirect(url_for("admin.users"))
    with services.database.read() as db:
        issuers = list(db.scalars(select(Issuer).order_by(Issuer.code)))
        if g.user.issuer_id is not None:  # an agency's administrator manages that agency only
            issuers = [issuer for issuer in issuers if issuer.id == g.user.issuer_id]
        codes = {issuer.id: issuer.code for issuer in issuers}
        rows = [
            (user, codes.get(user.issuer_id))
            for user in db.scalars(select(AdminUser).order_by(AdminUser.username))
            if g.user.issuer_id is None or user.issuer_id == g.user.issuer_id
        ]
    return render_template("admin_users.html", rows=rows, issuers=issuers, roles=ROLES)


@blueprint.get("/nhat-ky")
@require("administrator", "auditor")
def audit_trail():
    """Newest first, AUDIT_PAGE at a time; the next page goes on below the last event shown (by
    id, so it costs what the first page costs however long the trail)."""
    page = max(_int("trang", 1), 1)
    before_text = request.args.get("truoc", "").strip()
    if before_text and (not before_text.isdigit() or len(before_text) > 19):
        abort(400, "Liên kết trang không hợp lệ.")
    before = int(before_text) if before_text else None
    actor = request.args.get("nguoi", "").strip()[:100]
    query = select(AuditEvent)
    if actor:
        query = query.where(AuditEvent.actor == actor)
    if before is not None:
        query = query.where(AuditEvent.id < before)
    elif page > 1:
        query = query.offset((page - 1) * AUDIT_PAGE)
    with parts().database.read() as db:
        events = list(db.scalars(query.order_by(AuditEvent.id.desc()).limit(AUDIT_PAGE + 1)))
    rows = [(event, json.loads(event.details or "{}")) for event in events[:AUDIT_PAGE]]
    more = len(events) > AUDIT_PAGE
    return render_template(
        "admin_audit.html",
        rows=rows,
        page=page,
        more=more,
        after=rows[-1][0].id if more else None,
        actor=actor,
    )
