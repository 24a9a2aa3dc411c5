"""Gapless receipt numbering per issuer, template, series and year (Decree 123/2020/ND-CP art. 32).

The next number comes from one atomic ``INSERT … ON CONFLICT DO UPDATE … RETURNING`` on the
series' counter row, inside the transaction that signs and stores the receipt. The row stays
locked until that transaction ends, so numbers are given in signing order, two processes never
get the same one, and a rollback gives the number back: no holes.
"""

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ereceipt.core.errors import Conflict
from ereceipt.core.receipt import MAX_NUMBER
from ereceipt.core.tables import SeriesCounter

_INSERT = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def take_next_number(session: Session, series_id: int, year: int) -> int:
    """Reserve the next number of ``series_id`` in ``year``; it is kept only if the transaction commits."""
    counter = SeriesCounter.__table__
    statement = (
        _INSERT[session.get_bind().dialect.name](counter)
        .values(series_id=series_id, year=year, last_number=1)
        .on_conflict_do_update(
            index_elements=[counter.c.series_id, counter.c.year],
            set_={"last_number": counter.c.last_number + 1},
        )
        .returning(counter.c.last_number)
    )
    number = session.execute(statement).scalar_one()
    if number > MAX_NUMBER:
        raise Conflict(f"series {series_id} has given all {MAX_NUMBER} numbers of {year}")
    return number
