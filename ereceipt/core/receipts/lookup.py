"""Finding stored receipts: by public lookup code, by issuer, series and number, or by search filters."""

from __future__ import annotations

import re
from contextlib import suppress
from datetime import UTC, date, datetime, time, timedelta
from typing import NamedTuple

from sqlalchemy import Connection, Select, bindparam, func, literal, select, tuple_
from sqlalchemy.orm import Session

from ereceipt.core.errors import BadInput
from ereceipt.core.receipts.content import VIETNAM, series_year
from ereceipt.core.receipts.lookup_code import normalise_lookup_code
from ereceipt.core.receipts.tables import EnforcementCase, Issuer, Receipt, ReceiptSeries, SeriesCounter
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
    receipt_id: int = 0  # not told to the portal: the key of its log status


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
        Receipt.id,
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


# getInclusionProof needs only the receipt's key: not its summary, nor its signed XML.
ID_BY_CODE = Statement(select(Receipt.id).where(Receipt.lookup_code == bindparam("code")))
IDS = (
    select(Receipt.id)
    .select_from(Receipt)
    .join(ReceiptSeries, Receipt.series_id == ReceiptSeries.id)
    .join(Issuer, Receipt.issuer_id == Issuer.id)
)


def receipt_id_by_lookup_code(connection: DriverConnection, typed: str) -> int | None:
    """The key of the receipt with that lookup code, on the driver's connection."""
    code = normalise_lookup_code(typed)
    if code is None:
        return None
    rows = connection.execute(ID_BY_CODE, {"code": code})
    return rows[0][0] if rows else None


def _numbered(query: Select, number: int, issuer_code, series_symbol, template_number) -> Select:
    """``query`` (from SUMMARY's tables) narrowed to receipts with that number in the named series.

    The number is unique per series *and year*: the year is bound too (from the series' counters,
    one per series and year numbered, or from the symbol when one is named), so that the unique
    index (series_id, year, number) finds each receipt, instead of a scan of the series' rows.
    """
    counters = select(SeriesCounter.series_id, SeriesCounter.year)
    if series_symbol:
        with suppress(ValueError):  # not a symbol of ours: nothing matches it below
            counters = counters.where(SeriesCounter.year == series_year(series_symbol.upper()))
    query = query.where(Receipt.number == number, tuple_(Receipt.series_id, Receipt.year).in_(counters))
    if issuer_code:
        query = query.where(Issuer.code == issuer_code)
    if series_symbol:
        query = query.where(ReceiptSeries.series_symbol == series_symbol)
    if template_number:
        query = query.where(ReceiptSeries.template_number == template_number)
    return query.order_by(Receipt.id).limit(20)


def summaries_by_number(
    connection: Connection,
    number: int,
    *,
    issuer_code: str | None = None,
    series_symbol: str | None = None,
    template_number: str | None = None,
) -> list[ReceiptSummary]:
    """``by_number`` as summaries, on a Core connection."""
    query = _numbered(SUMMARY, number, issuer_code, series_symbol, template_number)
    return [ReceiptSummary(*row) for row in connection.execute(query)]


def receipt_ids_by_number(
    connection: Connection,
    number: int,
    *,
    issuer_code: str | None = None,
    series_symbol: str | None = None,
    template_number: str | None = None,
) -> list[int]:
    """``by_number`` as the receipts' keys, on a Core connection."""
    query = _numbered(IDS, number, issuer_code, series_symbol, template_number)
    return list(connection.execute(query).scalars())


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
    )
    query = _numbered(query, number, issuer_code, series_symbol, template_number)
    return [row[0] for row in session.execute(query)]


# Search answers (searchReceipts, the admin list) count their matches exactly up to TOTAL_CAP and
# then say "more than"; pages by number reach DEEPEST_ROW rows deep, and beyond that one goes on from
# the key of the last row seen (keyset pagination), which costs what page 1 costs at any depth.
TOTAL_CAP = 10_000
DEEPEST_ROW = 10_000
_PAGE_KEY = re.compile(r"^(\d{1,20})-(\d{1,19})$")


class ListedReceipt(NamedTuple):
    """A receipt as a list shows it: ``ReceiptSummary`` without the signed XML, with the row id."""

    id: int
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


class SearchPage(NamedTuple):
    total: int  # exact when not ``capped``; else TOTAL_CAP, and there are more
    capped: bool
    rows: list[ListedReceipt]
    next_key: str | None  # where the next page starts (None: this is the last page)


LISTED = (
    select(
        Receipt.id,
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
    )
    .join(ReceiptSeries, Receipt.series_id == ReceiptSeries.id)
    .join(Issuer, Receipt.issuer_id == Issuer.id)
    .outerjoin(EnforcementCase, Receipt.case_id == EnforcementCase.id)
)


def page_key(row: ListedReceipt) -> str:
    """The opaque key a page ends at: the last row's time (microseconds since 1970, UTC) and id."""
    at = row.issued_at if row.issued_at.tzinfo else row.issued_at.replace(tzinfo=UTC)
    delta = at - datetime(1970, 1, 1, tzinfo=UTC)
    return f"{delta // timedelta(microseconds=1)}-{row.id}"


def read_page_key(key: str) -> tuple[datetime, int]:
    match = _PAGE_KEY.match(key)
    if not match:
        raise BadInput(f"page key {key[:40]!r} is not one this service gave")
    try:
        at = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=int(match[1]))
    except OverflowError:
        raise BadInput(f"page key {key[:40]!r} is not one this service gave") from None
    return at, int(match[2])


def search(
    session: Session,
    *,
    issuer_id: int | None = None,
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
    after: str | None = None,
) -> SearchPage:
    """Receipts matching every given filter, newest first: the count (exact up to TOTAL_CAP) and one
    page, by number (up to DEEPEST_ROW rows deep) or after a key a previous page gave.

    ``issuer_id`` limits the search to one agency's receipts (an officer's). Every filter is a
    condition on the receipt row itself (codes become ids in subqueries), so that an agency's
    receipts are read in order from the index (issuer_id, issued_at, id), a page's rows picked
    from the index alone, and only they joined to their series, issuer and case, in one statement.
    The signed XML is never read.
    """
    conditions = []
    if issuer_id is not None:
        conditions.append(Receipt.issuer_id == issuer_id)
    if number is not None:  # through the unique (series_id, year, number), series by series
        counters = select(SeriesCounter.series_id, SeriesCounter.year)
        if issuer_id is not None:
            counters = counters.join(ReceiptSeries, SeriesCounter.series_id == ReceiptSeries.id).where(
                ReceiptSeries.issuer_id == issuer_id
            )
        conditions += [Receipt.number == number, tuple_(Receipt.series_id, Receipt.year).in_(counters)]
    if series_symbol:
        series = select(ReceiptSeries.id).where(ReceiptSeries.series_symbol == series_symbol.upper())
        conditions.append(Receipt.series_id.in_(series))
    if payer_name:  # on PostgreSQL the trigram index on lower(payer_name) serves this
        escaped = payer_name.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        conditions.append(func.lower(Receipt.payer_name).like(f"%{escaped.lower()}%", escape="\\"))
    if case_code:
        case = select(EnforcementCase.id).where(EnforcementCase.payment_code == case_code.upper())
        conditions.append(Receipt.case_id == case.scalar_subquery())
    if payer_id_number:
        conditions.append(Receipt.payer_id_number == payer_id_number)
    if issuer_code:
        issuer = select(Issuer.id).where(Issuer.code == issuer_code)
        conditions.append(Receipt.issuer_id == issuer.scalar_subquery())
    if date_from:
        conditions.append(Receipt.issued_at >= start_of_day(date_from))
    if date_to:
        conditions.append(Receipt.issued_at < start_of_day(date_to + timedelta(days=1)))
    matching = select(Receipt.id).where(*conditions)
    counted = session.scalar(select(func.count()).select_from(matching.limit(TOTAL_CAP + 1).subquery()))
    ids = select(Receipt.id).where(*conditions).order_by(Receipt.issued_at.desc(), Receipt.id.desc())
    if after:
        at, last_id = read_page_key(after)
        ids = ids.where(
            tuple_(Receipt.issued_at, Receipt.id) < tuple_(literal(at, Receipt.issued_at.type), last_id)
        )
    else:
        if page < 1 or page * page_size > DEEPEST_ROW:
            raise BadInput(
                f"page {page} of {page_size} is deeper than {DEEPEST_ROW} receipts: "
                "go on from the key the previous page gave, or narrow the search"
            )
        ids = ids.offset((page - 1) * page_size)
    picked = ids.limit(page_size + 1).subquery()
    query = LISTED.join(picked, picked.c.id == Receipt.id).order_by(
        Receipt.issued_at.desc(), Receipt.id.desc()
    )
    rows = [ListedReceipt(*row) for row in session.execute(query)]
    more, rows = len(rows) > page_size, rows[:page_size]
    total = int(counted or 0)
    return SearchPage(
        min(total, TOTAL_CAP), total > TOTAL_CAP, rows, page_key(rows[-1]) if more and rows else None
    )


def start_of_day(day: date) -> datetime:
    """Midnight in Vietnam, the day receipts are dated by."""
    return datetime.combine(day, time.min, tzinfo=VIETNAM)
