"""The admin page's delivery screen: payer notices failed or waiting, and resending a failed one.

Scoped like the receipts: an officer or approver of an agency sees and resends only the notices
of that agency's receipts; another agency's notice is answered as not found. Resending is audited
(``notice.resent``). The notice counts also go to ``/metrics``, read from the database at each
scrape so that they are the same whichever process sends the notices.
"""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from sqlalchemy import func, select

from ereceipt.core.delivery import notices
from ereceipt.core.delivery.outbox import FAILED, PENDING, SENT, PayerNotice
from ereceipt.core.errors import BadInput, Conflict, NotFound
from ereceipt.core.receipts.tables import Receipt
from ereceipt.web.admin import blueprint, require
from ereceipt.web.admin.queries import scope
from ereceipt.web.parts import parts

EVERYONE = ("officer", "approver", "auditor", "administrator")
RESENDERS = ("officer", "approver")
STATES = {FAILED: "Gửi không thành công", PENDING: "Đang chờ gửi", SENT: "Đã gửi"}
CHANNELS = {"EMAIL": "Thư điện tử", "SMS": "Tin nhắn SMS"}
PAGE = 200


@blueprint.app_template_filter("notice_state")
def notice_state(status: str) -> str:
    return STATES.get(status, status)


@blueprint.app_template_filter("notice_channel")
def notice_channel(channel: str) -> str:
    return CHANNELS.get(channel, channel)


@blueprint.get("/thong-bao")
@require(*EVERYONE)
def notices_list():
    wanted = request.args.get("trang_thai", "")
    states = [wanted] if wanted in STATES else [FAILED, PENDING]
    query = (
        select(PayerNotice, Receipt)
        .join(Receipt, Receipt.id == PayerNotice.receipt_id)
        .where(PayerNotice.status.in_(states))
    )
    counted = scope(
        select(PayerNotice.status, func.count())
        .join(Receipt, Receipt.id == PayerNotice.receipt_id)
        .group_by(PayerNotice.status),
        g.user,
    )
    with parts().database.read() as db:
        rows = db.execute(scope(query, g.user).order_by(PayerNotice.id.desc()).limit(PAGE)).all()
        totals = dict(db.execute(counted).all())
    return render_template(
        "admin_delivery.html",
        rows=rows,
        totals={state: totals.get(state, 0) for state in STATES},
        wanted=wanted if wanted in STATES else "",
        may_resend=g.user.role in RESENDERS,
    )


@blueprint.post("/thong-bao/<int:notice_id>/gui-lai")
@require(*RESENDERS)
def notice_resend(notice_id: int):
    services = parts()
    with services.database.read() as db:
        issuer_id = db.scalar(
            select(Receipt.issuer_id)
            .join(PayerNotice, PayerNotice.receipt_id == Receipt.id)
            .where(PayerNotice.id == notice_id)
        )
    if issuer_id is None or not g.user.sees_issuer(issuer_id):
        abort(404, "Không tìm thấy thông báo.")
    recipient = request.form.get("recipient", "").strip()[:254] or None
    try:
        with services.database.write() as db:
            notice = notices.resend(db, notice_id, actor=g.user.username, recipient=recipient)
            flash(f"Đã đưa thông báo tới {notice.recipient} vào hàng chờ gửi lại.", "ok")
    except (BadInput, Conflict, NotFound) as exc:
        flash(f"Không gửi lại được: {exc.message}", "error")
    return redirect(url_for("admin.notices_list"))
