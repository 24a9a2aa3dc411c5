"""What the real server's message log keeps of requests refused before their client is authenticated:
their size, their SHA-256 and at most ``[soap] refused_request_log_bytes`` of their start, so that
anonymous junk cannot grow the database by more than a bounded amount per request."""

from __future__ import annotations

import hashlib
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from server_process import Server, ereceipt, http
from sqlalchemy import func, select

from ereceipt.core.storage.database import Database
from ereceipt.core.storage.message_log_tables import MessageLogRecord

CAP = 4096
# Besides the kept bytes, a record holds its fault answer (about 600 bytes), its fields and hashes,
# the row and index overhead: well under 4 KiB.
OVERHEAD = 4096
JUNK_BYTES = 2_000_000
CONFIG = f"[database]\nurl = sqlite:///var/e.sqlite3\n[soap]\nrefused_request_log_bytes = {CAP}\n"


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("refusals")
    (home / "config.ini").write_text(CONFIG)
    assert ereceipt(home, "init", "--demo").returncode == 0
    return home


@pytest.fixture(scope="module")
def server(home: Path) -> Iterator[Server]:
    server = Server(home, CONFIG)
    yield server
    output = server.stop()
    assert b"Traceback" not in output, output.decode()


def stored_bytes(path: Path) -> int:
    """The SQLite database's size once its write-ahead log is folded into it."""
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path.stat().st_size + sum(p.stat().st_size for p in path.parent.glob(path.name + "-wal"))


def test_anonymous_junk_grows_the_log_by_a_bounded_amount_per_request(server: Server, home: Path) -> None:
    path = home / "var" / "e.sqlite3"
    database = Database.from_url(f"sqlite:///{path}")
    try:
        with database.read() as session:
            first = (session.scalar(select(func.max(MessageLogRecord.id))) or 0) + 1
        before = stored_bytes(path)
        bodies = [os.urandom(JUNK_BYTES) for _ in range(20)]
        for body in bodies:
            status, answer, _ = http(f"{server.base}/soap", body, {"Content-Type": "text/xml; charset=utf-8"})
            assert status == 500 and b"InvalidXml" in answer, answer[:500]
        grown = stored_bytes(path) - before
        with database.read() as session:
            records = session.scalars(
                select(MessageLogRecord).where(MessageLogRecord.id >= first).order_by(MessageLogRecord.id)
            ).all()
    finally:
        database.dispose()
    print(f"20 junk posts of {JUNK_BYTES} bytes grew the database by {grown} bytes")
    assert grown <= len(bodies) * (CAP + OVERHEAD), grown
    assert [(r.client, r.outcome) for r in records] == [(None, "InvalidXml")] * len(bodies)
    for record, body in zip(records, bodies, strict=True):
        assert record.request == body[:CAP]
        assert (record.request_size, record.request_sha256) == (JUNK_BYTES, hashlib.sha256(body).hexdigest())
    assert ereceipt(home, "log", "verify").returncode == 0


def test_a_small_refused_request_is_kept_whole(server: Server, home: Path) -> None:
    body = b"<not-soap/>"
    status, _, _ = http(f"{server.base}/soap", body, {"Content-Type": "text/xml; charset=utf-8"})
    assert status == 500
    database = Database.from_url(f"sqlite:///{home / 'var' / 'e.sqlite3'}")
    try:
        with database.read() as session:
            newest = select(MessageLogRecord).order_by(MessageLogRecord.id.desc()).limit(1)
            record = session.scalars(newest).one()
    finally:
        database.dispose()
    assert (record.request, record.request_size, record.request_sha256) == (body, None, None)
