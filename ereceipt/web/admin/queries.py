"""What the admin page reads: receipts search and dashboard figures, scoped to what the user may see.

Days are Vietnam days (Asia/Ho_Chi_Minh), the days receipts are dated by. Figures count issued
receipts that are not cancelled; they are kept per agency and day as receipts are issued and
cancelled (``core.receipts.daily_figures``), so the dashboard reads at most 31 rows per agency.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from ereceipt.core.receipts import lookup
from ereceipt.core.receipts.content import VIETNAM
from ereceipt.core.receipts.tables import DailyFigure, EnforcementCase, Issuer, Payment, Receipt
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
    after: str | None = None,
) -> lookup.SearchPage:
    return lookup.search(
        session,
        issuer_id=None if user.sees_all_agencies else user.issuer_id,
        number=number,
        series_symbol=series,
        payer_name=payer,
        payer_id_number=identity,
        case_code=case_code,
        date_from=date_from,
        date_to=date_to,
        page=page,
        page_size=PAGE_SIZE,
        after=after,
    )


def _issued_per_agency_and_day(session: Session, user: CurrentUser, since: date) -> list[tuple]:
    """(code, name, day, count, amount) of issued receipts since a Vietnam day, read from the
    figures kept per issuer and day (``daily_figures``): at most a row per agency and day."""
    query = (
        select(Issuer.code, Issuer.name, DailyFigure.day, DailyFigure.issued_count, DailyFigure.issued_amount)
        .join(Issuer, DailyFigure.issuer_id == Issuer.id)
        .where(DailyFigure.day >= since)
    )
    rows = session.execute(scope(query, user, DailyFigure.issuer_id))
    return [(code, name, on.isoformat(), int(n), int(a)) for code, name, on, n, a in rows if n]


def _agencies(rows: list[tuple], since: date) -> list[dict]:
    totals: dict[tuple[str, str], list[int]] = {}
    for code, name, on, count, amount in rows:
        if on >= since.isoformat():
            figures = totals.setdefault((code, name), [0, 0])
            figures[0] += count
            figures[1] += amount
    return [
        {"agency": code, "name": name, "count": n, "amount": a}
        for (code, name), (n, a) in sorted(totals.items())
    ]


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
    first_day = today - timedelta(days=29)
    month = today.replace(day=1)
    rows = _issued_per_agency_and_day(session, user, min(first_day, month))
    per_day: dict[str, list[int]] = {}
    for _, _, on, count, amount in rows:
        figures = per_day.setdefault(on, [0, 0])
        figures[0] += count
        figures[1] += amount
    days = []
    for back in range(29, -1, -1):
        on = (today - timedelta(days=back)).isoformat()
        count, amount = per_day.get(on, (0, 0))
        days.append({"date": on, "count": count, "amount": amount})
    held = session.scalar(select(func.count()).select_from(held_payments_query(user).subquery()))
    return {
        "at": now.astimezone(VIETNAM).strftime("%d/%m/%Y %H:%M:%S"),
        "today": _agencies(rows, today),
        "month": _agencies(rows, month),
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
