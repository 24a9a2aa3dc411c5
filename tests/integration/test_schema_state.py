"""Whether a database holds this version's schema, on SQLite and PostgreSQL, said in one line."""

from __future__ import annotations

import socket
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from database_urls import POSTGRES_URL, postgres_available_or_skip
from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url

from ereceipt.core.errors import NotInitialised, TransientOutage
from ereceipt.core.storage.database import Database, alembic_config
from ereceipt.core.storage.schema_state import require_current_schema

HEAD = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A database that exists and holds a table of someone else's, but no schema of ours."""
    if request.param == "sqlite":
        path = tmp_path / "empty.sqlite3"
        with sqlite3.connect(path) as connection:
            connection.execute("CREATE TABLE notes (text TEXT)")
        connection.close()
        database = Database.from_url(f"sqlite:///{path}")
        yield database
        database.dispose()
        return
    postgres_available_or_skip()
    admin: Engine = request.getfixturevalue("postgres_admin")
    name = f"ereceipt_test_empty_{uuid.uuid4().hex[:12]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    database = Database.from_url(url)
    try:
        with database.write() as session:
            session.execute(text("CREATE TABLE notes (text TEXT)"))
        yield database
    finally:
        database.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def shown(database: Database) -> str:
    url = database.engine.url
    return url.database if url.get_backend_name() == "sqlite" else url.render_as_string(hide_password=True)


def test_a_migrated_database_is_current(database: Database) -> None:
    require_current_schema(database)


def test_a_database_without_our_schema_is_not_initialised_and_names_init(empty_database: Database) -> None:
    with pytest.raises(NotInitialised) as refused:
        require_current_schema(empty_database)
    assert (
        refused.value.message == f"database {shown(empty_database)} is not initialised: run `ereceipt init`"
    )


def test_an_older_schema_says_init_migrates_it(database: Database) -> None:
    with database.write() as session:
        session.execute(text("UPDATE alembic_version SET version_num = '0009'"))
    with pytest.raises(NotInitialised) as refused:
        require_current_schema(database)
    assert refused.value.message == (
        f"database {shown(database)} is at schema revision 0009, this version needs {HEAD}: "
        "run `ereceipt init` to migrate it"
    )


def test_a_schema_of_a_newer_version_is_not_migrated_backwards(database: Database) -> None:
    with database.write() as session:
        session.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    with pytest.raises(NotInitialised, match="revision 9999, which this version of ereceipt does not know"):
        require_current_schema(database)


def test_a_missing_sqlite_file_is_named_and_not_created(tmp_path: Path) -> None:
    path = tmp_path / "var" / "nothing.sqlite3"
    database = Database.from_url(f"sqlite:///{path}")
    with pytest.raises(NotInitialised) as refused:
        require_current_schema(database)
    assert refused.value.message == f"database {path} does not exist: run `ereceipt init` to create it"
    assert not path.exists()


def test_a_missing_postgresql_database_says_to_create_it(postgres_admin: Engine) -> None:
    url = make_url(POSTGRES_URL).set(database=f"ereceipt_nowhere_{uuid.uuid4().hex[:8]}")
    database = Database.from_url(url.render_as_string(hide_password=False))
    try:
        with pytest.raises(NotInitialised) as refused:
            require_current_schema(database)
    finally:
        database.dispose()
    assert refused.value.message == (
        f"database {url.render_as_string(hide_password=True)} does not exist: create it (e.g. createdb), "
        "then run `ereceipt init`"
    )


def test_a_postgresql_server_that_does_not_answer_is_unavailable_in_one_line() -> None:
    postgres_available_or_skip()
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    url = make_url(POSTGRES_URL).set(host="127.0.0.1", port=port)
    database = Database.from_url(url.render_as_string(hide_password=False))
    try:
        with pytest.raises(TransientOutage) as refused:
            require_current_schema(database)
    finally:
        database.dispose()
    message = refused.value.message
    assert message.startswith(f"database {url.render_as_string(hide_password=True)} unavailable: ")
    assert f"port {port} failed: Connection refused" in message and "\n" not in message
