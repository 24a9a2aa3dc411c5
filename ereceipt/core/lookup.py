"""Finding stored receipts: by public lookup code, or by issuer, series and 7-digit number."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ereceipt.core.lookup_code import normalise_lookup_code
from ereceipt.core.tables import Issuer, Receipt, ReceiptSeries


def by_lookup_code(session: Session, typed: str) -> Receipt | None:
    code = normalise_lookup_code(typed)
    if code is None:
        return None
    return session.scalar(select(Receipt).where(Receipt.lookup_code == code))


def by_number(
    session: Session,
    number: int,
    *,
    issuer_code: str | None = None,
    series_symbol: str | None = None,
    template_number: str | None = None,
) -> list[Receipt]:
    """Every receipt with that number among the given issuer/series/template (all of them when omitted)."""
    query = (
        select(Receipt)
        .join(ReceiptSeries, Receipt.series_id == ReceiptSeries.id)
        .where(Receipt.number == number)
    )
    if issuer_code:
        query = query.join(Issuer, Receipt.issuer_id == Issuer.id).where(Issuer.code == issuer_code)
    if series_symbol:
        query = query.where(ReceiptSeries.series_symbol == series_symbol)
    if template_number:
        query = query.where(ReceiptSeries.template_number == template_number)
    return list(session.scalars(query.order_by(Receipt.id).limit(20)))
