"""Each issuer's issued receipts per Vietnam day, counted and added up as they are issued and cancelled.

The dashboard reads these figures instead of the receipts: a row per (issuer, day) holds how many
receipts of that day are issued and not cancelled, and their amount in đồng. Issuing adds to the
row of the day the receipt is dated (Decree 123/2020/ND-CP: the Vietnam day, UTC+7 all year), a
cancellation takes the receipt off the row of the day it was issued, in the same transaction as
the receipt itself. The change is one ``INSERT … ON CONFLICT DO UPDATE`` adding to the stored
values, on SQLite and PostgreSQL alike, so two transactions counting on the same row both count:
the second waits for the first's row lock and adds to what it committed. The lock costs an
issuer no parallelism it had: its issuing transactions already wait on their series' counter row
until commit. Every transaction that numbers receipts locks the counter before any figures row,
and figures rows in key order, so that no two wait on each other in a cycle.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy import func, literal_column, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ereceipt.core.receipts.content import VIETNAM
from ereceipt.core.receipts.tables import DailyFigure, Receipt

ISSUED = "ISSUED"
RECOUNT_BATCH = 50_000


def vietnam_day(at: datetime) -> date:
    return at.astimezone(VIETNAM).date()


def add(session: Session, changes: Iterable[tuple[int, datetime, int, int]]) -> None:
    """Add (issuer id, issue time, count, amount) changes to the figures, one statement for all.

    Rows are written in key order, so that two transactions touching the same rows lock them in
    the same order and never deadlock.
    """
    totals: dict[tuple[int, date], list[int]] = {}
    for issuer_id, issued_at, count, amount in changes:
        figures = totals.setdefault((issuer_id, vietnam_day(issued_at)), [0, 0])
        figures[0] += count
        figures[1] += amount
    if not totals:
        return
    rows = [
        {"issuer_id": issuer_id, "day": day, "issued_count": count, "issued_amount": amount}
        for (issuer_id, day), (count, amount) in sorted(totals.items())
    ]
    session.execute(_upsert(session), rows)


def _upsert(session: Session):
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(DailyFigure.__table__)
    table, excluded = DailyFigure.__table__, statement.excluded
    return statement.on_conflict_do_update(
        index_elements=[table.c.issuer_id, table.c.day],
        set_={
            "issued_count": table.c.issued_count + excluded.issued_count,
            "issued_amount": table.c.issued_amount + excluded.issued_amount,
        },
    )


def receipt_day(session: Session):
    """The Vietnam date of a receipt's issue time (stored as UTC), in SQL."""
    if session.get_bind().dialect.name == "postgresql":
        return func.date(Receipt.issued_at + literal_column("INTERVAL '7 hours'"))
    return func.date(Receipt.issued_at, "+7 hours")


def recount(session: Session, batch: int = RECOUNT_BATCH) -> None:
    """Count the figures again from the receipts, replacing them: for receipts written straight
    into the table (synthetic data). Reads the receipts a range of ids at a time, so that memory
    and each statement stay bounded whatever the table holds."""
    session.execute(DailyFigure.__table__.delete())
    low, high = session.execute(select(func.min(Receipt.id), func.max(Receipt.id))).one()
    if low is None:
        return
    day = receipt_day(session).label("day")
    for start in range(low, high + 1, batch):
        query = (
            select(Receipt.issuer_id, day, func.count(), func.sum(Receipt.amount))
            .where(Receipt.status == ISSUED, Receipt.id >= start, Receipt.id < start + batch)
            .group_by(Receipt.issuer_id, day)
        )
        rows = [
            {"issuer_id": i, "day": date.fromisoformat(str(on)[:10]), "issued_count": n, "issued_amount": a}
            for i, on, n, a in session.execute(query)
        ]
        if rows:
            session.execute(_upsert(session), rows)
