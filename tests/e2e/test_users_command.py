"""`ereceipt init` makes the first administrator once; `ereceipt users add` adds users (real processes)."""

from __future__ import annotations

import re
import stat
from pathlib import Path

import pytest
from server_process import ereceipt

from ereceipt.web.admin import session_secret


def test_init_prints_the_first_administrators_password_only_once(tmp_path: Path) -> None:
    (tmp_path / "config.ini").write_text("[database]\nurl = sqlite:///var/e.sqlite3\n")
    first = ereceipt(tmp_path, "init")
    assert first.returncode == 0, first.stderr
    assert re.search(rb"user admin, password \S{20}", first.stdout)
    again = ereceipt(tmp_path, "init")
    assert again.returncode == 0, again.stderr
    assert b"password" not in again.stdout
    secret = tmp_path / "var" / "session-secret"
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600


def test_users_add_reads_the_password_from_stdin_and_refuses_bad_input(tmp_path: Path) -> None:
    (tmp_path / "config.ini").write_text("[database]\nurl = sqlite:///var/e.sqlite3\n")
    assert ereceipt(tmp_path, "init", "--demo").returncode == 0
    args = ("users", "add", "bd-officer", "--role", "officer", "--agency", "CCTHADS-BD", "--password-stdin")
    added = ereceipt(tmp_path, *args, stdin=b"mot-mat-khau-dai\n")
    assert added.returncode == 0, added.stderr
    assert b"user bd-officer added: officer, CCTHADS-BD" in added.stdout
    again = ereceipt(tmp_path, *args, stdin=b"mot-mat-khau-dai\n")
    assert again.returncode == 1
    assert b"exists already" in again.stderr
    short = ereceipt(tmp_path, "users", "add", "x", "--role", "officer", "--password-stdin", stdin=b"short\n")
    assert short.returncode == 1
    assert b"at least 10" in short.stderr
    unknown = ereceipt(
        tmp_path, "users", "add", "y", "--role", "officer", "--agency", "NOPE", "--password-stdin",
        stdin=b"mot-mat-khau-dai\n",
    )  # fmt: skip
    assert unknown.returncode == 1
    assert b"unknown agency" in unknown.stderr
    assert b"Traceback" not in unknown.stderr


def test_session_secret_is_made_once_and_then_read(tmp_path: Path) -> None:
    path = tmp_path / "var" / "session-secret"
    first = session_secret(path)
    assert len(first) == 64
    assert session_secret(path) == first
    path.write_bytes(b"short")
    with pytest.raises(ValueError, match="shorter than 32 bytes"):
        session_secret(path)


def test_processes_starting_together_all_read_the_one_whole_session_secret(tmp_path: Path) -> None:
    from multiprocessing import get_context

    path = tmp_path / "var" / "session-secret"
    with get_context("fork").Pool(8) as pool:
        secrets_read = pool.map(session_secret, [path] * 32)
    assert len(set(secrets_read)) == 1 and len(secrets_read[0]) == 64
    assert [p.name for p in path.parent.iterdir()] == ["session-secret"]  # no file of a process left
