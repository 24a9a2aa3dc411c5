"""Stored receipts, payments, cases and series: the queries and inserts the receipt commands are made of.

Hot-path writes are Core ``INSERT`` statements built once and given many rows per call
(``insert_rows``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Table, func, insert, select, text
from sqlalchemy.orm import Session

from ereceipt.core.errors import BadInput, Conflict, NotFound
from ereceipt.core.money import format_vnd
from ereceipt.core.receipts import daily_figures
from ereceipt.core.receipts.content import VIETNAM, IssuerInfo, ReceiptContent, ReceiptRef, series_year
from ereceipt.core.receipts.receipt_xml import read_receipt
from ereceipt.core.receipts.tables import EnforcementCase, Issuer, Payment, Receipt, ReceiptSeries
from ereceipt.core.storage import audit
from ereceipt.core.xml.parser import parse_xml

ISSUED = "ISSUED"
CANCELLED = "CANCELLED"
DS_SIGNATURE = "{http://www.w3.org/2000/09/xmldsig#}Signature"

NEW_IDS = text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :count)")


def insert_rows(session: Session, table: Table, rows: list[dict]) -> list[int]:
    """Insert the rows; their new ids, in the rows' order.

    On PostgreSQL several rows take their ids from the table's sequence first and are then sent
    as one pipelined ``executemany``. SQLAlchemy's alternative for ``INSERT … RETURNING`` of many
    rows, one statement with a parameter per value ("insertmanyvalues"), is too long for psycopg
    to cache its parsing: it would parse a batch's statement again on every call.
    """
    if len(rows) > 1 and session.get_bind().dialect.name == "postgresql":
        ids = list(session.scalars(NEW_IDS, {"table": table.name, "count": len(rows)}))
        session.execute(insert(table), [{**row, "id": new_id} for row, new_id in zip(rows, ids, strict=True)])
        return ids
    returning = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    return list(session.execute(returning, rows).scalars())


@dataclass(frozen=True)
class SeriesInfo:
    """What issuing needs of a series and its issuer, read without the ORM."""

    id: int
    issuer_id: int
    template_number: str
    series_symbol: str
    issuer: IssuerInfo

    @classmethod
    def of(cls, series: ReceiptSeries) -> SeriesInfo:
        issuer = series.issuer
        info = IssuerInfo(
            code=issuer.code, name=issuer.name, tax_code=issuer.tax_code, address=issuer.address
        )
        return cls(series.id, series.issuer_id, series.template_number, series.series_symbol, info)


def stored_content(receipt: Receipt) -> ReceiptContent:
    """The content of a receipt we stored ourselves (our own signed bytes, read to repeat an answer)."""
    root = parse_xml(receipt.signed_xml)
    for signature in root.findall(DS_SIGNATURE):
        root.remove(signature)
    return read_receipt(root)


def receipt_of_payment(session: Session, source: str, reference: str, amount: int) -> Receipt | None:
    """The receipt of a payment recorded before, or None when there is no such payment."""
    payment = session.scalar(
        select(Payment).where(Payment.source == source, Payment.external_reference == reference)
    )
    if payment is None:
        return None
    if payment.amount != amount:
        raise Conflict(
            f"payment {source}/{reference} was recorded with {format_vnd(payment.amount)} đồng, "
            f"not {format_vnd(amount)} đồng"
        )
    receipt = session.scalar(
        select(Receipt)
        .where(Receipt.payment_id == payment.id)
        .order_by(Receipt.status == CANCELLED, Receipt.id)
    )
    if receipt is None:
        raise Conflict(f"payment {source}/{reference} is recorded but has no receipt")
    return receipt


def find_case(session: Session, case_code: str) -> EnforcementCase:
    case = session.scalar(select(EnforcementCase).where(EnforcementCase.payment_code == case_code.upper()))
    if case is None:
        raise NotFound(f"no enforcement case with payment code {case_code}")
    return case


def still_owed(session: Session, amounts_due: dict[int, int]) -> dict[int, int]:
    """What each case (id → amount due) still owes: the amount due less its issued receipts'
    amounts (a cancelled receipt no longer counts), one query per 1000 cases."""
    owed = dict(amounts_due)
    ids = list(amounts_due)
    for start in range(0, len(ids), 1000):
        query = (
            select(Receipt.case_id, func.sum(Receipt.amount))
            .where(Receipt.case_id.in_(ids[start : start + 1000]), Receipt.status == ISSUED)
            .group_by(Receipt.case_id)
        )
        for case_id, total in session.execute(query):
            owed[case_id] -= int(total)
    return owed


def receipted_total(session: Session, case_id: int) -> int:
    """The amounts of a case's issued receipts, added up."""
    return -still_owed(session, {case_id: 0})[case_id]


def _series_rows(session: Session, condition, now: datetime) -> list[SeriesInfo]:
    """Active series of the year of the issuers ``condition`` picks, with their issuers."""
    year = now.astimezone(VIETNAM).year
    series, issuer = ReceiptSeries.__table__.c, Issuer.__table__.c
    query = (
        select(series.id, series.template_number, series.series_symbol, issuer.id, issuer.code, issuer.name)
        .add_columns(issuer.tax_code, issuer.address)
        .join_from(ReceiptSeries.__table__, Issuer.__table__, series.issuer_id == issuer.id)
        .where(condition, series.active.is_(True))
    )
    return [
        SeriesInfo(row[0], row[3], row[1], row[2], IssuerInfo(*row[4:]))
        for row in session.execute(query)
        if series_year(row[2]) == year
    ]


def active_series(
    session: Session, issuer_code: str, symbol: str | None, template: str | None, now: datetime
) -> SeriesInfo:
    """The issuer's one active series of the year (or the one named); refuses none or several."""
    series = ReceiptSeries.__table__.c
    condition = Issuer.__table__.c.code == issuer_code
    if symbol:
        condition = condition & (series.series_symbol == symbol)
    if template:
        condition = condition & (series.template_number == template)
    candidates = _series_rows(session, condition, now)
    year = now.astimezone(VIETNAM).year
    if not candidates:
        named = f" named {symbol}" if symbol else ""
        raise Conflict(f"issuer {issuer_code} has no active receipt series for {year}{named}")
    if len(candidates) > 1:
        names = ", ".join(f"{s.template_number} {s.series_symbol}" for s in candidates)
        raise BadInput(f"issuer {issuer_code} has several active series for {year} ({names}); name one")
    return candidates[0]


def sole_active_series(session: Session, issuer_ids: list[int], now: datetime) -> dict[str, SeriesInfo]:
    """By issuer code, the one active series of the year of each of these issuers that has exactly
    one, in one statement (a batch's); ``active_series`` says what is wrong with the others."""
    found: dict[str, list[SeriesInfo]] = {}
    for info in _series_rows(session, Issuer.__table__.c.id.in_(issuer_ids), now):
        found.setdefault(info.issuer.code, []).append(info)
    return {code: infos[0] for code, infos in found.items() if len(infos) == 1}


def get_receipt(session: Session, receipt_id: int, *, for_update: bool = False) -> Receipt:
    query = select(Receipt).where(Receipt.id == receipt_id)
    receipt = session.scalar(query.with_for_update(of=Receipt) if for_update else query)
    if receipt is None:
        raise NotFound(f"no receipt with id {receipt_id}")
    return receipt


def mark_cancelled(
    session: Session, receipt: Receipt, *, officer: str, reason: str, now: datetime, count: bool = True
) -> None:
    """Cancel the receipt, audited; with ``count``, take it off its day's figures now (a replacement
    does that itself, after numbering: see ``ReceiptIssuer.replace``)."""
    if receipt.status == CANCELLED:
        raise Conflict(f"receipt {receipt.id} was cancelled already")
    receipt.status = CANCELLED
    receipt.cancelled_at = now
    receipt.cancelled_by = officer
    receipt.cancel_reason = reason
    if count:
        daily_figures.add(session, [(receipt.issuer_id, receipt.issued_at, -1, -receipt.amount)])
    audit.record(session, officer, "receipt.cancelled", "receipt", receipt.id, reason=reason)


def receipt_id_by_ref(session: Session, issuer_id: int, ref: ReceiptRef) -> int:
    receipt_id = session.scalar(
        select(Receipt.id)
        .join(ReceiptSeries)
        .where(
            Receipt.issuer_id == issuer_id,
            ReceiptSeries.template_number == ref.template_number,
            ReceiptSeries.series_symbol == ref.series_symbol,
            Receipt.number == ref.number,
        )
    )
    if receipt_id is None:
        raise NotFound(f"no receipt {ref.template_number} {ref.series_symbol} {ref.number:07d}")
    return receipt_id
