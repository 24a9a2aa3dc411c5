"""User management for administrators (OWASP ASVS 4.0 V2/V3): deactivate, role, password, lock-out.

A national administrator manages every user; an administrator of an agency only that agency's
users, and cannot give anyone the national level. The last active administrator can be neither
deactivated nor given another role. A reset password is shown once, on the answer page only
(never in a cookie or the log). Every change is in the audit trail.
"""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for

from ereceipt.core.errors import BadInput, Conflict, NotFound
from ereceipt.core.users import accounts
from ereceipt.core.users.tables import AdminUser
from ereceipt.web.admin import blueprint, require
from ereceipt.web.parts import parts


def check_agency(agency: str | None) -> None:
    """An agency's administrator gives only its own agency."""
    if g.user.issuer_id is not None and agency != g.user.issuer_code:
        abort(403, "Quản trị viên của một đơn vị chỉ quản lý người dùng của đơn vị đó.")


def _managed(session, user_id: int) -> AdminUser:
    user = session.get(AdminUser, user_id)
    if user is None or (g.user.issuer_id is not None and user.issuer_id != g.user.issuer_id):
        abort(404, "Không tìm thấy người dùng.")
    return user


def _change(user_id: int, action, done: str):
    try:
        with parts().database.write() as db:
            user = _managed(db, user_id)
            action(db, user)
            name = user.username
        flash(done.format(name=name), "ok")
    except (BadInput, Conflict, NotFound) as exc:
        flash(f"Không thực hiện được: {exc.message}", "error")
    return redirect(url_for("admin.users"))


@blueprint.post("/nguoi-dung/<int:user_id>/ngung")
@require("administrator")
def user_deactivate(user_id: int):
    action = lambda db, user: accounts.set_active(db, user.id, False, actor=g.user.username)  # noqa: E731
    return _change(user_id, action, "Đã ngừng hoạt động tài khoản {name}.")


@blueprint.post("/nguoi-dung/<int:user_id>/kich-hoat")
@require("administrator")
def user_reactivate(user_id: int):
    action = lambda db, user: accounts.set_active(db, user.id, True, actor=g.user.username)  # noqa: E731
    return _change(user_id, action, "Đã kích hoạt lại tài khoản {name}.")


@blueprint.post("/nguoi-dung/<int:user_id>/vai-tro")
@require("administrator")
def user_change_role(user_id: int):
    role, agency = request.form.get("role", ""), request.form.get("agency", "").strip() or None
    check_agency(agency)
    action = lambda db, user: accounts.change_role(db, user.id, role, agency, actor=g.user.username)  # noqa: E731
    return _change(user_id, action, "Đã đổi vai trò và đơn vị của {name}.")


@blueprint.post("/nguoi-dung/<int:user_id>/mo-khoa")
@require("administrator")
def user_unlock(user_id: int):
    action = lambda db, user: accounts.unlock(db, user.id, actor=g.user.username)  # noqa: E731
    return _change(user_id, action, "Đã mở khóa tài khoản {name}.")


@blueprint.post("/nguoi-dung/<int:user_id>/dat-lai-mat-khau")
@require("administrator")
def user_reset_password(user_id: int):
    with parts().database.write() as db:
        user = _managed(db, user_id)
        password = accounts.reset_password(db, user.id, actor=g.user.username)
        name = user.username
    return render_template("admin_new_password.html", name=name, password=password)
