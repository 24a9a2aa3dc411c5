"""Storage of the admin page's users (OWASP ASVS 4.0 V2 authentication): name, role, agency, hash, lock-out.

The schema is created by migration ``0004_admin``; the tables share the engine's ``Base``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String
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
