"""Statements run on the database driver's own connection (Python DB-API 2.0, PEP 249), for the hottest paths.

SQLAlchemy's Core spends about a tenth of a millisecond of Python on every statement it runs
(connection wrapper, execution context, result metadata), as much as the driver and the database
together. The few statements run for every SOAP request skip that: they are compiled once per
dialect, sent straight through the pooled DB-API connection, and their results converted with the
same type processors SQLAlchemy would use, so both paths read and write identical values. The
connection still comes from, and goes back to, SQLAlchemy's pool; everything else in the project
uses SQLAlchemy as usual.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import ClauseElement
from sqlalchemy.engine import Dialect

from ereceipt.core.database import Database, transient_errors
from ereceipt.core.errors import TransientOutage

_NAMED = re.compile(r"(?<![:\w]):(\w+)")
_RETURNS_ROWS = re.compile(r"^\s*SELECT\b|\bRETURNING\b", re.IGNORECASE)


class Statement:
    """A Core statement, or SQL with ``:name`` parameters (one text for both databases, or one per
    dialect name), ready per dialect when first run. ``types`` names the SQLAlchemy types of the
    parameters that need converting (timestamps); a Core select converts its result columns.
    ``returns_rows`` says whether SQL text returns rows; left out, it does if it is a SELECT or has a
    RETURNING clause (a Core statement knows). ``binary`` sends SQL text's parameters to psycopg in
    PostgreSQL's binary format: arrays of bytes then go as they are, where the text format escapes
    each byte (psycopg does it with a regular expression) for the server to unescape."""

    def __init__(
        self,
        statement: ClauseElement | str | Mapping[str, str],
        *,
        types: Mapping[str, Any] | None = None,
        returns_rows: bool | None = None,
        binary: bool = False,
    ) -> None:
        self.statement = statement
        self.types = dict(types or {})
        self.returns_rows = returns_rows
        self.binary = binary
        self._compiled: dict[str, _Compiled] = {}

    def compiled(self, dialect: Dialect) -> _Compiled:
        found = self._compiled.get(dialect.name)
        if found is None:
            statement = self.statement
            if isinstance(statement, Mapping):
                statement = statement[dialect.name]
            found = self._compiled[dialect.name] = _Compiled(
                statement, self.types, dialect, self.returns_rows, self.binary
            )
        return found


class _Compiled:
    def __init__(
        self,
        statement: ClauseElement | str,
        types: Mapping[str, Any],
        dialect: Dialect,
        returns_rows: bool | None,
        binary: bool = False,
    ) -> None:
        self.binds = {
            name: processor
            for name, kind in types.items()
            if (processor := kind.dialect_impl(dialect).bind_processor(dialect)) is not None
        }
        self.literals: dict[str, Any] = {}
        if isinstance(statement, str):
            if returns_rows is None:
                returns_rows = bool(_RETURNS_ROWS.search(statement))
            self.returns_rows = returns_rows
            self.results: list[Callable | None] = []
            if dialect.paramstyle == "pyformat":
                placeholder = r"%(\1)b" if binary else r"%(\1)s"  # psycopg's binary and text formats
                self.sql, self.order = _NAMED.sub(placeholder, statement.replace("%", "%%")), None
            else:  # qmark, as sqlite3; sqlite3 also takes :name, but one style for both is simpler
                self.order = _NAMED.findall(statement)
                self.sql = _NAMED.sub("?", statement)
            return
        compiled = statement.compile(dialect=dialect)
        self.returns_rows = statement.is_select or bool(compiled.effective_returning)
        self.literals = dict(compiled.params)  # values written into the statement itself
        self.sql = str(compiled)
        self.order = list(compiled.positiontup) if compiled.positional else None
        self.results = [
            column.type.dialect_impl(dialect).result_processor(dialect, None)
            for column in statement.selected_columns
        ]

    def parameters(self, values: Mapping[str, Any]) -> Sequence[Any] | Mapping[str, Any]:
        if self.literals:
            values = {**self.literals, **values}
        if self.binds:
            values = {
                name: (self.binds[name](value) if name in self.binds else value)
                for name, value in values.items()
            }
        return values if self.order is None else [values[name] for name in self.order]

    def row(self, row: Sequence[Any]) -> tuple:
        if not self.results:
            return tuple(row)
        return tuple(value if p is None else p(value) for p, value in zip(self.results, row, strict=True))


class DriverConnection:
    """A pooled DB-API connection with the dialect its statements are compiled for."""

    def __init__(self, connection: Any, dialect: Dialect) -> None:
        self.connection = connection
        self.dialect = dialect

    def execute(self, statement: Statement, values: Mapping[str, Any] | None = None) -> list[tuple]:
        """Run ``statement``; the rows it returns (an empty list for one that returns none)."""
        compiled = statement.compiled(self.dialect)
        cursor = self.connection.cursor()
        try:
            cursor.execute(compiled.sql, compiled.parameters(values or {}))
            # Known from the statement: asking the cursor (its description) costs psycopg an object
            # per column on every call.
            return [compiled.row(row) for row in cursor.fetchall()] if compiled.returns_rows else []
        finally:
            cursor.close()

    def execute_many(self, statement: Statement, rows: Sequence[Mapping[str, Any]]) -> None:
        compiled = statement.compiled(self.dialect)
        cursor = self.connection.cursor()
        try:
            cursor.executemany(compiled.sql, [compiled.parameters(values) for values in rows])
        finally:
            cursor.close()


@contextmanager
def _checked_out(database: Database) -> Iterator[Any]:
    operational = database.engine.dialect.loaded_dbapi.OperationalError
    try:
        with transient_errors():  # the pool raises the driver's own error when it cannot connect
            fairy = database.engine.raw_connection()
    except operational as exc:
        raise TransientOutage(f"database unavailable: {exc}") from exc
    try:
        yield fairy
    except operational as exc:
        # A lost connection, a refused one, a lock time-out: the same work may succeed later. The
        # connection is not trusted again.
        fairy.invalidate(exc)
        raise TransientOutage(f"database unavailable: {exc}") from exc
    finally:
        fairy.close()  # back to the pool, which rolls back whatever is left open


@contextmanager
def glance(database: Database) -> Iterator[DriverConnection]:
    """Single-statement reads outside a transaction on PostgreSQL (as ``Database.glance``)."""
    with _checked_out(database) as fairy:
        driver = fairy.driver_connection
        if database.dialect == "postgresql":
            driver.autocommit = True
            try:
                yield DriverConnection(driver, database.engine.dialect)
            finally:
                if not driver.closed:
                    driver.autocommit = False  # the pool's other users expect transactions
        else:
            yield DriverConnection(driver, database.engine.dialect)


@contextmanager
def transaction(database: Database) -> Iterator[DriverConnection]:
    """A write transaction that commits when the block ends without an error (as ``Database.write``;
    on SQLite it starts with ``BEGIN IMMEDIATE`` like every write there)."""
    with _checked_out(database) as fairy:
        driver = fairy.driver_connection
        if database.dialect == "sqlite":
            driver.execute("BEGIN IMMEDIATE")
        try:
            yield DriverConnection(driver, database.engine.dialect)
        except BaseException:
            driver.rollback()
            raise
        driver.commit()
