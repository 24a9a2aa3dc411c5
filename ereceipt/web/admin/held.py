"""Held payments screen: bank transfers intake could not receipt, matched by hand or refunded.

Everyone reads the held payments they may see (an agency: those naming its cases; the national
level: all). Only approvers act, because matching numbers and signs a receipt and a refund sends
money back: an agency's approver on its own held payments and to its own cases, a national
approver on every one. Each decision is audited and kept in ``held_payment_resolution``.
"""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from sqlalchemy import select

from ereceipt.core.errors import BadInput, Conflict, NotFound
from ereceipt.core.intake import held_payments
from ereceipt.core.intake.tables import HeldPaymentResolution
from ereceipt.core.receipts.content import format_number
from ereceipt.core.receipts.tables import EnforcementCase, Payment
from ereceipt.web.admin import blueprint, queries, require
from ereceipt.web.admin.access import EVERYONE, reason_given
from ereceipt.web.parts import parts

RESOLVES = ("approver",)


def _visible(session, payment_id: int) -> Payment:
    """The held payment if this user may see it; otherwise not found, whether it exists or not."""
    query = queries.held_payments_query(g.user).where(Payment.id == payment_id)
    payment = session.scalar(query)
    if payment is None:
        abort(404, "Không tìm thấy khoản thanh toán treo.")
    return payment


@blueprint.get("/thanh-toan-treo", endpoint="held_payments")
@require(*EVERYONE)
def held_payments_list():
    with parts().database.read() as db:
        rows = list(
            db.scalars(queries.held_payments_query(g.user).order_by(Payment.recorded_at.desc()).limit(200))
        )
        codes = dict(
            db.execute(
                select(EnforcementCase.id, EnforcementCase.payment_code).where(
                    EnforcementCase.id.in_({p.case_id for p in rows if p.case_id})
                )
            ).all()
        )
        resolved = queries.scope(
            select(HeldPaymentResolution, Payment)
            .join(Payment, HeldPaymentResolution.payment_id == Payment.id)
            .outerjoin(EnforcementCase, Payment.case_id == EnforcementCase.id),
            g.user,
            EnforcementCase.issuer_id,
        )
        done = db.execute(resolved.order_by(HeldPaymentResolution.id.desc()).limit(50)).all()
    return render_template(
        "admin_held.html", rows=rows, codes=codes, done=done, may_resolve=g.user.role in RESOLVES
    )


@blueprint.post("/thanh-toan-treo/<int:payment_id>/khop")
@require(*RESOLVES)
def held_payment_match(payment_id: int):
    services = parts()
    with services.database.read() as db:
        _visible(db, payment_id)
    reason = reason_given()
    try:
        with services.database.write() as db:
            _visible(db, payment_id)
            case = held_payments.find_case(db, request.form.get("case_code", "")[:16])
            if not g.user.sees_issuer(case.issuer_id):
                raise BadInput(f"hồ sơ {case.payment_code} thuộc đơn vị khác")
            issued = held_payments.match_to_case(
                db, services.issuer, payment_id, case, by=g.user.username, reason=reason
            )
    except (BadInput, Conflict, NotFound) as exc:
        flash(f"Không khớp được: {exc.message}", "error")
        return redirect(url_for("admin.held_payments"))
    number = format_number(issued.content.number)
    flash(f"Đã khớp hồ sơ và lập biên lai {issued.content.series_symbol} số {number}.", "ok")
    return redirect(url_for("admin.receipt_detail", receipt_id=issued.receipt_id))


@blueprint.post("/thanh-toan-treo/<int:payment_id>/hoan-tien")
@require(*RESOLVES)
def held_payment_refund(payment_id: int):
    with parts().database.read() as db:
        _visible(db, payment_id)
    reason = reason_given()
    try:
        with parts().database.write() as db:
            _visible(db, payment_id)
            held_payments.mark_for_refund(db, payment_id, by=g.user.username, reason=reason)
        flash("Đã chuyển khoản thanh toán sang chờ hoàn tiền.", "ok")
    except (BadInput, Conflict, NotFound) as exc:
        flash(f"Không chuyển hoàn tiền được: {exc.message}", "error")
    return redirect(url_for("admin.held_payments"))
