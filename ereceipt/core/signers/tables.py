"""The signer record's tables (SQLAlchemy 2): each issuer's signing certificates, pinned, and delegations.

A certificate is on record for one issuer, pinned by its whole DER and its SHA-256 fingerprint, with
the period it is in use: from ``valid_from`` until ``retired_at`` (none: still in use). A delegation
says that issuer ``issuer_id``'s receipts may be signed with a certificate on record for agency
``signer_issuer_id`` during its period. Changes are recorded in the audit trail (``audit_event``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ereceipt.core.storage.base import Base, Id, UTCDateTime


class SigningCertificate(Base):
    """A certificate that may sign the receipts of one issuer, in the period it is in use."""

    __tablename__ = "signing_certificate"
    __table_args__ = (UniqueConstraint("issuer_id", "fingerprint", name="issuer_fingerprint"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    issuer_id: Mapped[int] = mapped_column(ForeignKey("issuer.id"), index=True)
    fingerprint: Mapped[str] = mapped_column(String(64), index=True)  # SHA-256 of the DER, hexadecimal
    certificate_der: Mapped[bytes] = mapped_column(LargeBinary)
    subject: Mapped[str] = mapped_column(String(1000))
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Only for certificates on record from before the tax-code rule (registered by migration 0015).
    tax_code_exempt: Mapped[bool] = mapped_column(Boolean, default=False)
    added_by: Mapped[str] = mapped_column(String(100))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SignerDelegation(Base):
    """Issuer ``issuer_id``'s receipts may be signed by agency ``signer_issuer_id``'s certificates."""

    __tablename__ = "signer_delegation"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    issuer_id: Mapped[int] = mapped_column(ForeignKey("issuer.id"), index=True)
    signer_issuer_id: Mapped[int] = mapped_column(ForeignKey("issuer.id"))
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime)
    valid_to: Mapped[datetime | None] = mapped_column(UTCDateTime)
    added_by: Mapped[str] = mapped_column(String(100))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime)
