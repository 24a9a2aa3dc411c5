"""The officers' admin page under ``/admin``: sessions, CSRF, roles, scoping (OWASP ASVS 4.0).

Log-in with a user name and an argon2id password; the signed session cookie is HttpOnly,
SameSite=Lax and Secure when ``[server] public_url`` is https, and names a session kept on the
server, which log-out ends (``core.users.sessions``). Every POST carries the session's
CSRF token. Pages refuse the anonymous (redirect to the log-in page, 401 for JSON) and the wrong
role (403); a receipt of another agency is answered as not found (404), so its existence does not leak.
"""

from __future__ import annotations

import hmac
import os
import secrets
from collections.abc import Callable
from functools import wraps
from pathlib import Path

from flask import Blueprint, Flask, abort, g, jsonify, redirect, request, session, url_for

from ereceipt.core.users.sessions import SESSION_LIFETIME
from ereceipt.web.admin.access import signed_in_user

blueprint = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates")
PUBLIC_ENDPOINTS = {"admin.login"}
ROLE_LABELS = {
    "officer": "Cán bộ nghiệp vụ",
    "approver": "Người phê duyệt",
    "auditor": "Kiểm toán viên",
    "administrator": "Quản trị viên",
}


def session_secret(path: Path) -> bytes:
    """The key that signs session cookies: made once (random, mode 0600) and then read by every process.

    Server processes start together, so the key is written whole to a file of this process's own and
    then linked into place, which succeeds for one process only; the others read the complete file
    (creating it empty and writing it after would let a second process read it empty in between).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        fresh = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        descriptor = os.open(fresh, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as output:
            output.write(secrets.token_hex(32).encode() + b"\n")
        try:
            os.link(fresh, path)
        except FileExistsError:
            pass  # another process was first: its key is the one
        finally:
            fresh.unlink()
    secret = path.read_bytes().strip()
    if len(secret) < 32:
        raise ValueError(f"session secret {path} is shorter than 32 bytes")
    return secret


def configure(app: Flask, secret: bytes, public_url: str) -> None:
    """Session cookie settings and the blueprint; called by ``create_app``."""
    import ereceipt.web.admin.delivery  # noqa: F401 (the payer notices screen)

    app.secret_key = secret
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=public_url.startswith("https://"),
        SESSION_COOKIE_NAME="ereceipt_admin",
        PERMANENT_SESSION_LIFETIME=SESSION_LIFETIME,
    )
    from ereceipt.web.admin import (  # noqa: F401 (importing registers the routes)
        approval,
        counter,
        dead_letters,
        held,
        reconciliation,
        user_admin,
        views,
    )

    app.register_blueprint(blueprint)


def csrf_token() -> str:
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


@blueprint.app_template_global("csrf_field")
def csrf_field():
    from markupsafe import Markup

    return Markup('<input type="hidden" name="csrf_token" value="{}">').format(csrf_token())


@blueprint.before_request
def guard():
    """CSRF on every POST, then the logged-in user (session and user re-read from the database every time)."""
    if request.method == "POST":
        sent, expected = request.form.get("csrf_token", ""), session.get("csrf", "")
        if not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
            abort(403, "Phiên làm việc không hợp lệ hoặc đã hết hạn. Vui lòng tải lại trang.")
    g.user = signed_in_user()
    if g.user is None and request.endpoint not in PUBLIC_ENDPOINTS:
        if request.path.endswith(".json"):
            return jsonify(error="chưa đăng nhập"), 401
        return redirect(url_for("admin.login", next=request.path))
    return None


@blueprint.after_request
def no_store(response):
    """Admin pages are never cached; the security headers of every page are added by the application
    (``ereceipt.web.security_headers``)."""
    response.headers["Cache-Control"] = "no-store"
    return response


def require(*roles: str) -> Callable:
    """Refuse (403) a user whose role is not one of ``roles``."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def checked(*args, **kwargs):
            if g.user.role not in roles:
                abort(403, "Bạn không có quyền thực hiện thao tác này.")
            return view(*args, **kwargs)

        return checked

    return decorate


@blueprint.app_template_filter("role_label")
def role_label(role: str) -> str:
    return ROLE_LABELS.get(role, role)
