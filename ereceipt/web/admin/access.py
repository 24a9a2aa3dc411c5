"""Who may open the admin pages, and what every change an officer makes must carry: a reason."""

from __future__ import annotations

from flask import abort, request

EVERYONE = ("officer", "approver", "auditor", "administrator")


def reason_given() -> str:
    """The form's ``reason``, required for every change that the audit trail records."""
    reason = request.form.get("reason", "").strip()
    if not reason:
        abort(400, "Cần ghi lý do.")
    return reason[:400]
