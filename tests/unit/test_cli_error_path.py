"""The command line's one error path: an exit code per kind of error, an error file for unexpected ones."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from ereceipt.app import crash_log
from ereceipt.app.cli import exit_code
from ereceipt.core.errors import (
    BadInput,
    ConfigurationError,
    Conflict,
    InvalidAmount,
    NotFound,
    NotInitialised,
    TransientOutage,
    VerificationFailed,
)


@pytest.mark.parametrize(
    ("error", "command", "code"),
    [
        (BadInput("x"), "issue", 1),
        (InvalidAmount("x"), "issue", 1),
        (NotFound("x"), "export", 1),
        (Conflict("x"), "users", 1),
        (VerificationFailed("x"), "queue", 1),
        (BadInput("x"), "verify", 2),
        (ConfigurationError("x"), "serve", 3),
        (NotInitialised("x"), "issue", 3),
        (TransientOutage("x"), "init", 4),
    ],
)
def test_each_kind_of_error_has_its_documented_exit_code(error, command: str, code: int) -> None:
    assert exit_code(error, command) == code


def failure() -> ZeroDivisionError:
    try:
        1 / 0  # noqa: B018 - the failure whose traceback is kept
    except ZeroDivisionError as error:
        return error
    raise AssertionError("unreachable")


def test_an_unexpected_error_is_kept_whole_in_the_error_file(tmp_path: Path) -> None:
    error_file = tmp_path / "var" / "log" / "errors.log"
    written = crash_log.record(failure(), ["issue", "payment.json"], error_file)
    assert written == error_file
    kept = error_file.read_text(encoding="utf-8")
    assert "ereceipt issue payment.json" in kept
    assert "Traceback (most recent call last)" in kept and "1 / 0" in kept
    crash_log.record(failure(), ["export", "1"], error_file)
    assert error_file.read_text(encoding="utf-8").startswith(kept)  # appended, never replaced


def test_an_unwritable_error_file_falls_back_to_the_temporary_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "taken").write_text("a file, not a directory")
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    written = crash_log.record(failure(), ["init"], tmp_path / "taken" / "errors.log")
    assert written == tmp_path / "tmp" / "ereceipt-errors.log"
    assert "ZeroDivisionError" in written.read_text(encoding="utf-8")


def test_the_line_shown_names_the_error_and_the_file() -> None:
    line = crash_log.one_line(failure(), Path("/srv/ereceipt/var/log/errors.log"))
    assert line == (
        "ereceipt: unexpected error (ZeroDivisionError: division by zero); "
        "the full traceback is in /srv/ereceipt/var/log/errors.log"
    )
    missing = FileNotFoundError(2, "No such file or directory", "/etc/ereceipt/x.pem")
    assert crash_log.one_line(missing, None) == (
        "ereceipt: unexpected error (FileNotFoundError: No such file or directory: /etc/ereceipt/x.pem); "
        "its traceback could not be written to any file"
    )
    assert "\n" not in crash_log.one_line(ValueError("first\nsecond"), None)
