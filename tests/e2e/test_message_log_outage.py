"""The message log over a database outage, on the real server and a real PostgreSQL: exchanges answered
while the database refuses connections are journaled on disk and chained when it is back."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from database_urls import POSTGRES_URL
from server_process import Server, ereceipt, http
from sqlalchemy import make_url, select, text
from sqlalchemy.engine import Engine
from waiting import wait_for

from ereceipt.core.storage.database import Database
from ereceipt.core.storage.message_log_tables import MessageLogRecord

CHAINER = "[soap]\nchain_pending_after_seconds = 1\nchain_interval_seconds = 1\n"


def database_url(name: str) -> str:
    return make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)


@pytest.fixture
def postgres_home(tmp_path: Path, postgres_admin: Engine) -> Iterator[tuple[Path, str]]:
    """A server's home on a PostgreSQL database of its own (an outage here cuts no other test)."""
    name = f"ereceipt_outage_{uuid.uuid4().hex[:12]}"
    with postgres_admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        config = f"[database]\nurl = {database_url(name)}\n"
        (tmp_path / "config.ini").write_text(config)
        done = ereceipt(tmp_path, "init")
        assert done.returncode == 0, done.stderr
        yield tmp_path, name
    finally:
        with postgres_admin.connect() as connection:
            connection.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def cut(admin: Engine, name: str, *, allowed: bool) -> None:
    """Refuse (or allow again) connections to the database, ending those open now."""
    with admin.connect() as connection:
        connection.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS {str(allowed).lower()}'))
        if not allowed:
            connection.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :name"),
                {"name": name},
            )


def test_exchanges_answered_during_an_outage_are_journaled_and_chained_later(
    postgres_home: tuple[Path, str], postgres_admin: Engine
) -> None:
    home, name = postgres_home
    url = database_url(name)
    server = Server(home, f"[database]\nurl = {url}\n" + CHAINER, workers=1)
    journal = home / "var" / "message-log-journal"
    try:
        cut(postgres_admin, name, allowed=False)
        bodies = [f"<outage-{n}/>".encode() for n in range(3)]
        for body in bodies:
            status, answer, _ = http(f"{server.base}/soap", body, {"Content-Type": "text/xml; charset=utf-8"})
            assert status == 500 and b"InvalidEnvelope" in answer, answer
        assert journal.read_bytes().count(b"\n") == len(bodies)  # on disk before the answers left

        cut(postgres_admin, name, allowed=True)
        database = Database.from_url(url)
        try:

            def logged() -> list[bytes]:
                with database.read() as session:
                    query = select(MessageLogRecord.request).order_by(MessageLogRecord.id)
                    return [request for request in session.scalars(query) if request in bodies]

            wait_for(lambda: len(logged()) == len(bodies), timeout=30, what="the journal to be chained")
            assert logged() == bodies  # in the order they came
        finally:
            database.dispose()
        assert journal.read_bytes() == b""
    finally:
        output = server.stop()
    assert b"Traceback" not in output, output.decode()
    verified = ereceipt(home, "log", "verify")
    assert verified.returncode == 0, verified.stdout
