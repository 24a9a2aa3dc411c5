"""A newcomer's first hour as real processes: what `ereceipt init --demo` prints, and the
reconciliation example of docs/operating.md ("Treasury jobs") run against the demo data."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

from server_process import ereceipt, free_port, http
from waiting import wait_for

REPO = Path(__file__).resolve().parents[2]


def test_init_demo_ends_with_a_short_block_of_what_to_open_and_how_to_log_in(tmp_path: Path) -> None:
    (tmp_path / "config.ini").write_text("[database]\nurl = sqlite:///var/e.sqlite3\n")
    done = ereceipt(tmp_path, "init", "--demo")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.decode().splitlines()
    assert len(lines) <= 12, lines  # the whole output fits on a screen, with the block last
    block = lines[lines.index("") + 1 :]
    assert block[0] == "ready: `ereceipt serve` starts the server (`make run` starts it now); Ctrl-C stops it"
    fields = dict(re.split(r"\s{2,}", line.strip(), maxsplit=1) for line in block[1:])
    assert fields["admin page"] == "http://127.0.0.1:8080/admin"
    assert fields["public lookup"] == "http://127.0.0.1:8080/"
    assert fields["SOAP service"] == "http://127.0.0.1:8080/soap  (WSDL http://127.0.0.1:8080/soap?wsdl)"
    assert re.fullmatch(r"user admin, password \S{20} \(shown only this once: keep it\)", fields["log in as"])
    keys = tmp_path / "var" / "keys"
    assert fields["signing keys"] == f"{keys} (development keys: never for real receipts)"
    assert (keys / "issuer-signing.key.pem").is_file()
    assert len(block) == 6

    again = ereceipt(tmp_path, "init", "--demo")
    assert again.returncode == 0, again.stderr
    assert b"password" not in again.stdout  # shown once only
    assert (
        again.stdout.decode().splitlines()[-4]
        == "  log in as      the users made before (add one with `ereceipt users add`)"
    )


def docs_commands(document: str, heading: str) -> list[list[str]]:
    """The ``ereceipt`` command lines of the first shell block under ``heading`` in ``document``."""
    text = (REPO / document).read_text(encoding="utf-8")
    section = text[text.index(f"\n## {heading}\n") :]
    block = section[section.index("```sh\n") + 6 :]
    block = block[: block.index("```")]
    commands = []
    for line in block.splitlines():
        words = shlex.split(line, comments=True)
        if words and words[0] == ".venv/bin/ereceipt":
            commands.append(words[1:])
    return commands


def test_the_reconciliation_example_shows_a_match_and_every_kind_of_discrepancy(tmp_path: Path) -> None:
    commands = docs_commands("docs/operating.md", "Treasury jobs")
    assert commands[0] == ["treasury-simulator", "&"]
    runs, reconcile = commands[1:3], commands[3]
    assert [run[:2] for run in runs] == [["scheduler", "--run-now"]] * 2 and reconcile[0] == "reconcile"

    port = free_port()
    (tmp_path / "config.ini").write_text(
        "[database]\nurl = sqlite:///var/e.sqlite3\n"
        f"[treasury]\nurl = http://127.0.0.1:{port}/soap\nsimulator_port = {port}\n"
    )
    assert ereceipt(tmp_path, "init", "--demo").returncode == 0
    env = {**os.environ, "ERECEIPT_CONFIG": str(tmp_path / "config.ini")}
    with (tmp_path / "simulator.log").open("wb") as log:
        simulator = subprocess.Popen(
            [sys.executable, "-m", "ereceipt", "treasury-simulator"],
            cwd=tmp_path,
            env=env,
            stdout=log,
            stderr=log,
        )
    try:
        wait_for(lambda: _answers(port, simulator), timeout=30, what="the treasury simulator")
        for run in runs:
            done = ereceipt(tmp_path, *run)
            assert done.returncode == 0, done.stderr
        result = ereceipt(tmp_path, *reconcile)
    finally:
        simulator.terminate()
        simulator.wait(timeout=30)
    assert result.returncode == 1, result.stderr  # there are discrepancies
    shown = {line.split()[0]: line.split()[1:] for line in result.stdout.decode().splitlines()[1:]}
    assert shown["matched"] == ["1", "15.000.000", "đồng"]
    for kind in (
        "payment_without_receipt",
        "receipt_without_payment",
        "amount_mismatch",
        "duplicate",
        "in_treasury_not_in_bank",
        "in_bank_not_in_treasury",
    ):
        assert int(shown[kind][0]) >= 1, (kind, shown)
    rows = (tmp_path / "var" / "d.csv").read_text(encoding="utf-8").splitlines()
    assert {tuple(row.split(",")[:3]) for row in rows[1:]} >= {
        ("amount_mismatch", "FT26328000004", "receipt"),
        ("amount_mismatch", "FT26328000004", "treasury"),
    }
    assert (tmp_path / "var" / "d.xml").read_bytes().count(b"<Discrepancy>") == len(rows) - 1


def _answers(port: int, process: subprocess.Popen) -> bool:
    if process.poll() is not None:
        raise AssertionError(f"the treasury simulator exited with {process.returncode}")
    try:
        return http(f"http://127.0.0.1:{port}/healthz")[0] == 200
    except OSError:
        return False
