"""Gapless receipt numbering per issuer, template, series and year (Decree 123/2020/ND-CP art. 32).

Numbers come from one atomic ``INSERT … ON CONFLICT DO UPDATE … RETURNING`` on the series'
counter row, inside the transaction that signs and stores the receipts. The row stays locked
until that transaction ends, so numbers are given in signing order, two processes never get the
same one, and a rollback gives the numbers back: no holes.
"""

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ereceipt.core.errors import Conflict
from ereceipt.core.receipts.content import MAX_NUMBER
from ereceipt.core.receipts.tables import SeriesCounter

_INSERT = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def take_numbers(session: Session, series_id: int, year: int, count: int = 1) -> range:
    """Reserve the next ``count`` numbers of a series in a year; kept only when the transaction commits."""
    counter = SeriesCounter.__table__
    statement = (
        _INSERT[session.get_bind().dialect.name](counter)
        .values(series_id=series_id, year=year, last_number=count)
        .on_conflict_do_update(
            index_elements=[counter.c.series_id, counter.c.year],
            set_={"last_number": counter.c.last_number + count},
        )
        .returning(counter.c.last_number)
    )
    last = session.execute(statement).scalar_one()
    if last > MAX_NUMBER:
        raise Conflict(f"series {series_id} has given all {MAX_NUMBER} numbers of {year}")
    return range(last - count + 1, last + 1)
