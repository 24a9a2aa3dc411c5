"""Reading a whole table in bounded memory: rows fetched batch by batch as they are walked.

A driver's ordinary cursor takes the whole result before the first row is seen (psycopg keeps it
in client memory); ``yield_per`` given *after* execution (``Result.yield_per``) only batches the
Python objects made from that result. Given on the statement's execution, as here, it makes
SQLAlchemy use a server-side cursor on PostgreSQL (``stream_results``) and fetch ``batch`` rows at
a time; SQLite's cursor steps through the file anyway. Memory then holds one batch, whatever the
table's size. The cursor lives in the session's transaction: walk it inside the unit of work.
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import Executable, Row
from sqlalchemy.orm import Session

BATCH = 100  # rows; a message-log row may hold 100 KB of XML


def streamed_rows(session: Session, statement: Executable, batch: int = BATCH) -> Iterator[Row]:
    """The rows of ``statement``, fetched ``batch`` at a time from a server-side cursor."""
    result = session.execute(statement, execution_options={"stream_results": True, "yield_per": batch})
    try:
        yield from result
    finally:
        result.close()
