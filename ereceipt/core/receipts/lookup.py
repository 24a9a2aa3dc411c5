"""Finding stored receipts: by public lookup code, by issuer, series and number, or by search filters."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import NamedTuple

from sqlalchemy import Connection, Select, bindparam, func, select
from sqlalchemy.orm import Session

from ereceipt.core.receipts.content import VIETNAM
from ereceipt.core.receipts.lookup_code import normalise_lookup_code
from ereceipt.core.receipts.tables import EnforcementCase, Issuer, Receipt, ReceiptSeries
from ereceipt.core.storage.driver_sql import DriverConnection, Statement


def by_lookup_code(session: Session, typed: str) -> Receipt | None:
    code = normalise_lookup_code(typed)
    if code is None:
        return None
    # The issuer and the case come in the same statement and stay in the session's identity map, so
    # describing the receipt afterwards (session.get) costs no further query.
    row = session.execute(
        select(Receipt, Issuer, EnforcementCase)
        .join(Issuer, Receipt.issuer_id == Issuer.id)
        .outerjoin(EnforcementCase, Receipt.case_id == EnforcementCase.id)
        .where(Receipt.lookup_code == code)
    ).first()
    return row[0] if row else None


class ReceiptSummary(NamedTuple):
    """What the portal is told of a receipt: plain values read in one statement, no ORM objects."""

    issuer_code: str
    issuer_name: str
    template_number: str
    series_symbol: str
    number: int
    issued_at: datetime
    payer_name: str
    amount: int
    payment_method: str
    case_code: str | None
    status: str
    lookup_code: str
    signed_xml: bytes


SUMMARY = (
    select(
        Issuer.code,
        Issuer.name,
        ReceiptSeries.template_number,
        ReceiptSeries.series_symbol,
        Receipt.number,
        Receipt.issued_at,
        Receipt.payer_name,
        Receipt.amount,
        Receipt.payment_method,
        EnforcementCase.payment_code,
        Receipt.status,
        Receipt.lookup_code,
        Receipt.signed_xml,
    )
    .select_from(Receipt)
    .join(ReceiptSeries, Receipt.series_id == ReceiptSeries.id)
    .join(Issuer, Receipt.issuer_id == Issuer.id)
    .outerjoin(EnforcementCase, Receipt.case_id == EnforcementCase.id)
)
# The portal's getReceipt runs this for nearly every request: straight to the driver (core.driver_sql).
SUMMARY_BY_CODE = Statement(SUMMARY.where(Receipt.lookup_code == bindparam("code")))


def summary_by_lookup_code(connection: DriverConnection, typed: str) -> ReceiptSummary | None:
    """``by_lookup_code`` for a reader that needs values only (the portal's getReceipt, the busiest
    operation): one statement on the driver's connection, no ORM objects."""
    code = normalise_lookup_code(typed)
    if code is None:
        return None
    rows = connection.execute(SUMMARY_BY_CODE, {"code": code})
    return ReceiptSummary(*rows[0]) if rows else None


def summaries_by_number(
    connection: Connection,
    number: int,
    *,
    issuer_code: str | None = None,
    series_symbol: str | None = None,
    template_number: str | None = None,
) -> list[ReceiptSummary]:
    """``by_number`` as summaries, on a Core connection."""
    query = SUMMARY.where(Receipt.number == number)
    if issuer_code:
        query = query.where(Issuer.code == issuer_code)
    if series_symbol:
        query = query.where(ReceiptSeries.series_symbol == series_symbol)
    if template_number:
        query = query.where(ReceiptSeries.template_number == template_number)
    return [ReceiptSummary(*row) for row in connection.execute(query.order_by(Receipt.id).limit(20))]


def by_number(
    session: Session,
    number: int,
    *,
    issuer_code: str | None = None,
    series_symbol: str | None = None,
    template_number: str | None = None,
) -> list[Receipt]:
    """Every receipt with that number among the given issuer/series/template (all of them when omitted)."""
    query = (  # issuer and case come along, as in by_lookup_code
        select(Receipt, Issuer, EnforcementCase)
        .join(ReceiptSeries, Receipt.series_id == ReceiptSeries.id)
        .join(Issuer, Receipt.issuer_id == Issuer.id)
        .outerjoin(EnforcementCase, Receipt.case_id == EnforcementCase.id)
        .where(Receipt.number == number)
    )
    if issuer_code:
        query = query.where(Issuer.code == issuer_code)
    if series_symbol:
        query = query.where(ReceiptSeries.series_symbol == series_symbol)
    if template_number:
        query = query.where(ReceiptSeries.template_number == template_number)
    return [row[0] for row in session.execute(query.order_by(Receipt.id).limit(20))]


def search(
    session: Session,
    *,
    within: Select | None = None,
    number: int | None = None,
    series_symbol: str | None = None,
    payer_name: str | None = None,
    case_code: str | None = None,
    payer_id_number: str | None = None,
    issuer_code: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    page: int = 1,
    page_size: int = 20,
) -> tuple[int, list[Receipt]]:
    """Receipts matching every given filter, newest first: the total count and one page.

    ``within`` is a query of receipts to search in (an officer's agency, say); all receipts when omitted.
    """
    query = select(Receipt) if within is None else within
    if number is not None:
        query = query.where(Receipt.number == number)
    if series_symbol:
        query = query.join(ReceiptSeries, Receipt.series_id == ReceiptSeries.id).where(
            ReceiptSeries.series_symbol == series_symbol.upper()
        )
    if payer_name:
        escaped = payer_name.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(func.lower(Receipt.payer_name).like(f"%{escaped.lower()}%", escape="\\"))
    if case_code:
        query = query.join(EnforcementCase, Receipt.case_id == EnforcementCase.id).where(
            EnforcementCase.payment_code == case_code.upper()
        )
    if payer_id_number:
        query = query.where(Receipt.payer_id_number == payer_id_number)
    if issuer_code:
        query = query.join(Issuer, Receipt.issuer_id == Issuer.id).where(Issuer.code == issuer_code)
    if date_from:
        query = query.where(Receipt.issued_at >= start_of_day(date_from))
    if date_to:
        query = query.where(Receipt.issued_at < start_of_day(date_to + timedelta(days=1)))
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    rows = session.scalars(
        query.order_by(Receipt.issued_at.desc(), Receipt.id.desc())
        .limit(page_size)
        .offset((page - 1) * page_size)
    )
    return int(total or 0), list(rows)


def start_of_day(day: date) -> datetime:
    """Midnight in Vietnam, the day receipts are dated by."""
    return datetime.combine(day, time.min, tzinfo=VIETNAM)
