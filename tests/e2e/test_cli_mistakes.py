"""A newcomer's mistakes, each run by the installed `ereceipt` script: one line on standard error, the
exit code of its kind (1 refused, 3 configuration, 4 unavailable, 70 unexpected), never a traceback."""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from database_urls import POSTGRES_URL, postgres_available_or_skip
from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url

REPO = Path(__file__).resolve().parents[2]
PAYMENT = REPO / "examples" / "payment.json"
SCRIPT = Path(sys.executable).parent / "ereceipt"


def run(home: Path, *args: str, stdin: bytes = b"", **environ: str) -> subprocess.CompletedProcess:
    """The installed script in ``home``, with only the ``ERECEIPT_*`` variables given here."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("ERECEIPT_")}
    env.update(ERECEIPT_CONFIG=str(home / "config.ini"), **environ)
    return subprocess.run(
        [str(SCRIPT), *args], cwd=home, env=env, input=stdin, capture_output=True, timeout=120
    )


def one_line(result: subprocess.CompletedProcess, code: int) -> str:
    """The one line on standard error of a command that ended with ``code``."""
    lines = result.stderr.decode().splitlines()
    assert result.returncode == code, (result.returncode, result.stderr.decode())
    assert len(lines) == 1, result.stderr.decode()
    assert lines[0].startswith("ereceipt: ")
    return lines[0]


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A directory with a config naming a SQLite file that nobody has initialised."""
    (tmp_path / "config.ini").write_text("[database]\nurl = sqlite:///var/e.sqlite3\n")
    return tmp_path


@pytest.fixture(scope="module")
def ready(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory after `ereceipt init --demo` and one receipt issued."""
    home = tmp_path_factory.mktemp("ready")
    (home / "config.ini").write_text("[database]\nurl = sqlite:///var/e.sqlite3\n")
    assert run(home, "init", "--demo").returncode == 0
    issued = run(home, "issue", str(PAYMENT))
    assert issued.returncode == 0, issued.stderr
    return home


def unused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def postgres_url(**parts: object) -> str:
    return make_url(POSTGRES_URL).set(**parts).render_as_string(hide_password=False)


@pytest.fixture
def empty_postgres_database(postgres_admin: Engine) -> Iterator[str]:
    name = f"ereceipt_test_empty_{uuid.uuid4().hex[:12]}"
    with postgres_admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield postgres_url(database=name)
    finally:
        with postgres_admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def test_init_with_a_wrong_postgresql_port_says_the_database_is_unavailable(home: Path) -> None:
    postgres_available_or_skip()
    port = unused_port()
    url = postgres_url(host="127.0.0.1", port=port)
    line = one_line(run(home, "init", ERECEIPT_DATABASE__URL=url), 4)
    shown = make_url(url).render_as_string(hide_password=True)
    assert line.startswith(f"ereceipt: database {shown} unavailable: ")
    assert f"port {port} failed: Connection refused" in line


def test_init_with_a_missing_postgresql_database_says_to_create_it(home: Path) -> None:
    postgres_available_or_skip()
    url = postgres_url(database=f"ereceipt_nowhere_{uuid.uuid4().hex[:8]}")
    line = one_line(run(home, "init", ERECEIPT_DATABASE__URL=url), 3)
    shown = make_url(url).render_as_string(hide_password=True)
    assert (
        line
        == f"ereceipt: database {shown} does not exist: create it (e.g. createdb), then run `ereceipt init`"
    )


def test_issue_before_init_on_sqlite_names_init_and_creates_nothing(home: Path) -> None:
    line = one_line(run(home, "issue", str(PAYMENT)), 3)
    assert line == f"ereceipt: database {home}/var/e.sqlite3 does not exist: run `ereceipt init` to create it"
    assert not (home / "var" / "e.sqlite3").exists()


def test_issue_on_an_sqlite_file_without_the_schema_says_it_is_not_initialised(home: Path) -> None:
    (home / "var").mkdir()
    sqlite3.connect(home / "var" / "e.sqlite3").close()  # an empty file, as a mistyped path leaves
    line = one_line(run(home, "issue", str(PAYMENT)), 3)
    assert line == f"ereceipt: database {home}/var/e.sqlite3 is not initialised: run `ereceipt init`"
    assert "unavailable" not in line


def test_issue_on_a_postgresql_database_without_the_schema_says_it_is_not_initialised(
    home: Path, empty_postgres_database: str
) -> None:
    line = one_line(run(home, "issue", str(PAYMENT), ERECEIPT_DATABASE__URL=empty_postgres_database), 3)
    shown = make_url(empty_postgres_database).render_as_string(hide_password=True)
    assert line == f"ereceipt: database {shown} is not initialised: run `ereceipt init`"


def test_export_into_a_missing_directory_is_one_line(ready: Path) -> None:
    line = one_line(run(ready, "export", "1", "--issuer", "CCTHADS-BD", "-o", "/no/such/dir/r.xml"), 1)
    assert line == "ereceipt: cannot write /no/such/dir/r.xml: No such file or directory"


def test_reconcile_into_a_missing_directory_is_refused_before_the_run_is_recorded(ready: Path) -> None:
    args = ("reconcile", "--account", "0011000000001", "--date", "2026-11-24", "--csv", "/no/such/dir/d.csv")
    line = one_line(run(ready, *args), 1)
    assert line == "ereceipt: cannot write /no/such/dir/d.csv: No such file or directory"
    with sqlite3.connect(ready / "var" / "e.sqlite3") as database:
        assert database.execute("SELECT count(*) FROM reconciliation_run").fetchone() == (0,)
    database.close()


def test_a_password_piped_without_password_stdin_says_to_give_it(ready: Path) -> None:
    line = one_line(run(ready, "users", "add", "x", "--role", "officer", stdin=b"mot-mat-khau-dai\n"), 1)
    assert (
        line
        == "ereceipt: standard input is not a terminal: give --password-stdin to read the password from it"
    )


@pytest.mark.parametrize("variable", ["ERECEIPT_SERVER__PROT", "ERECEIPT_SERVR__PORT"])
def test_a_misspelled_environment_override_is_refused_as_in_the_file(ready: Path, variable: str) -> None:
    line = one_line(run(ready, "export", "1", "--issuer", "CCTHADS-BD", **{variable: "9000"}), 3)
    assert line == (
        f"ereceipt: unknown environment variable {variable}: it overrides no setting "
        "(did you mean ERECEIPT_SERVER__PORT?)"
    )


def test_an_unexpected_error_is_one_line_naming_the_file_that_holds_its_traceback(home: Path) -> None:
    (home / "var").mkdir()
    (home / "var" / "e.sqlite3").write_text("not a database")
    line = one_line(run(home, "issue", str(PAYMENT)), 70)
    error_file = home / "var" / "log" / "errors.log"
    assert line == (
        "ereceipt: unexpected error (DatabaseError: (sqlite3.DatabaseError) file is not a database); "
        f"the full traceback is in {error_file}"
    )
    kept = error_file.read_text(encoding="utf-8")
    assert f"ereceipt issue {PAYMENT}" in kept and "Traceback (most recent call last)" in kept


@pytest.mark.parametrize(
    "args",
    [
        ["issue", "x.json"],
        ["export", "1"],
        ["verify", "x.xml"],
        ["log", "verify"],
        ["log", "archive"],
        ["log", "verify-all"],
        ["soap", "sign", "x.xml"],
        ["queue", "setup"],
        ["queue", "publish", str(REPO / "examples" / "camt054-bank-transfer.xml"), "--bank", "BFTVVNVX"],
        ["notices", "send-due"],
        ["ocr", "x.png"],
        ["scheduler"],
        ["scheduler", "--run-now", "daily_reports"],
        ["worker"],
        ["serve"],
        ["reconcile", "--account", "1", "--date", "2026-11-24"],
        ["users", "add", "x", "--role", "officer", "--password-stdin"],
        ["keys", "init", "--directory", "/proc/ereceipt-keys"],
    ],
    ids=" ".join,
)
def test_no_command_answers_a_mistake_with_a_traceback(home: Path, args: list[str]) -> None:
    """Every command run where nothing is set up (no database, no broker, no such file)."""
    result = run(home, *args, ERECEIPT_QUEUE__URL=f"amqp://guest:guest@127.0.0.1:{unused_port()}/%2F")
    assert result.returncode in (1, 2, 3, 4), (result.returncode, result.stderr.decode())
    one_line(result, result.returncode)
