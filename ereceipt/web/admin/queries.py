"""What the admin page reads: receipts search and dashboard figures, scoped to what the user may see.

Days are Vietnam days (Asia/Ho_Chi_Minh), the days receipts are dated by. Figures count issued
receipts that are not cancelled.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from ereceipt.core.receipts import lookup
from ereceipt.core.receipts.content import VIETNAM
from ereceipt.core.receipts.lookup import start_of_day
from ereceipt.core.receipts.store import ISSUED
from ereceipt.core.receipts.tables import EnforcementCase, Issuer, Payment, Receipt
from ereceipt.core.users.accounts import CurrentUser

PAGE_SIZE = 25


def scope(query: Select, user: CurrentUser, column=Receipt.issuer_id) -> Select:
    return query if user.sees_all_agencies else query.where(column == user.issuer_id)


def search_receipts(
    session: Session,
    user: CurrentUser,
    *,
    number: int | None = None,
    series: str | None = None,
    payer: str | None = None,
    identity: str | None = None,
    case_code: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    page: int = 1,
) -> tuple[int, list[Receipt]]:
    return lookup.search(
        session,
        within=scope(select(Receipt), user),
        number=number,
        series_symbol=series,
        payer_name=payer,
        payer_id_number=identity,
        case_code=case_code,
        date_from=date_from,
        date_to=date_to,
        page=page,
        page_size=PAGE_SIZE,
    )


def _per_agency(session: Session, user: CurrentUser, since: datetime) -> list[dict]:
    query = (
        select(Issuer.code, Issuer.name, func.count(Receipt.id), func.coalesce(func.sum(Receipt.amount), 0))
        .join(Issuer, Receipt.issuer_id == Issuer.id)
        .where(Receipt.status == ISSUED, Receipt.issued_at >= since)
        .group_by(Issuer.code, Issuer.name)
        .order_by(Issuer.code)
    )
    rows = session.execute(scope(query, user))
    return [{"agency": code, "name": name, "count": int(n), "amount": int(a)} for code, name, n, a in rows]


def _day(session: Session, user: CurrentUser, day: date) -> dict:
    query = select(func.count(Receipt.id), func.coalesce(func.sum(Receipt.amount), 0)).where(
        Receipt.status == ISSUED,
        Receipt.issued_at >= start_of_day(day),
        Receipt.issued_at < start_of_day(day + timedelta(days=1)),
    )
    count, amount = session.execute(scope(query, user)).one()
    return {"date": day.isoformat(), "count": int(count), "amount": int(amount)}


def held_payments_query(user: CurrentUser) -> Select:
    """Payments held by bank intake (no case matched, or the wrong amount); agencies see their cases' only."""
    query = select(Payment).where(Payment.status == "HELD")
    if user.sees_all_agencies:
        return query
    return query.join(EnforcementCase, Payment.case_id == EnforcementCase.id).where(
        EnforcementCase.issuer_id == user.issuer_id
    )


def figures(session: Session, user: CurrentUser, now: datetime) -> dict:
    today = now.astimezone(VIETNAM).date()
    days = [_day(session, user, today - timedelta(days=back)) for back in range(29, -1, -1)]
    held = session.scalar(select(func.count()).select_from(held_payments_query(user).subquery()))
    return {
        "at": now.astimezone(VIETNAM).strftime("%d/%m/%Y %H:%M:%S"),
        "today": _per_agency(session, user, start_of_day(today)),
        "month": _per_agency(session, user, start_of_day(today.replace(day=1))),
        "days": days,
        "held_payments": int(held or 0),
        "bars": chart_bars(days),
    }


def chart_bars(days: list[dict], width: int = 600, height: int = 160) -> list[dict]:
    """Bar geometry for the 30-day SVG chart (amounts), computed here so the page and its refresh agree."""
    peak = max((day["amount"] for day in days), default=0) or 1
    step = width / max(len(days), 1)
    bars = []
    for index, day in enumerate(days):
        bar_height = round(day["amount"] / peak * (height - 20), 1)
        bars.append(
            {
                "x": round(index * step + 2, 1),
                "y": round(height - bar_height, 1),
                "w": round(step - 4, 1),
                "h": bar_height,
                "label": f"{day['date'][8:10]}/{day['date'][5:7]}: {day['count']} biên lai",
            }
        )
    return bars
