"""The receipt register's tables (SQLAlchemy 2): issuers, series, counters, cases, payments, receipts.

Money columns are BIGINT holding whole đồng, with CHECK constraints; timestamps are stored in UTC.
``failed_lookup`` counts failed public look-ups per client address; ``daily_figure`` holds the
dashboard's per-day figures (``daily_figures``).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ereceipt.core.storage.base import Base, Id, UTCDateTime


class Issuer(Base):
    """An enforcement agency that issues receipts (cục or chi cục thi hành án dân sự)."""

    __tablename__ = "issuer"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(400))
    tax_code: Mapped[str] = mapped_column(String(14))
    address: Mapped[str] = mapped_column(String(400))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("issuer.id"))
    # The account payers transfer to, for VietQR codes (NAPAS bank BIN and account number).
    bank_bin: Mapped[str | None] = mapped_column(String(6))
    bank_account: Mapped[str | None] = mapped_column(String(19))


class ReceiptSeries(Base):
    __tablename__ = "receipt_series"
    __table_args__ = (
        UniqueConstraint("issuer_id", "template_number", "series_symbol", name="issuer_template"),
    )
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    issuer_id: Mapped[int] = mapped_column(ForeignKey("issuer.id"))
    template_number: Mapped[str] = mapped_column(String(20))
    series_symbol: Mapped[str] = mapped_column(String(10))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    issuer: Mapped[Issuer] = relationship(lazy="joined")


class SeriesCounter(Base):
    """The last number given in a series and year (Decree 123 art. 32: gapless, restarting 1 January)."""

    __tablename__ = "series_counter"
    series_id: Mapped[int] = mapped_column(ForeignKey("receipt_series.id"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer)


class EnforcementCase(Base):
    __tablename__ = "enforcement_case"
    __table_args__ = (CheckConstraint("amount_due >= 0", name="amount_due_not_negative"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    issuer_id: Mapped[int] = mapped_column(ForeignKey("issuer.id"))
    payment_code: Mapped[str] = mapped_column(String(16), unique=True)
    judgment_number: Mapped[str] = mapped_column(String(100))
    decision_number: Mapped[str] = mapped_column(String(100))
    obligor_name: Mapped[str] = mapped_column(String(400))
    obligor_id_number: Mapped[str | None] = mapped_column(String(12), index=True)
    obligor_address: Mapped[str | None] = mapped_column(String(400))
    amount_due: Mapped[int] = mapped_column(BigInteger)
    purpose: Mapped[str] = mapped_column(String(400))
    issuer: Mapped[Issuer] = relationship(lazy="joined")


class Payment(Base):
    """Money received, identified by its source and that source's own reference."""

    __tablename__ = "payment"
    __table_args__ = (
        UniqueConstraint("source", "external_reference", name="source_reference"),
        CheckConstraint("amount > 0", name="amount_positive"),
        # Held payments, newest first, and their count on the dashboard: only the few held are indexed.
        Index(
            "ix_payment_held",
            "recorded_at",
            postgresql_where=text("status = 'HELD'"),
            sqlite_where=text("status = 'HELD'"),
        ),
    )
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    source: Mapped[str] = mapped_column(String(40))
    external_reference: Mapped[str] = mapped_column(String(100))
    amount: Mapped[int] = mapped_column(BigInteger)
    payer_name: Mapped[str] = mapped_column(String(400))
    payer_id_number: Mapped[str | None] = mapped_column(String(12))
    payer_address: Mapped[str | None] = mapped_column(String(400))
    paid_at: Mapped[datetime] = mapped_column(UTCDateTime)
    remittance_text: Mapped[str | None] = mapped_column(String(400))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("enforcement_case.id"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    hold_reason: Mapped[str | None] = mapped_column(String(400))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Receipt(Base):
    __tablename__ = "receipt"
    __table_args__ = (
        UniqueConstraint("series_id", "year", "number", name="series_year_number"),
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("number >= 1 AND number <= 9999999", name="number_seven_digits"),
        # An issuer's receipts newest first (searchReceipts, the admin list: keyset pages), a page's
        # rows picked from the index alone on PostgreSQL. Migrations add, on PostgreSQL only,
        # ix_receipt_issued (the same across issuers: the national list) and
        # ix_receipt_payer_name_trgm (trigram GIN on lower(payer_name), for the name search).
        Index(
            "ix_receipt_issuer_issued",
            "issuer_id",
            "issued_at",
            "id",
            postgresql_include=["status", "amount"],
        ),
        # Receipts still at level B, oldest first: what the time-stamping job takes.
        Index("ix_receipt_signature_level", "signature_level", "id"),
    )
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    issuer_id: Mapped[int] = mapped_column(ForeignKey("issuer.id"))  # indexed by ix_receipt_issuer_issued
    series_id: Mapped[int] = mapped_column(ForeignKey("receipt_series.id"))
    year: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)
    lookup_code: Mapped[str] = mapped_column(String(16), unique=True)
    status: Mapped[str] = mapped_column(String(20))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    amount: Mapped[int] = mapped_column(BigInteger)
    payer_name: Mapped[str] = mapped_column(String(400))
    payer_id_number: Mapped[str | None] = mapped_column(String(12), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("enforcement_case.id"), index=True)
    # Not unique: a replacement receipt names the same payment as the cancelled one it replaces.
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payment.id"), index=True)
    payment_method: Mapped[str] = mapped_column(String(20))
    payment_reference: Mapped[str | None] = mapped_column(String(100))
    issuing_officer: Mapped[str] = mapped_column(String(100))
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("receipt.id"), unique=True)
    signed_xml: Mapped[bytes] = mapped_column(LargeBinary)
    # core.signatures.identity: what makes two receipt documents the same receipt.
    identity_digest: Mapped[str | None] = mapped_column(String(64), index=True)
    # The signature's baseline level (core.signatures.xades_t): B when issued, T once time-stamped.
    signature_level: Mapped[str] = mapped_column(String(3), default="B", server_default="B")
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_by: Mapped[str | None] = mapped_column(String(100))
    cancel_reason: Mapped[str | None] = mapped_column(String(400))
    series: Mapped[ReceiptSeries] = relationship(lazy="joined")


class FailedLookup(Base):
    """A public look-up that found nothing, kept briefly to limit guessing across all server processes."""

    __tablename__ = "failed_lookup"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    client: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class LookupGuard(Base):
    """One row per client address that has failed a look-up: locked while that client's failures are
    counted and a new one recorded, so that parallel guesses are counted one after another."""

    __tablename__ = "lookup_guard"
    client: Mapped[str] = mapped_column(String(64), primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class DailyFigure(Base):
    """How many receipts an issuer issued on a Vietnam day that are not cancelled, and their amount."""

    __tablename__ = "daily_figure"
    # The national dashboard reads every issuer's last 31 days: by day first.
    __table_args__ = (Index("ix_daily_figure_day", "day", "issuer_id"),)
    issuer_id: Mapped[int] = mapped_column(ForeignKey("issuer.id"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    issued_count: Mapped[int] = mapped_column(BigInteger)
    issued_amount: Mapped[int] = mapped_column(BigInteger)
