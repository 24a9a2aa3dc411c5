"""SQLite writers take turns on one database file: a writer in another process is not starved by one
that starts its next transaction the moment it commits, and every way a transaction ends gives the
turn back."""

from __future__ import annotations

import multiprocessing
import sqlite3
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from ereceipt.core.storage.database import Database
from ereceipt.core.storage.sqlite_writers import TurnTakingConnection

BUSY_SECONDS = 4.0  # how long the busy writer keeps writing, back to back


def _busy_writer(url: str, started, seconds: float) -> None:
    """Write transactions back to back, each holding the lock for about 3 ms (as issuing does while it
    numbers and signs), for ``seconds``."""
    database = Database.from_url(url)
    started.set()
    until = time.monotonic() + seconds
    while time.monotonic() < until:
        with database.write() as session:
            session.execute(text("INSERT INTO counter (who) VALUES ('busy')"))
            time.sleep(0.003)
    database.dispose()


def _table(path: Path) -> str:
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE counter (id INTEGER PRIMARY KEY, who TEXT)")
    connection.commit()
    connection.close()
    return f"sqlite:///{path}"


def test_a_second_process_gets_its_turns_while_another_writes_back_to_back(tmp_path: Path) -> None:
    url = _table(tmp_path / "turns.sqlite")
    context = multiprocessing.get_context("spawn")
    started = context.Event()
    busy = context.Process(target=_busy_writer, args=(url, started, BUSY_SECONDS))
    busy.start()
    try:
        assert started.wait(30)
        time.sleep(0.2)  # the busy writer is in its loop
        database = Database.from_url(url)
        begun = time.monotonic()
        for _ in range(30):
            with database.write() as session:
                session.execute(text("INSERT INTO counter (who) VALUES ('job')"))
        took = time.monotonic() - begun
        assert busy.is_alive(), "the busy writer stopped before the other's writes were done"
        database.dispose()
    finally:
        busy.join(BUSY_SECONDS + 30)
    # Each write waits for at most the one transaction in hand; polling with SQLite's busy sleeps
    # would have let the busy writer keep the lock for most of its run.
    assert took < BUSY_SECONDS / 2, f"30 writes took {took:.2f} s beside a writer that writes back to back"


def _connect(path: Path, timeout: float = 30) -> TurnTakingConnection:
    connection = sqlite3.connect(path, factory=TurnTakingConnection, timeout=timeout, check_same_thread=False)
    connection.isolation_level = None
    return connection


@pytest.mark.parametrize("end", ["commit", "rollback", "close"])
def test_every_end_of_a_write_gives_the_turn_back(tmp_path: Path, end: str) -> None:
    path = tmp_path / "ends.sqlite"
    _table(path)
    first, second = _connect(path), _connect(path)
    first.begin_immediate()
    first.execute("INSERT INTO counter (who) VALUES ('first')")
    entered = threading.Event()

    def other() -> None:
        second.begin_immediate()
        entered.set()
        second.commit()

    waiter = threading.Thread(target=other)
    waiter.start()
    assert not entered.wait(0.3), "a second writer began while the first had the turn"
    getattr(first, end)()
    assert entered.wait(5), f"{end} did not give the turn back"
    waiter.join()
    second.close()
    if end != "close":
        first.close()


def test_a_nested_write_in_the_same_thread_does_not_wait_for_itself(tmp_path: Path) -> None:
    path = tmp_path / "nested.sqlite"
    _table(path)
    outer, inner = _connect(path), _connect(path, timeout=0.2)
    outer.begin_immediate()
    begun = time.monotonic()
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        inner.begin_immediate()  # SQLite's own busy time-out answers, not a wait on the turn
    assert time.monotonic() - begun < 5
    outer.rollback()
    inner.begin_immediate()  # the turn and SQLite's lock are free again
    inner.commit()
    outer.close()
    inner.close()


def test_an_in_memory_database_needs_no_turns() -> None:
    database = Database.from_url("sqlite://")
    with database.write() as session:
        assert session.execute(text("SELECT 1")).scalar() == 1
    database.dispose()


def test_the_turns_are_kept_in_a_file_beside_the_database(tmp_path: Path) -> None:
    path = tmp_path / "beside.sqlite"
    _table(path)
    uris = (f"file:{path}?mode=rwc", f"file://{path}", f"file://localhost{path}#part")
    for name, extra in ((str(path), {}), *((uri, {"uri": True}) for uri in uris)):
        connection = sqlite3.connect(name, factory=TurnTakingConnection, **extra)
        connection.isolation_level = None
        connection.begin_immediate()
        connection.commit()
        connection.close()
    assert sorted(p.name for p in tmp_path.iterdir() if "writers" in p.name) == ["beside.sqlite-writers"]


def test_a_writer_gives_up_after_the_busy_time_out_and_a_late_turn_is_given_back(tmp_path: Path) -> None:
    path = tmp_path / "patience.sqlite"
    _table(path)
    holder, impatient = _connect(path), _connect(path, timeout=0.3)
    holder.begin_immediate()
    begun = time.monotonic()
    with pytest.raises(sqlite3.OperationalError, match="database is locked"):
        impatient.begin_immediate()
    assert 0.25 < time.monotonic() - begun < 5
    holder.commit()  # the turn the impatient writer no longer waits for is handed back
    third = _connect(path, timeout=5)
    begun = time.monotonic()
    third.begin_immediate()
    assert time.monotonic() - begun < 2
    third.commit()
    impatient.begin_immediate()  # and the impatient one may try again
    impatient.commit()
    for connection in (holder, impatient, third):
        connection.close()
