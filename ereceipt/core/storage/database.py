"""Database access (SQLAlchemy 2): engines for SQLite and PostgreSQL, units of work, Alembic migrations.

SQLite serialises writers on one file lock. A transaction that reads before it writes can be
refused outright (SQLITE_BUSY, no waiting) when another writer commits in between, so write
transactions start with ``BEGIN IMMEDIATE`` and wait for the lock instead, in turn
(``core.storage.sqlite_writers``); read transactions stay deferred and, with WAL, never wait for
writers. PostgreSQL needs none of this: row locks taken by the numbering UPDATE do the
serialising there.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, create_engine, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from ereceipt.core.errors import TransientOutage
from ereceipt.core.storage.sqlite_writers import TurnTakingConnection

SQLITE_BUSY_TIMEOUT_MS = 30_000


def _sqlite_engine(url: str, echo: bool) -> Engine:
    path = url.removeprefix("sqlite:///")
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url,
        echo=echo,
        connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, "factory": TurnTakingConnection},
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        # Take transaction control from the sqlite3 module so that BEGIN is ours to emit.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:
        if connection.get_execution_options().get("read_only"):
            connection.exec_driver_sql("BEGIN DEFERRED")
        else:  # writers take turns (core.storage.sqlite_writers) rather than poll for the lock
            connection.connection.dbapi_connection.begin_immediate()

    return engine


def make_engine(url: str, *, echo: bool = False, pool_size: int = 5) -> Engine:
    """An engine for ``url``; connects lazily, at the first unit of work."""
    if url.startswith("sqlite"):
        return _sqlite_engine(url, echo)
    return create_engine(url, echo=echo, pool_size=pool_size)


class Database:
    """Hands out units of work; a unit of work rolls back unless its block ends normally."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._writer = sessionmaker(engine, expire_on_commit=False)
        self._reader = sessionmaker(engine.execution_options(read_only=True), expire_on_commit=False)
        # PostgreSQL: statements outside a transaction, each its own snapshot — no BEGIN or ROLLBACK
        # round trip. Only for reads that are one statement (SQLite reads are in-process anyway).
        glance_engine = (
            engine.execution_options(isolation_level="AUTOCOMMIT")
            if engine.dialect.name == "postgresql"
            else engine.execution_options(read_only=True)
        )
        self._glance_engine = glance_engine
        self._glancer = sessionmaker(glance_engine, expire_on_commit=False)
        # PostgreSQL connections kept out of the pool between driver glances (core.driver_sql):
        # (pool connection, driver wrapper) pairs, taken and put back whole under the GIL.
        self.held: list = []

    @classmethod
    def from_url(cls, url: str, *, echo: bool = False, pool_size: int = 5) -> Database:
        return cls(make_engine(url, echo=echo, pool_size=pool_size))

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A transaction that commits when the block ends without an error, and rolls back otherwise."""
        with transient_errors(), self._writer() as session, session.begin():
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A look that never commits; closing the session rolls its transaction back.

        Objects read stay usable (detached, as loaded) after the block.
        """
        with transient_errors(), self._reader() as session:
            yield session

    @contextmanager
    def glance(self) -> Iterator[Session]:
        """A read of a single statement (on PostgreSQL without a transaction around it, which saves
        two round trips); use ``read`` when several statements must see the same snapshot."""
        with transient_errors(), self._glancer() as session:
            yield session

    @contextmanager
    def glance_connection(self) -> Iterator[Connection]:
        """``glance`` for Core statements: a connection, no ORM session (the busiest reads)."""
        with transient_errors(), self._glance_engine.connect() as connection:
            yield connection

    @contextmanager
    def write_connection(self) -> Iterator[Connection]:
        """``write`` for Core statements: a connection in a transaction that commits when the block
        ends without an error (the busiest writes, where the ORM's bookkeeping costs the most)."""
        with transient_errors(), self.engine.begin() as connection:
            yield connection

    def ping(self) -> None:
        """Raise ``TransientOutage`` when the database does not answer."""
        with transient_errors(), self.engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    def release_held(self, *, close: bool = True) -> None:
        """Give the connections held for driver glances back to the pool, closed (or, with ``close``
        false, to be used again)."""
        while True:
            try:
                fairy, _ = self.held.pop()
            except IndexError:  # none left, or another thread took the last one
                return
            if close:
                fairy.invalidate()
            else:
                fairy.close()

    def dispose(self) -> None:
        self.release_held(close=False)  # checked in, so that disposing the pool closes them
        self.engine.dispose()


@contextmanager
def transient_errors() -> Iterator[None]:
    try:
        yield
    except OperationalError as exc:
        # Lost connections, refused connections and lock time-outs: the same work may succeed later.
        raise TransientOutage(f"database unavailable: {exc.orig}") from exc
    except DBAPIError as exc:
        if exc.connection_invalidated:
            raise TransientOutage(f"database connection lost: {exc.orig}") from exc
        raise


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(resources.files("ereceipt") / "migrations"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def migrate(database: Database) -> None:
    """Upgrade the schema to the newest migration (what ``ereceipt init`` runs)."""
    config = alembic_config(database.engine.url.render_as_string(hide_password=False))
    # Not inside a transaction of ours: each migration commits on its own (alembic's
    # transaction_per_migration), so that one may build an index CONCURRENTLY outside any.
    with database.engine.connect() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "heads")  # parallel branches of migrations are merged only later
        if connection.in_transaction():
            connection.commit()
