"""Admin page sessions kept on the server (OWASP ASVS 4.0 V3.3): a log-out ends the session for good.

The signed cookie alone would stay valid for its whole lifetime, copied or not. So each log-in opens
a record here, keyed by the SHA-256 of a random token that only the cookie carries; every request
must find its record open and younger than ``SESSION_LIFETIME``. Logging out ends that one record
(the user's sessions on other devices go on); a password reset or a deactivation ends them all.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from ereceipt.core.users.tables import AdminSession

SESSION_LIFETIME = timedelta(hours=8)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(session: Session, user_id: int) -> str:
    """A new session for ``user_id``; returns the token for the cookie (stored only as its hash)."""
    now = datetime.now(UTC)
    token = secrets.token_urlsafe(32)
    session.execute(
        delete(AdminSession).where(
            or_(AdminSession.created_at < now - SESSION_LIFETIME, AdminSession.ended_at.is_not(None))
        )
    )
    session.add(AdminSession(token_hash=_digest(token), user_id=user_id, created_at=now))
    return token


def session_owner(session: Session, token: str) -> int | None:
    """The user id of an open, unexpired session with this token; None for anything else."""
    if not token or len(token) > 100:
        return None
    return session.scalar(
        select(AdminSession.user_id).where(
            AdminSession.token_hash == _digest(token),
            AdminSession.ended_at.is_(None),
            AdminSession.created_at > datetime.now(UTC) - SESSION_LIFETIME,
        )
    )


def end_session(session: Session, token: str) -> None:
    """End one session (log-out): its cookie, wherever copied, opens nothing any more."""
    session.execute(
        update(AdminSession)
        .where(AdminSession.token_hash == _digest(token), AdminSession.ended_at.is_(None))
        .values(ended_at=datetime.now(UTC))
    )


def end_sessions_of(session: Session, user_id: int) -> None:
    """End every open session of a user (password reset, deactivation)."""
    session.execute(
        update(AdminSession)
        .where(AdminSession.user_id == user_id, AdminSession.ended_at.is_(None))
        .values(ended_at=datetime.now(UTC))
    )
