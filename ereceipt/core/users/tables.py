"""Storage of the admin page's users (OWASP ASVS 4.0 V2/V3): name, role, agency, hash, sessions, lock-out.

The schema is created by migrations ``0004_admin`` and ``0013_sessions_and_throttle``; the tables
share the engine's ``Base``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ereceipt.core.storage.base import Base, Id, UTCDateTime

ROLES = ("officer", "approver", "auditor", "administrator")


class AdminUser(Base):
    """A person who logs in to the admin page; ``issuer_id`` empty means the national level."""

    __tablename__ = "admin_user"
    __table_args__ = (
        CheckConstraint("role IN ('officer', 'approver', 'auditor', 'administrator')", name="role_known"),
    )
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    issuer_id: Mapped[int | None] = mapped_column(ForeignKey("issuer.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AdminSession(Base):
    """One logged-in session of the admin page (OWASP ASVS 4.0 V3.3): valid while not ended and young.

    The cookie carries a random token; only its SHA-256 is stored, so reading this table gives
    nobody a session. Logging out ends this one session; a password reset or deactivation ends them all.
    """

    __tablename__ = "admin_session"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("admin_user.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class LoginFailure(Base):
    """A failed log-in: which name was tried, from which client address, when (kept for a day)."""

    __tablename__ = "login_failure"
    __table_args__ = (Index("ix_login_failure_username_at", "username", "at"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    username: Mapped[str] = mapped_column(String(100))
    client: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
