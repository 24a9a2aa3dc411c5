"""Statements run on the database driver's own connection (Python DB-API 2.0, PEP 249), for the hottest paths.

SQLAlchemy's Core spends Python time on every statement it runs
(connection wrapper, execution context, result metadata), as much as the driver and the database
together. The few statements run for every SOAP request skip that: they are compiled once per
dialect, sent straight through the pooled DB-API connection, and their results converted with the
same type processors SQLAlchemy would use, so both paths read and write identical values. The
connection still comes from, and goes back to, SQLAlchemy's pool; everything else in the project
uses SQLAlchemy as usual.

On PostgreSQL a glance goes one step further down, to libpq through psycopg's ``pq`` module: each
statement is prepared once per connection and run with ``PQexecPrepared`` (the GIL released while
it waits), its parameters dumped and its rows loaded by psycopg's C ``Transformer``, in binary.
psycopg's cursor adds Python work of its own around the same libpq calls; as no
``BEGIN`` is sent, every statement there is its own transaction, as in autocommit.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, ClassVar

from psycopg import OperationalError, pq
from psycopg.adapt import PyFormat, Transformer
from psycopg.errors import error_from_result
from sqlalchemy import ClauseElement
from sqlalchemy.engine import Dialect

from ereceipt.core.errors import TransientOutage
from ereceipt.core.storage.database import Database, transient_errors

_NAMED = re.compile(r"(?<![:\w]):(\w+)")
_PYFORMAT = re.compile(r"%\((\w+)\)s|%%")  # placeholders, and escaped percent signs, in psycopg's SQL
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
                self._number(_NAMED.sub(r"%(\1)s", statement.replace("%", "%%")), binary)
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
        if dialect.paramstyle == "pyformat":
            self._number(self.sql, binary)

    def _number(self, sql: str, binary: bool) -> None:
        """The statement for libpq: ``$n`` placeholders, one per name, and the names in that order."""
        names: list[str] = []

        def placeholder(match: re.Match) -> str:
            if match.group(1) is None:
                return "%"
            if match.group(1) not in names:
                names.append(match.group(1))
            return f"${names.index(match.group(1)) + 1}"

        self.numbered_sql = _PYFORMAT.sub(placeholder, sql).encode()
        self.numbered_names = names
        self.formats = [PyFormat.BINARY if binary else PyFormat.AUTO] * len(names)

    def parameters(self, values: Mapping[str, Any]) -> Sequence[Any] | Mapping[str, Any]:
        if self.literals:
            values = {**self.literals, **values}
        if self.binds:
            values = {
                name: (self.binds[name](value) if name in self.binds else value)
                for name, value in values.items()
            }
        return values if self.order is None else [values[name] for name in self.order]

    def numbered(self, values: Mapping[str, Any]) -> list[Any]:
        values = self.parameters(values)
        return [values[name] for name in self.numbered_names]

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


class Array:
    """A one-dimensional ``int4``, ``text`` or ``bytea`` array parameter, sent in PostgreSQL's binary
    array format (see ``array_send`` in PostgreSQL's arrayfuncs.c) on a glance: psycopg's list
    dumper is written in Python and slow on every array of a message log group, a large part
    of the group's own Python time. For PostgreSQL glances only."""

    __slots__ = ("element", "values")
    _OIDS: ClassVar = {"int4": 23, "text": 25, "bytea": 17}  # pg_type.oid of each element type
    _ARRAY_OIDS: ClassVar = {"int4": 1007, "text": 1009, "bytea": 1001}
    _HEADER = struct.Struct("!iiIii")  # dimensions, has nulls, element type, length, lower bound
    _INT4 = struct.Struct("!ii")  # length 4, value
    _LENGTH = struct.Struct("!i")
    _NULL = _LENGTH.pack(-1)

    def __init__(self, element: str, values: list) -> None:
        if element not in self._OIDS:
            raise ValueError(f"no binary array of {element}")
        self.element, self.values = element, values

    @property
    def oid(self) -> int:
        return self._ARRAY_OIDS[self.element]

    def encoded(self, encoding: str) -> bytes:
        values = self.values
        if not values:
            return struct.pack("!iiI", 0, 0, self._OIDS[self.element])
        parts = [self._HEADER.pack(1, int(None in values), self._OIDS[self.element], len(values), 1)]
        null, length = self._NULL, self._LENGTH.pack
        if self.element == "int4":
            parts.extend(null if v is None else self._INT4.pack(4, v) for v in values)
        else:
            for value in values:
                if value is None:
                    parts.append(null)
                    continue
                data = value.encode(encoding) if self.element == "text" else value
                parts += (length(len(data)), data)
        return b"".join(parts)


class _LibpqConnection(DriverConnection):
    """A psycopg connection driven through libpq: prepared statements, binary rows, no ``BEGIN``.

    It keeps which statements it has prepared (once per set of parameter types, as psycopg does)
    for as long as ``glance`` holds it."""

    def __init__(self, connection: Any, dialect: Dialect) -> None:
        super().__init__(connection, dialect)
        self.prepared: dict = {}
        # One for the connection's life, as a psycopg cursor keeps one: it caches a dumper per type.
        self.transformer = Transformer(connection)

    def execute(self, statement: Statement, values: Mapping[str, Any] | None = None) -> list[tuple]:
        compiled = statement.compiled(self.dialect)
        transformer = self.transformer
        given = compiled.numbered(values or {})
        arrays = {i: value for i, value in enumerate(given) if isinstance(value, Array)}
        if arrays:  # dumped as NULL here, replaced by their binary form below
            given = [None if i in arrays else value for i, value in enumerate(given)]
        parameters = transformer.dump_sequence(given, compiled.formats)
        types, formats = transformer.types, transformer.formats
        if arrays:
            encoding = self.connection.info.encoding
            parameters, types, formats = list(parameters), list(types), list(formats)
            for i, array in arrays.items():
                parameters[i], types[i], formats[i] = array.encoded(encoding), array.oid, pq.Format.BINARY
        pgconn = self.connection.pgconn
        key = (compiled, tuple(types))
        name = self.prepared.get(key)
        if name is None:
            name = f"ereceipt_{len(self.prepared)}".encode()  # psycopg's own are named _pg3_N
            self._check(pgconn.prepare(name, compiled.numbered_sql, types))
            self.prepared[key] = name
        result = pgconn.exec_prepared(name, parameters, formats, pq.Format.BINARY)
        self._check(result)
        if not compiled.returns_rows:
            return []
        transformer.set_pgresult(result)
        return [compiled.row(row) for row in transformer.load_rows(0, result.ntuples, tuple)]

    def execute_many(self, statement: Statement, rows: Sequence[Mapping[str, Any]]) -> None:
        for values in rows:
            self.execute(statement, values)

    def _check(self, result: Any) -> None:
        if result.status in (pq.ExecStatus.COMMAND_OK, pq.ExecStatus.TUPLES_OK):
            return
        if self.connection.pgconn.status == pq.ConnStatus.BAD:  # no SQLSTATE then: the driver's own error
            message = result.error_message.decode(errors="replace").strip()
            raise OperationalError(f"the connection is lost: {message}")
        raise error_from_result(result, encoding=self.connection.info.encoding)  # the SQLSTATE's class


@contextmanager
def _checked_out(database: Database) -> Iterator[Any]:
    operational = database.engine.dialect.loaded_dbapi.OperationalError
    fairy = _check_out(database)
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
    """Statements outside a transaction on PostgreSQL, each its own (as ``Database.glance``); reads
    on SQLite."""
    if database.dialect == "postgresql":
        with _held(database) as connection:
            yield connection
        return
    with _checked_out(database) as fairy:
        yield DriverConnection(fairy.driver_connection, database.engine.dialect)


@contextmanager
def _held(database: Database) -> Iterator[_LibpqConnection]:
    """A libpq connection that stays checked out of SQLAlchemy's pool between glances.

    Handing a connection back to the pool costs SQLAlchemy Python time (its reset rolls
    back through psycopg, then events and the fairy's bookkeeping), twice per SOAP request. A
    glance leaves nothing open to reset (no ``BEGIN`` is sent), so its connections wait in
    ``Database.held`` instead: as many as glances ever ran at once, so at most one per thread
    (``[server] threads`` per process), all counted in the pool's size. One found in a transaction
    after all is closed, not kept; a lost one drops every held one, as the pool does when it sees a
    disconnect; ``Database.dispose`` gives them back."""
    held = database.held
    try:
        entry = held.pop()  # atomic under the GIL, as is the append that puts it back
    except IndexError:
        fairy = _check_out(database)
        entry = (fairy, _LibpqConnection(fairy.driver_connection, database.engine.dialect))
    fairy, connection = entry
    lost = None
    try:
        yield connection
    except OperationalError as exc:  # lost, refused, timed out: neither this one nor its siblings
        lost = exc
        raise TransientOutage(f"database unavailable: {exc}") from exc
    finally:
        if lost is not None:
            fairy.invalidate(lost)
            database.release_held()
        elif connection.connection.pgconn.transaction_status == pq.TransactionStatus.IDLE:
            held.append(entry)
        else:
            fairy.invalidate()


def _check_out(database: Database) -> Any:
    """A connection from the pool (its fairy), or ``TransientOutage``."""
    operational = database.engine.dialect.loaded_dbapi.OperationalError
    try:
        with transient_errors():  # the pool raises the driver's own error when it cannot connect
            return database.engine.raw_connection()
    except operational as exc:
        raise TransientOutage(f"database unavailable: {exc}") from exc


@contextmanager
def transaction(database: Database) -> Iterator[DriverConnection]:
    """A write transaction that commits when the block ends without an error (as ``Database.write``;
    on SQLite it starts with ``BEGIN IMMEDIATE`` like every write there)."""
    with _checked_out(database) as fairy:
        driver = fairy.driver_connection
        if database.dialect == "sqlite":
            driver.begin_immediate()  # in turn with the other writers (core.storage.sqlite_writers)
        try:
            yield DriverConnection(driver, database.engine.dialect)
        except BaseException:
            driver.rollback()
            raise
        driver.commit()
