"""Admin page users (OWASP ASVS 4.0 V2): argon2id password hashes (RFC 9106), roles, log-in throttling.

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
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from ereceipt.core.errors import BadInput, Conflict, NotFound
from ereceipt.core.receipts.tables import Issuer
from ereceipt.core.storage import audit
from ereceipt.core.storage.database import Database
from ereceipt.core.users.sessions import end_sessions_of
from ereceipt.core.users.tables import ROLES, AdminUser, LoginFailure

HASHER = PasswordHasher()
FREE_FAILURES = 5  # failed log-ins from one address allowed before that address waits
FIRST_WAIT = timedelta(seconds=30)  # doubled with every further failure
LONGEST_WAIT = timedelta(minutes=30)
ACCOUNT_ADDRESSES = 10  # failures for one name from this many addresses lock the name everywhere...
ACCOUNT_WINDOW = timedelta(minutes=15)  # ...while they fall within this window (trusted networks excepted)
FAILURES_KEPT = timedelta(days=1)  # failed log-ins older than this are forgotten
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
    """How long one address waits for a name after ``failures`` failed log-ins from it (None: not at all)."""
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
    """The user when the log-in succeeded; None for every failure, whatever its cause."""

    user: CurrentUser | None


def authenticate(
    database: Database, username: str, password: str, *, client: str = "unknown", trusted: bool = False
) -> LoginResult:
    """Check a log-in from the client address ``client``; ``trusted``: that address is in a trusted network.

    Every failure (unknown name, wrong password, deactivated, locked) does the same work, one
    password hash verification and one failure recorded, and gives the same answer, so that neither
    the answer nor its time tells whether the name exists or is locked. Failures are throttled per
    (name, address) and, when they come from many addresses, per name: see ``locked``.
    """
    now = datetime.now(UTC)
    username = username.strip()
    client = client[:64]
    with database.write() as session:
        user = session.scalar(select(AdminUser).where(AdminUser.username == username).with_for_update())
        blocked = locked(session, username, client, trusted=trusted, now=now)
        matches = _verify(user.password_hash if user is not None else _DUMMY_HASH, password)
        if user is None or not user.active or blocked or not matches:
            _record_failure(session, username, client, now)
            if user is not None:
                user.failed_logins += 1
                if account_locked(session, username, now=now):
                    user.locked_until = now + ACCOUNT_WINDOW
                audit.record(
                    session, user.username, "user.login_failed", "admin_user", user.id, client=client
                )
            return LoginResult(None)
        session.execute(
            delete(LoginFailure).where(LoginFailure.username == username, LoginFailure.client == client)
        )
        user.failed_logins, user.locked_until = 0, None
        if HASHER.check_needs_rehash(user.password_hash):
            user.password_hash = HASHER.hash(password)
        audit.record(session, user.username, "user.logged_in", "admin_user", user.id, client=client)
        return LoginResult(_current(session, user))


def locked(session: Session, username: str, client: str, *, trusted: bool, now: datetime) -> bool:
    """Whether a log-in as ``username`` from ``client`` is refused now, whatever the password.

    Per (name, address): after ``FREE_FAILURES`` failures from that address since its last success,
    it waits ``lock_wait`` after its latest failure. Per name: while failures from at least
    ``ACCOUNT_ADDRESSES`` addresses fell in the last ``ACCOUNT_WINDOW`` (a distributed guess), every
    address outside the trusted networks is refused. One address alone can never lock a name for others.
    """
    count, latest = session.execute(
        select(func.count(), func.max(LoginFailure.at)).where(
            LoginFailure.username == username, LoginFailure.client == client
        )
    ).one()
    wait = lock_wait(count)
    if wait is not None and latest is not None and latest + wait > now:
        return True
    return not trusted and account_locked(session, username, now=now)


def account_locked(session: Session, username: str, *, now: datetime) -> bool:
    """Whether failures for ``username`` came from ``ACCOUNT_ADDRESSES`` addresses or more in the window."""
    addresses = session.scalar(
        select(func.count(func.distinct(LoginFailure.client))).where(
            LoginFailure.username == username, LoginFailure.at > now - ACCOUNT_WINDOW
        )
    )
    return addresses >= ACCOUNT_ADDRESSES


def _record_failure(session: Session, username: str, client: str, now: datetime) -> None:
    session.add(LoginFailure(username=username[:100], client=client, at=now))
    old = select(LoginFailure.id).where(LoginFailure.at < now - FAILURES_KEPT)
    session.execute(delete(LoginFailure).where(LoginFailure.id.in_(old.with_for_update(skip_locked=True))))


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
    if not active:
        end_sessions_of(session, user.id)
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
    session.execute(delete(LoginFailure).where(LoginFailure.username == user.username))
    end_sessions_of(session, user.id)
    audit.record(session, actor, "user.password_reset", "admin_user", user.id, username=user.username)
    return password


def unlock(session: Session, user_id: int, *, actor: str) -> AdminUser:
    """End a lock-out after failed log-ins now (from every address), instead of waiting for it to run out."""
    user = _user(session, user_id)
    user.failed_logins, user.locked_until = 0, None
    session.execute(delete(LoginFailure).where(LoginFailure.username == user.username))
    audit.record(session, actor, "user.unlocked", "admin_user", user.id, username=user.username)
    return user
