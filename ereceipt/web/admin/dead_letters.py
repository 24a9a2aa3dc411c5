"""Dead letters screen: bank messages on the dead-letter queue, reprocessed or discarded by hand.

Bank messages are not an agency's: the national level reads them (auditors and administrators
too). Administrators and national approvers act: reprocess after a fix (republished to the
payments exchange, confirmed, then acknowledged) or discard with a reason (stored whole in the
database and audited first, then acknowledged). When RabbitMQ is down the page says so (503).
"""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, url_for

from ereceipt.core.errors import BadInput, NotFound, TransientOutage
from ereceipt.core.intake.dead_letters import DeadLetter, discard_reason, keep_discarded, record_reprocessed
from ereceipt.web.admin import blueprint, require
from ereceipt.web.admin.access import EVERYONE, reason_given
from ereceipt.web.parts import parts

PREVIEW = 2000  # characters of a body shown


def _national() -> None:
    if not g.user.sees_all_agencies:
        abort(403, "Thư lỗi của ngân hàng chỉ dành cho cấp trung ương.")


def _may_act() -> bool:
    return g.user.role == "administrator" or (g.user.role == "approver" and g.user.national)


def dead_letter_count() -> int | None:
    """For the dashboard: messages on the dead-letter queue, None when the broker cannot be reached."""
    try:
        return parts().dead_letters().count()
    except TransientOutage:
        return None


@blueprint.get("/thu-loi")
@require(*EVERYONE)
def dead_letters():
    _national()
    try:
        letters, error = parts().dead_letters().browse(), None
    except TransientOutage as exc:
        letters, error = [], exc.message
    page = render_template(
        "admin_dead_letters.html", letters=letters, error=error, may_act=_may_act(), preview=PREVIEW
    )
    return (page, 503) if error else page


def _allowed() -> None:
    _national()
    if not _may_act():
        abort(403, "Chỉ quản trị viên hoặc người phê duyệt cấp trung ương xử lý thư lỗi.")


def _act(kind: str, action) -> object:
    try:
        letter = action()
    except TransientOutage as exc:
        flash(f"Không {kind} được: {exc.message}", "error")
    except (BadInput, NotFound) as exc:
        flash(f"Không {kind} được: {exc.message}", "error")
    else:
        flash(f"Đã {kind} thư {letter.message_id or '(không có message_id)'}.", "ok")
    return redirect(url_for("admin.dead_letters"))


@blueprint.post("/thu-loi/<key>/xu-ly-lai")
@require("administrator", "approver")
def dead_letter_reprocess(key: str):
    _allowed()
    services = parts()

    def reprocess():
        # The audit row commits only if the republish was confirmed and the dead letter acknowledged.
        with services.database.write() as db:

            def audit(letter: DeadLetter) -> None:
                record_reprocessed(
                    db, message_id=letter.message_id, app_id=letter.app_id, dead_reason=letter.reason,
                    by=g.user.username,
                )  # fmt: skip

            return services.dead_letters().reprocess(key[:64], before_ack=audit)

    return _act("xử lý lại", reprocess)


@blueprint.post("/thu-loi/<key>/bo")
@require("administrator", "approver")
def dead_letter_discard(key: str):
    _allowed()
    services = parts()
    reason = reason_given()

    def discard():
        discard_reason(reason)

        def keep(letter: DeadLetter) -> None:
            with services.database.write() as db:  # committed before the acknowledgement
                keep_discarded(
                    db, message_id=letter.message_id, app_id=letter.app_id, routing_key=letter.routing_key,
                    properties=letter.properties_record(), body=letter.body, dead_reason=letter.reason,
                    reason=reason, by=g.user.username,
                )  # fmt: skip

        return services.dead_letters().discard(key[:64], keep=keep)

    return _act("bỏ", discard)
