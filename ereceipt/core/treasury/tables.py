"""Storage of treasury reporting and reconciliation: reports, the treasury's lines, runs, discrepancies.

``treasury_report`` is the durable queue of signed daily collection reports (store and forward:
stored first, sent with back-off, marked sent only on the treasury's acknowledgement).
``treasury_statement_line`` is the treasury's lines as reconciliation reads them (the banks' lines
are bank intake's ``bank_statement_line``); ``reconciliation_run`` and ``reconciliation_discrepancy``
keep each run with its figures.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, Index, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ereceipt.core.storage.base import Base, Id, UTCDateTime

PENDING, SENT, REJECTED = "PENDING", "SENT", "REJECTED"


class TreasuryReport(Base):
    __tablename__ = "treasury_report"
    __table_args__ = (UniqueConstraint("issuer_code", "account", "day", name="issuer_account_day"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    report_id: Mapped[str] = mapped_column(String(100), unique=True)
    issuer_code: Mapped[str] = mapped_column(String(40))
    account: Mapped[str] = mapped_column(String(34))
    day: Mapped[date] = mapped_column(Date)
    receipts: Mapped[int] = mapped_column(Integer)
    amount: Mapped[int] = mapped_column(BigInteger)
    document: Mapped[bytes] = mapped_column(LargeBinary)  # the XAdES-signed CollectionReport
    status: Mapped[str] = mapped_column(String(20))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    last_error: Mapped[str | None] = mapped_column(String(400))
    acknowledgement_id: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class TreasuryStatementLine(Base):
    """One collection the treasury recorded (``getCollectionStatement``), replaced at each fetch."""

    __tablename__ = "treasury_statement_line"
    __table_args__ = (Index("ix_treasury_statement_line_account_day", "account", "day"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    account: Mapped[str] = mapped_column(String(34))
    day: Mapped[date] = mapped_column(Date)
    reference: Mapped[str] = mapped_column(String(100))
    amount: Mapped[int] = mapped_column(BigInteger)
    receipt_number: Mapped[str | None] = mapped_column(String(100))
    issuer_code: Mapped[str | None] = mapped_column(String(40))
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ReconciliationRun(Base):
    __tablename__ = "reconciliation_run"
    __table_args__ = (Index("ix_reconciliation_run_account_day", "account", "day"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    account: Mapped[str] = mapped_column(String(34))
    day: Mapped[date] = mapped_column(Date)
    issuer_id: Mapped[int | None] = mapped_column(ForeignKey("issuer.id"), index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(100))
    receipts_count: Mapped[int] = mapped_column(Integer, default=0)
    receipts_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    bank_count: Mapped[int] = mapped_column(Integer, default=0)
    bank_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    treasury_count: Mapped[int] = mapped_column(Integer, default=0)
    treasury_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    matched_count: Mapped[int] = mapped_column(Integer, default=0)
    matched_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    discrepancy_count: Mapped[int] = mapped_column(Integer, default=0)


class ReconciliationDiscrepancy(Base):
    __tablename__ = "reconciliation_discrepancy"
    # A run's discrepancies in the order they are shown, a page at a time (migration 0019).
    __table_args__ = (Index("ix_reconciliation_discrepancy_page", "run_id", "kind", "reference", "id"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("reconciliation_run.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    reference: Mapped[str] = mapped_column(String(100))
    detail: Mapped[str | None] = mapped_column(String(100))
    receipt_amount: Mapped[int | None] = mapped_column(BigInteger)
    bank_amount: Mapped[int | None] = mapped_column(BigInteger)
    treasury_amount: Mapped[int | None] = mapped_column(BigInteger)
