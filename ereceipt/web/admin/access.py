"""Who is logged in to the admin pages and from where, and the reason every recorded change must carry."""

from __future__ import annotations

import ipaddress

from flask import abort, request, session

from ereceipt.core.users.accounts import CurrentUser, load_user
from ereceipt.core.users.sessions import session_owner
from ereceipt.web.parts import parts

EVERYONE = ("officer", "approver", "auditor", "administrator")


def reason_given() -> str:
    """The form's ``reason``, required for every change that the audit trail records."""
    reason = request.form.get("reason", "").strip()
    if not reason:
        abort(400, "Cần ghi lý do.")
    return reason[:400]


def signed_in_user() -> CurrentUser | None:
    """The user of this request's session: its cookie must name an open session on the server (ended at
    log-out), of an active user whose password has not changed since; else None, and the cookie is emptied.
    """
    token = session.get("sid")
    if not token:
        return None
    with parts().database.read() as db:
        user_id = session_owner(db, token)
        user = load_user(db, user_id) if user_id is not None and user_id == session.get("user_id") else None
    if user is None or session.get("stamp") != user.stamp:
        session.clear()  # ended, expired, deactivated, or the password was reset since this log-in
        return None
    return user


def client_address() -> str:
    """The client's address: the peer's, or the one a listed proxy forwarded ([server] trusted_proxies)."""
    return (request.remote_addr or "unknown")[:64]


def from_trusted_network() -> bool:
    """Whether the client's address is in ``[server] login_trusted_networks``."""
    try:
        address = ipaddress.ip_address(client_address())
    except ValueError:
        return False
    return any(address in network for network in parts().settings.login_trusted_networks)
