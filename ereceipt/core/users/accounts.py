"""Admin page users (OWASP ASVS 4.0 V2): argon2id password hashes (RFC 9106), roles, lock-out with back-off.

Roles: officer (enters and corrects), approver (cancels and replaces), auditor (reads everything,
changes nothing), administrator (users and settings). A user without an agency is at the national
level and sees every agency; officers and approvers with an agency see only that agency.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ereceipt.core.errors import BadInput, Conflict, NotFound
from ereceipt.core.receipts.tables import Issuer
from ereceipt.core.storage import audit
from ereceipt.core.storage.database import Database
from ereceipt.core.users.tables import ROLES, AdminUser

HASHER = PasswordHasher()
FREE_FAILURES = 5  # failed log-ins allowed before the account waits
FIRST_WAIT = timedelta(seconds=30)  # doubled with every further failure
LONGEST_WAIT = timedelta(minutes=30)
MIN_PASSWORD = 10
# Verified against when the user name is unknown, so that the answer takes as long either way.
_DUMMY_HASH = HASHER.hash("not a password of anyone")


@dataclass(frozen=True)
class CurrentUser:
    """The user of one request, as read from the database."""

    id: int
    username: str
    role: str
    issuer_id: int | None
    issuer_code: str | None
    stamp: str = ""  # changes with the password: a session made before a reset is no longer accepted

    @property
    def national(self) -> bool:
        return self.issuer_id is None

    @property
    def sees_all_agencies(self) -> bool:
        """National users, auditors and administrators read every agency; the others only their own."""
        return self.national or self.role in {"auditor", "administrator"}

    def sees_issuer(self, issuer_id: int) -> bool:
        return self.sees_all_agencies or self.issuer_id == issuer_id


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise BadInput(f"a password needs at least {MIN_PASSWORD} characters")
    return HASHER.hash(password)


def new_password() -> str:
    return secrets.token_urlsafe(15)


def lock_wait(failures: int) -> timedelta | None:
    """How long an account waits after ``failures`` consecutive failed log-ins (None: not at all)."""
    if failures < FREE_FAILURES:
        return None
    return min(FIRST_WAIT * 2 ** min(failures - FREE_FAILURES, 16), LONGEST_WAIT)


def _current(session: Session, user: AdminUser) -> CurrentUser:
    code = session.scalar(select(Issuer.code).where(Issuer.id == user.issuer_id)) if user.issuer_id else None
    stamp = hashlib.sha256(user.password_hash.encode()).hexdigest()[:20]
    return CurrentUser(user.id, user.username, user.role, user.issuer_id, code, stamp)


def add_user(
    session: Session, username: str, role: str, agency: str | None, password: str, *, actor: str
) -> AdminUser:
    """Create a user; the agency is an issuer code, or None for the national level."""
    username = username.strip()
    if not username or len(username) > 100 or any(c.isspace() for c in username):
        raise BadInput("a user name is 1 to 100 characters without spaces")
    if role not in ROLES:
        raise BadInput(f"unknown role {role!r}; one of {', '.join(ROLES)}")
    issuer_id = None
    if agency:
        issuer_id = session.scalar(select(Issuer.id).where(Issuer.code == agency))
        if issuer_id is None:
            raise BadInput(f"unknown agency {agency!r}")
    if session.scalar(select(AdminUser.id).where(AdminUser.username == username)) is not None:
        raise Conflict(f"user {username!r} exists already")
    user = AdminUser(
        username=username,
        password_hash=hash_password(password),
        role=role,
        issuer_id=issuer_id,
        active=True,
        created_at=datetime.now(UTC),
        failed_logins=0,
    )
    session.add(user)
    session.flush()
    audit.record(
        session, actor, "user.added", "admin_user", user.id, username=username, role=role, agency=agency
    )
    return user


def ensure_first_administrator(database: Database) -> tuple[str, str] | None:
    """Create the administrator ``admin`` when there is no user; returns (name, password) once."""
    with database.write() as session:
        if session.scalar(select(func.count()).select_from(AdminUser)):
            return None
        password = new_password()
        add_user(session, "admin", "administrator", None, password, actor="ereceipt init")
        return "admin", password


@dataclass(frozen=True)
class LoginResult:
    user: CurrentUser | None
    locked_until: datetime | None = None


def authenticate(database: Database, username: str, password: str) -> LoginResult:
    """Check a log-in; failures count per user and lock the account for a growing time."""
    now = datetime.now(UTC)
    with database.write() as session:
        user = session.scalar(
            select(AdminUser).where(AdminUser.username == username.strip()).with_for_update()
        )
        if user is None or not user.active:
            _verify(_DUMMY_HASH, password)
            return LoginResult(None)
        if user.locked_until and user.locked_until > now:
            return LoginResult(None, user.locked_until)
        if not _verify(user.password_hash, password):
            user.failed_logins += 1
            wait = lock_wait(user.failed_logins)
            user.locked_until = now + wait if wait else None
            audit.record(session, user.username, "user.login_failed", "admin_user", user.id)
            return LoginResult(None, user.locked_until)
        user.failed_logins, user.locked_until = 0, None
        if HASHER.check_needs_rehash(user.password_hash):
            user.password_hash = HASHER.hash(password)
        audit.record(session, user.username, "user.logged_in", "admin_user", user.id)
        return LoginResult(_current(session, user))


def _verify(hashed: str, password: str) -> bool:
    try:
        return HASHER.verify(hashed, password)
    except (VerificationError, InvalidHashError):
        return False


def load_user(session: Session, user_id: int) -> CurrentUser | None:
    """The active user with that id, for each request of a logged-in session."""
    user = session.get(AdminUser, user_id)
    return _current(session, user) if user is not None and user.active else None


def _user(session: Session, user_id: int) -> AdminUser:
    user = session.scalar(select(AdminUser).where(AdminUser.id == user_id).with_for_update())
    if user is None:
        raise NotFound(f"no user with id {user_id}")
    return user


def _lock_administrators(session: Session) -> list[int]:
    """Lock the active administrators' rows, always in id order (so that two changes cannot deadlock)."""
    query = select(AdminUser.id).where(AdminUser.role == "administrator", AdminUser.active.is_(True))
    return list(session.scalars(query.order_by(AdminUser.id).with_for_update()))


def _keep_an_administrator(administrators: list[int], user: AdminUser) -> None:
    """Refuse to take the last active administrator away."""
    if user.active and user.role == "administrator" and administrators == [user.id]:
        raise Conflict(f"{user.username} is the last active administrator")


def set_active(session: Session, user_id: int, active: bool, *, actor: str) -> AdminUser:
    """Deactivate (the user can no longer log in; open sessions end at their next request) or reactivate."""
    administrators = _lock_administrators(session)
    user = _user(session, user_id)
    if user.active == active:
        return user
    if not active:
        _keep_an_administrator(administrators, user)
    user.active = active
    action = "user.reactivated" if active else "user.deactivated"
    audit.record(session, actor, action, "admin_user", user.id, username=user.username)
    return user


def change_role(session: Session, user_id: int, role: str, agency: str | None, *, actor: str) -> AdminUser:
    """Give a user another role and/or agency (an issuer code, or None for the national level)."""
    if role not in ROLES:
        raise BadInput(f"unknown role {role!r}; one of {', '.join(ROLES)}")
    issuer_id = None
    if agency:
        issuer_id = session.scalar(select(Issuer.id).where(Issuer.code == agency))
        if issuer_id is None:
            raise BadInput(f"unknown agency {agency!r}")
    administrators = _lock_administrators(session)
    user = _user(session, user_id)
    if role != user.role:
        _keep_an_administrator(administrators, user)
    before = {"role": user.role, "issuer_id": user.issuer_id}
    user.role, user.issuer_id = role, issuer_id
    audit.record(
        session, actor, "user.role_changed", "admin_user", user.id,
        username=user.username, before=before, role=role, agency=agency,
    )  # fmt: skip
    return user


def reset_password(session: Session, user_id: int, *, actor: str) -> str:
    """Give the user a new random password, returned once (shown to the administrator, never stored)."""
    user = _user(session, user_id)
    password = new_password()
    user.password_hash = hash_password(password)
    user.failed_logins, user.locked_until = 0, None
    audit.record(session, actor, "user.password_reset", "admin_user", user.id, username=user.username)
    return password


def unlock(session: Session, user_id: int, *, actor: str) -> AdminUser:
    """End a lock-out after failed log-ins now, instead of waiting for it to run out."""
    user = _user(session, user_id)
    user.failed_logins, user.locked_until = 0, None
    audit.record(session, actor, "user.unlocked", "admin_user", user.id, username=user.username)
    return user
